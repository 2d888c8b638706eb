"""Polls repository: what a poll cycle reads and writes, in plain SQL on the driver's own
connection (sqlite3 or psycopg).

`poll --once` is a process of its own every few minutes, and over unchanged feeds importing
SQLAlchemy and the ORM (0.2-0.3 s) cost more than the 1,000 conditional GETs themselves. So
the statements of a cycle (the sources due, their poll state, the new stories) are written
here for both backends, and the ORM is loaded only when a poll has work for it: a schema to
migrate, a changed feeds.yaml, stories to classify. The tables are still defined and
migrated through tables.py and Alembic; tests/store/test_polls.py pins that both agree.
"""

import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote

from bot import __version__
from bot.domain import polling
from bot.feeds.entry import Entry

if TYPE_CHECKING:
    from bot.config.schema import Defaults

# The Alembic revision tables.py describes: bump it with every new revision (a test checks
# it), so start-up can tell "already migrated" without loading Alembic or SQLAlchemy.
SCHEMA_REVISION = "0009"
CONFIG_APPLIED = "feeds.yaml applied"  # bot_state key: the digest of the config last applied
CONFIG_READ = "feeds.yaml read"  # bot_state key: what a poll keeps of the file it read last
_CLOCK_SLACK = timedelta(days=1)  # how far ahead of us a site's clock may run
BUSY_TIMEOUT = 30  # seconds an SQLite connection waits for another's lock


class PollTarget(NamedTuple):
    """What polling a source reads from its row. Every poll reads every due source, and
    plain rows cost a third of what ORM objects did (1,000 sources: 5 ms against 18)."""

    id: int
    name: str
    url: str
    trusted: bool
    interval_seconds: int
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    item_digests: bytes | None
    consecutive_failures: int
    failing_since: datetime | None
    next_poll_at: datetime | None
    moved_to: str | None
    fetch_timeout_seconds: float | None  # None: the fetcher's own (defaults.fetch_timeout)

    @property
    def interval(self) -> timedelta:
        return timedelta(seconds=self.interval_seconds)


class PollSettings(NamedTuple):
    """What polling takes from feeds.yaml: `run` from each configuration it applies,
    `poll --once` from the file it reads or from what it kept of it (ConfigRead)."""

    backlog_age: timedelta
    fetch_timeout: float  # seconds
    max_feed_size: int  # bytes

    @classmethod
    def of(cls, defaults: "Defaults") -> "PollSettings":
        timeout, size = defaults.fetch_timeout.total_seconds(), int(defaults.max_feed_size)
        return cls(defaults.backlog_age, timeout, size)


class ConfigRead(NamedTuple):
    """What a poll keeps of the feeds.yaml it read, so that the next poll of the same bytes
    reads them no further: importing the schema and PyYAML costs 0.018 s, and reading and
    validating the file 0.005 s for 200 sources, 0.022 s for 1,000: a tenth of a poll of
    200 unchanged feeds (0.24 s)."""

    file: str  # file_digest() of the bytes read
    config: str  # FeedsConfig.digest() of what they gave
    settings: PollSettings  # what a poll takes from them

    @staticmethod
    def file_digest(data: bytes) -> str:
        """Names a file's bytes as this version of the bot reads them (another version may
        read the same bytes otherwise)."""
        return hashlib.sha256(f"{__version__}\n".encode() + data).hexdigest()

    def as_text(self) -> str:
        backlog_age, timeout, size = self.settings
        return f"{self.file} {self.config} {backlog_age.total_seconds()!r} {timeout!r} {size}"

    @classmethod
    def from_text(cls, text: str) -> "ConfigRead | None":
        try:
            file, config, backlog_age, timeout, size = text.split()
            settings = PollSettings(
                timedelta(seconds=float(backlog_age)), float(timeout), int(size)
            )
        except ValueError:  # never written, or in another shape: the file is read again
            return None
        return cls(file, config, settings)


class ConfigState(NamedTuple):
    """What the database says of feeds.yaml: the schema's revision and, when it is current,
    the digest of the configuration applied last and what the last poll kept of its file."""

    revision: str | None
    applied: str | None
    read: ConfigRead | None

    def applied_already(self, config_digest: str) -> bool:
        return self.revision == SCHEMA_REVISION and self.applied == config_digest

    def read_before(self, data: bytes) -> ConfigRead | None:
        """What a poll kept of a file of exactly these bytes, if the configuration they gave
        is still the one applied; None otherwise."""
        read = self.read
        if read is None or read.file != ConfigRead.file_digest(data):
            return None
        return read if self.applied_already(read.config) else None


_TARGETS = f"SELECT {', '.join(PollTarget._fields)} FROM source WHERE enabled"
# A story takes the fingerprint of the first story another source stored with its link, so
# another site's copy under another headline is the same news; else its headline's own.
# Within one source a shared link says nothing: some feeds link every item to one section
# page, and their stories would all become one news, alerting once.
_ADD_STORY = (
    "INSERT INTO story (source_id, key, link_hash, fingerprint, url, title, summary,"
    " published_at, first_seen_at, backlog, classified_at) VALUES (?, ?, ?,"
    " COALESCE((SELECT fingerprint FROM story WHERE link_hash = ? AND source_id <> ?"
    " ORDER BY id LIMIT 1), ?), ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_id, key) DO NOTHING"
)
# The catalogue as ShowRepo.catalogue() reads it: shows not retired, and retired ones that
# someone still follows. With none, the classifier has nothing to find in any story.
_SHOWS = (
    "EXISTS (SELECT 1 FROM show WHERE origin <> 'retired' OR id IN (SELECT show_id FROM follow))"
)
_HAS_SHOWS = f"SELECT {_SHOWS}"
_MARK_READ_IF_NO_SHOWS = (
    f"UPDATE story SET classified_at = ? WHERE classified_at IS NULL AND NOT {_SHOWS}"
)


class PollStore:
    """Contract: storing returns only the stories that were not stored before (per source);
    every time in and out is aware UTC, stored as the ORM stores it."""

    def __init__(self, connect: Callable[[], Any], dialect: str, *, own: bool = True) -> None:
        self._connect = connect
        self._connection: Any = None
        self.dialect = dialect  # "sqlite" or "postgresql"
        self._own = own  # False: statements run in a transaction someone else commits
        self._lock = threading.Lock()  # cycles write from worker threads, one at a time
        self._sql: dict[str, str] = {}
        self.errors: tuple[type[Exception], ...] = (sqlite3.Error,)
        # Errors of the database itself rather than of one write's data: see `unusable`.
        self._unusable: tuple[type[Exception], ...] = (sqlite3.OperationalError,)
        self._retryable: tuple[type[Exception], ...] = ()
        if dialect == "postgresql":
            import psycopg
            from psycopg.errors import DeadlockDetected, SerializationFailure, TransactionRollback

            self.errors = (psycopg.Error,)
            self._unusable = (psycopg.OperationalError, psycopg.ProgrammingError)
            # Class 40 (rolled back by the server, another try may succeed): psycopg makes
            # its members siblings, not subclasses, of TransactionRollback.
            self._retryable = (TransactionRollback, DeadlockDetected, SerializationFailure)

    def unusable(self, error: BaseException) -> bool:
        """Whether `error` says the database cannot be used now (full, locked past the busy
        timeout, gone, a table missing), not that one write's data was refused (a foreign
        key) or lost a race (a deadlock, which another try resolves). Every later write of
        a cycle would fail the same way, recording the sources' failures included."""
        return isinstance(error, self._unusable) and not isinstance(error, self._retryable)

    @classmethod
    def connect(cls, url: str) -> "PollStore":
        """A store on its own connection to the database at `url` (as DATABASE_URL gives it);
        ValueError for a URL that names neither a SQLite file nor a PostgreSQL server."""
        backend, target = database_of(url)
        if backend == "sqlite":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
            return cls(lambda: _open_sqlite(target), "sqlite")

        def open_postgresql() -> Any:
            import psycopg

            return psycopg.connect(target, autocommit=True)

        return cls(open_postgresql, "postgresql")

    @classmethod
    def within(cls, session: Any) -> "PollStore":
        """This repository inside an ORM session's transaction (SQLAlchemy's Session)."""
        connection = session.connection().connection.driver_connection
        return cls(lambda: connection, session.get_bind().dialect.name, own=False)

    def close(self) -> None:
        if self._own and self._connection is not None:
            self._connection.close()
        self._connection = None

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at (None when it has no schema yet)."""
        exists = (
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            if self.dialect == "sqlite"
            else "SELECT 1 WHERE to_regclass('alembic_version') IS NOT NULL"
        )
        with self._transaction() as cursor:
            if not self._run(cursor, exists).fetchone():
                return None
            row = self._run(cursor, "SELECT version_num FROM alembic_version").fetchone()
            return row[0] if row else None

    def config_state(self) -> ConfigState:
        revision = self.schema_revision()
        if revision != SCHEMA_REVISION:  # bot_state may not exist, or not as this bot has it
            return ConfigState(revision, None, None)
        with self._transaction() as cursor:
            query = "SELECT key, value FROM bot_state WHERE key IN (?, ?)"
            values = dict(self._run(cursor, query, (CONFIG_READ, CONFIG_APPLIED)).fetchall())
        read = ConfigRead.from_text(values.get(CONFIG_READ, ""))
        return ConfigState(revision, values.get(CONFIG_APPLIED), read)

    def remember_config_read(self, read: ConfigRead) -> None:
        """Keeps `read` for the next poll (one per database: the file read last)."""
        with self._transaction(write=True) as cursor:
            self._run(
                cursor,
                "INSERT INTO bot_state (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (CONFIG_READ, read.as_text(), self._value(datetime.now(UTC))),
            )

    def enabled_names(self) -> set[str]:
        """The names of the sources a poll may poll."""
        with self._transaction() as cursor:
            return {row[0] for row in self._run(cursor, "SELECT name FROM source WHERE enabled")}

    def source_urls(self) -> set[str]:
        """Every source's URL, enabled or not."""
        with self._transaction() as cursor:
            return {row[0] for row in self._run(cursor, "SELECT url FROM source")}

    def to_poll(self, now: datetime, *, everything: bool = False) -> list[PollTarget]:
        """Enabled sources whose next poll time has come (all enabled ones with `everything`)."""
        query, params = self._due(now, everything)
        with self._transaction() as cursor:
            return self._targets(cursor, query, params, now, everything)

    def claim(
        self,
        now: datetime,
        until: datetime,
        *,
        everything: bool = False,
        source_id: int | None = None,
        names: Sequence[str] = (),
    ) -> list[PollTarget]:
        """`to_poll`, with each source's next poll moved on to `until` in the same
        transaction: a lease. A cycle that starts meanwhile (cron starting the next poll
        before this one ended) finds them not due and leaves them to this one, and a cycle
        that dies leaves them due again at `until`. The state each poll writes replaces it.
        `everything` claims sources another cycle holds too, as it polls them anyway;
        `source_id` claims that source alone, if it is due (`run`'s poll job); `names`, the
        sources of those names alone (`poll --once --source`)."""
        query, params = self._due(now, everything, source_id, names)
        if self.dialect == "postgresql":
            # A row another transaction is writing is left to it, never waited for: a cycle
            # claiming at this moment, or one storing that source's poll (which holds its
            # lease). Waiting could deadlock with a store locking rows in another order.
            # NO KEY UPDATE: stories being inserted for a source (their foreign key's lock
            # on its row) do not make it skipped. SQLite's write lock, taken at BEGIN,
            # makes concurrent claims take turns instead.
            query += " FOR NO KEY UPDATE SKIP LOCKED"
        lease = self._value(until)
        with self._transaction(write=True) as cursor:
            targets = self._targets(cursor, query, params, now, everything)
            if targets:
                # A next poll later than the lease is kept (`everything` claims sources that
                # are not due), unless it is too far ahead to be believed: then the source
                # was due (polling.believed_next_poll) and is leased like the others.
                cursor.executemany(
                    self._sql_of(
                        "UPDATE source SET next_poll_at = ? WHERE id = ?"
                        " AND (next_poll_at IS NULL OR next_poll_at < ? OR next_poll_at > ?)"
                    ),
                    [
                        (lease, t.id, lease, self._value(now + polling.longest_wait(t.interval)))
                        for t in targets
                    ],
                )
        return targets

    def hold_site(self, site: str, until: datetime) -> int:
        """Moves the next poll of every enabled source on `site` (polling.site_of) to `until`
        at the earliest: the site asked to be left alone until then. Returns how many sources
        the site has. Rows are written in the order of their ids, as `store` writes them, so
        that the two never wait on each other from two processes (a PostgreSQL deadlock)."""
        hold = self._value(until)
        with self._transaction(write=True) as cursor:
            enabled = "SELECT id, url FROM source WHERE enabled ORDER BY id"
            rows = self._run(cursor, enabled).fetchall()
            on_site = [row[0] for row in rows if polling.site_of(row[1]) == site]
            cursor.executemany(
                self._sql_of(
                    "UPDATE source SET next_poll_at = ? WHERE id = ?"
                    " AND (next_poll_at IS NULL OR next_poll_at < ?)"
                ),
                [(hold, source_id, hold) for source_id in on_site],
            )
            return len(on_site)

    def release(self, targets: Sequence[PollTarget], until: datetime) -> None:
        """Gives back the leases `claim` took until `until` on sources whose poll wrote
        nothing since: their next poll is again what it was."""
        lease = self._value(until)
        give_back = "UPDATE source SET next_poll_at = ? WHERE id = ? AND next_poll_at = ?"
        with self._transaction(write=True) as cursor:
            cursor.executemany(
                self._sql_of(give_back),
                [(self._value(t.next_poll_at), t.id, lease) for t in targets],
            )

    def _due(
        self,
        now: datetime,
        everything: bool,
        source_id: int | None = None,
        names: Sequence[str] = (),
    ) -> tuple[str, list[Any]]:
        query, params = _TARGETS, list[Any]()
        if source_id is not None:
            query += " AND id = ?"
            params.append(source_id)
        if names:
            query += f" AND name IN ({', '.join('?' * len(names))})"
            params += names
        if not everything:
            # Also those that may be due because their next poll is too far ahead to be
            # believed; `_targets` keeps the ones that are (polling.is_due).
            query += " AND (next_poll_at IS NULL OR next_poll_at <= ? OR next_poll_at > ?)"
            params += [self._value(now), self._value(now + polling.MAX_BACKOFF)]
        return f"{query} ORDER BY id", params

    def _targets(
        self, cursor: Any, query: str, params: list[Any], now: datetime, everything: bool
    ) -> list[PollTarget]:
        targets = [self._target(row) for row in self._run(cursor, query, params)]
        if everything:
            return targets
        return [t for t in targets if polling.is_due(t.next_poll_at, now, t.interval)]

    def next_due(self, now: datetime) -> tuple[str, datetime] | None:
        """The name of the enabled source that is due next, and when (`status` shows it, and
        a poll with nothing due says it); None without one. A source never scheduled, or
        scheduled too far ahead to be believed (a clock set back), is due `now`, as the
        cycles take it (polling.believed_next_poll)."""
        query = "SELECT name, next_poll_at, interval_seconds FROM source WHERE enabled ORDER BY id"
        with self._transaction() as cursor:
            rows = self._run(cursor, query).fetchall()
        soonest: tuple[str, datetime] | None = None
        for name, at, seconds in rows:
            interval = timedelta(seconds=seconds)
            when = polling.believed_next_poll(self._time(at), now, interval) or now
            if soonest is None or when < soonest[1]:
                soonest = (name, when)
        return soonest

    def write_changes(self, changes: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Writes (source id, {column: value}) changes onto their rows, one executemany per
        shape of change."""
        with self._transaction(write=True) as cursor:
            self._write_changes(cursor, changes)

    def store(
        self,
        batch: Sequence[tuple[int, dict[str, Any], Sequence[Entry]]],
        seen_at: datetime,
        backlog_age: timedelta,
    ) -> list[int]:
        """For each (source id, state changes, entries): stores the entries the source has
        not had before and writes the changes, all in one transaction. Returns how many
        stories were new, source by source.

        An entry without a date, or dated more than a day after `seen_at` (a wrong clock or
        a year 9999), is dated `seen_at`. One first seen more than `backlog_age` after its
        publication is backlog: it may update the calendar but never alerts.

        With no show in the catalogue, the stories are stored read (classified at
        `seen_at`), as `settle_unread` would mark them once the cycle ends: the classifier
        has nothing to find in them, and marking 10,000 rows afterwards cost a first poll
        of 200 feeds 0.06-0.1 s.
        """
        counts = [0] * len(batch)
        # What every story of the batch shares is worked out once: a first poll of 1,000
        # feeds stores 50,000 stories, and building each row cost 3.9 us, more than half of
        # what SQLite takes to insert it (6.3 us).
        seen, latest, oldest_new = (
            self._value(seen_at),
            seen_at + _CLOCK_SLACK,
            seen_at - backlog_age,
        )
        # Sources are written in the order of their ids, not in the order they answered:
        # two polls storing the same feeds at once (two `poll --once --all`, or one beside
        # `run`) would otherwise each insert a story the other holds uncommitted, and wait
        # for it; PostgreSQL aborts one as a deadlock. (A feed whose items two polls read in
        # different orders can still cross; then the aborted batch is written again one
        # source at a time, bot/feeds/group_commit.py.)
        in_order = sorted(range(len(batch)), key=lambda i: batch[i][0])
        with self._transaction(write=True) as cursor:
            read = None if self._run(cursor, _HAS_SHOWS).fetchone()[0] else seen
            for i in in_order:
                source_id, _, entries = batch[i]
                rows = [
                    (source_id, e.key, e.link_hash, e.link_hash, source_id, e.fingerprint,
                     e.url, e.title, e.summary,
                     seen if (when := e.published) is None or when > latest else self._value(when),
                     seen, when is not None and when <= latest and when < oldest_new, read)
                    for e in entries
                ]  # fmt: skip
                if rows:
                    cursor.executemany(self._sql_of(_ADD_STORY), rows)
                    counts[i] = max(cursor.rowcount, 0)
            self._write_changes(cursor, [batch[i][:2] for i in in_order])
        return counts

    def settle_unread(self, now: datetime) -> tuple[int, bool]:
        """With no show in the catalogue, marks every unread story read in one statement (a
        show added meanwhile is either seen by it or comes after it). Returns how many were
        marked and whether unread stories are left for the classifier."""
        with self._transaction(write=True) as cursor:
            marked = self._run(cursor, _MARK_READ_IF_NO_SHOWS, (self._value(now),)).rowcount
            unread = "SELECT 1 FROM story WHERE classified_at IS NULL LIMIT 1"
            return max(marked, 0), self._run(cursor, unread).fetchone() is not None

    @contextmanager
    def _transaction(self, *, write: bool = False) -> Iterator[Any]:
        """A cursor in a transaction of its own (or in the session's, for `within`).
        SQLite's write transactions take the write lock at once (BEGIN IMMEDIATE): one that
        started as a read and then wrote could fail on a lock another writer holds, where
        waiting for the lock (the busy timeout) is what is wanted."""
        with self._lock:
            connection = self._ready()
            cursor = connection.cursor()
            try:
                if not self._own:
                    yield cursor
                elif self.dialect == "postgresql":
                    with connection.transaction():
                        yield cursor
                else:
                    cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                    try:
                        yield cursor
                    except BaseException:
                        connection.rollback()
                        raise
                    connection.commit()
            finally:
                cursor.close()

    def _ready(self) -> Any:
        """The connection, made again if the server dropped it (a PostgreSQL restart)."""
        if self._connection is None or getattr(self._connection, "broken", False):
            self._connection = self._connect()
        return self._connection

    def _run(self, cursor: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor.execute(self._sql_of(sql), params)
        return cursor

    def _sql_of(self, sql: str) -> str:
        """The statement in the driver's parameter style: sqlite3 takes ?, psycopg %s."""
        if self.dialect == "sqlite":
            return sql
        converted = self._sql.get(sql)
        if converted is None:
            converted = self._sql[sql] = sql.replace("?", "%s")
        return converted

    def _write_changes(self, cursor: Any, changes: Sequence[tuple[int, dict[str, Any]]]) -> None:
        shapes: dict[tuple[str, ...], list[list[Any]]] = {}
        for source_id, values in changes:
            if not values:
                continue
            names = tuple(sorted(values))
            row = [self._value(values[name]) for name in names]
            shapes.setdefault(names, []).append([*row, source_id])
        for names, rows in shapes.items():
            assert all(name.isidentifier() for name in names), names  # column names, not data
            columns = ", ".join(f"{name} = ?" for name in names)
            cursor.executemany(self._sql_of(f"UPDATE source SET {columns} WHERE id = ?"), rows)

    def _value(self, value: Any) -> Any:
        """A value as the ORM stores it: on SQLite a time is UTC text (SQLAlchemy's format,
        so both sort and compare alike), on PostgreSQL a timestamptz."""
        if not isinstance(value, datetime):
            return value
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: times in the store are aware UTC")
        value = value.astimezone(UTC)
        if self.dialect == "sqlite":
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return value

    def _target(self, row: Sequence[Any]) -> PollTarget:
        return PollTarget(
            row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6], row[7],
            None if row[8] is None else bytes(row[8]), row[9], self._time(row[10]),
            self._time(row[11]), row[12], row[13],
        )  # fmt: skip

    def _time(self, value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite: UTC text
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def database_of(url: str) -> tuple[str, str]:
    """("sqlite", the file's path) or ("postgresql", a libpq URL) for a DATABASE_URL, read as
    SQLAlchemy reads it; ValueError, saying what to write, for any other."""
    scheme, found, rest = url.partition("://")
    backend = scheme.split("+")[0].lower()
    if found and backend == "sqlite":
        path = unquote(rest.removeprefix("/").partition("?")[0])
        if not path or path == ":memory:":
            raise ValueError(
                "an in-memory SQLite database lasts one command: write sqlite:///FILE or "
                "postgresql://USER@HOST/DATABASE"
            )
        return backend, str(Path(path).expanduser())
    if found and backend in ("postgres", "postgresql"):
        return "postgresql", f"postgresql://{rest}"
    # The URL itself is not repeated: it may hold a password.
    what = f"{scheme}:// is no database the bot can use" if found else "not a database URL"
    raise ValueError(f"{what}: write sqlite:///FILE or postgresql://USER@HOST/DATABASE")


def _open_sqlite(path: str) -> sqlite3.Connection:
    # isolation_level None: transactions are begun explicitly (see _transaction).
    connection = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
    )
    sqlite_pragmas(connection)
    return connection


def sqlite_pragmas(connection: Any, _record: Any = None) -> None:
    """Every SQLite connection's settings, the ORM's included (an engine 'connect' hook).
    WAL lets `premiere-bot status` read while the bot writes; foreign keys are off by
    default."""
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    """Puts the database in WAL mode, which then stays in the file. Switching a new file
    takes its exclusive lock after reading it, and SQLite refuses the switch at once
    ("database is locked") to a connection that finds another process switching it: the
    busy timeout does not apply, and one connection in fifteen failed so when four
    processes opened a new file together (a `run` and a `poll` started at once on a new
    database). So a refused switch is tried again, for as long as the busy timeout."""
    give_up = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > give_up:
                raise
            time.sleep(0.005)
