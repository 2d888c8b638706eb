"""The polls repository's plain SQL against the tables the ORM defines, on both backends."""

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.config import parse_config
from bot.feeds.entry import Entry
from bot.store.db import Store, make_engine
from bot.store.follows import FollowRepo, NewFollow
from bot.store.polls import (
    CONFIG_READ,
    SCHEMA_REVISION,
    ConfigRead,
    PollSettings,
    PollStore,
    PollTarget,
)
from bot.store.shows import ShowRepo
from bot.store.sources import SourceRepo
from bot.store.state import StateRepo
from bot.store.sync import apply_config
from bot.store.tables import Show, Source, Story

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
TWO = """\
sources:
  - name: TVLine
    url: https://tvline.com/feed/
    fetch_timeout: 45s
  - name: Decider
    url: https://decider.com/feed/
    interval: 1h
  - name: Paused
    url: https://paused.example/
    enabled: false
"""


def _apply(store: Store, yaml: str = TWO) -> dict[str, int]:
    with store.session() as session:
        apply_config(session, parse_config(yaml, "feeds.yaml"), NOW)
        return {s.name: s.id or 0 for s in SourceRepo(session).all()}


def _entry(n: int, published: datetime | None) -> Entry:
    return Entry(f"key-{n}", f"fp-{n}", f"https://a.example/{n}", f"Title {n}", "", published)


def _target(store: Store, source_id: int) -> PollTarget | None:
    """What a poll reads of the source with this id, if it is enabled."""
    return next((t for t in store.polls.to_poll(NOW, everything=True) if t.id == source_id), None)


def test_what_a_poll_reads_of_due_and_enabled_sources(store: Store) -> None:
    ids = _apply(store)
    failing = datetime(2026, 11, 23, 6, 30, 0, 250, tzinfo=UTC)
    with store.session() as session:
        tvline, decider = session.get(Source, ids["TVLine"]), session.get(Source, ids["Decider"])
        assert tvline is not None and decider is not None
        tvline.etag, tvline.last_modified, tvline.body_hash = '"v1"', "Mon, 23 Nov 2026", "ab" * 32
        tvline.item_digests = bytes(range(16))
        tvline.consecutive_failures, tvline.failing_since, tvline.trusted = 2, failing, False
        tvline.moved_to = "https://tvline.com/feed/rss/"
        decider.next_poll_at = NOW + timedelta(minutes=5)
    due = store.polls.to_poll(NOW)
    enabled = store.polls.to_poll(NOW, everything=True)
    assert [t.name for t in due] == ["TVLine"]  # Decider is not due for five minutes
    assert [t.name for t in enabled] == ["TVLine", "Decider"]  # Paused is disabled
    assert _target(store, ids["Paused"]) is None
    assert _target(store, ids["TVLine"]) == due[0]
    assert due[0] == PollTarget(
        ids["TVLine"], "TVLine", "https://tvline.com/feed/", False, 900, '"v1"',
        "Mon, 23 Nov 2026", "ab" * 32, bytes(range(16)), 2, failing, NOW,
        "https://tvline.com/feed/rss/", 45.0,
    )  # fmt: skip
    assert due[0].failing_since is not None and due[0].failing_since.tzinfo is not None
    assert enabled[1].next_poll_at == NOW + timedelta(minutes=5)
    assert enabled[1].fetch_timeout_seconds is None  # the fetcher's own, from defaults


def test_a_due_time_compares_to_the_microsecond(store: Store) -> None:
    ids = _apply(store)
    store.polls.write_changes([(ids["TVLine"], {"next_poll_at": NOW + timedelta(microseconds=1)})])
    store.polls.write_changes([(ids["Decider"], {"next_poll_at": NOW})])
    assert [t.name for t in store.polls.to_poll(NOW)] == ["Decider"]


def test_a_cycle_leases_the_sources_it_claims(store: Store) -> None:
    """Claimed sources are not due to a cycle started beside this one until the lease ends;
    --all claims them anyway; what a poll writes replaces the lease."""
    ids = _apply(store)
    store.polls.write_changes([(ids["Decider"], {"next_poll_at": NOW + timedelta(hours=1)})])
    until = NOW + timedelta(minutes=10)
    assert [t.name for t in store.polls.claim(NOW, until)] == ["TVLine"]
    assert store.polls.claim(NOW + timedelta(minutes=1), until) == []  # the overlapping cycle
    assert [t.name for t in store.polls.to_poll(until)] == ["TVLine"]  # a lease left to expire
    everything = store.polls.claim(NOW, NOW + timedelta(minutes=20), everything=True)
    assert [t.name for t in everything] == ["TVLine", "Decider"]
    later = NOW + timedelta(hours=2)
    assert _target(store, ids["Decider"]).next_poll_at == later - timedelta(hours=1)  # type: ignore[union-attr]
    store.polls.write_changes([(ids["TVLine"], {"next_poll_at": later})])
    assert _target(store, ids["TVLine"]).next_poll_at == later  # type: ignore[union-attr]


def test_a_claim_never_waits_for_a_source_being_written(store: Store, backend: str) -> None:
    """PostgreSQL: a source row another transaction holds (a cycle storing its poll) is left
    out, not waited for, so claims and stores cannot deadlock; one whose stories are being
    inserted (a foreign key's lock) is claimed as ever."""
    if backend != "postgresql":
        pytest.skip("SQLite's claims and writes take turns on its one write lock")
    import psycopg

    ids = _apply(store)
    url = store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as other:  # one transaction, held open
        other.execute("UPDATE source SET last_status = 200 WHERE id = %s", (ids["TVLine"],))
        other.execute(
            "INSERT INTO story (source_id, key, fingerprint, title, summary, published_at,"
            " first_seen_at, backlog) VALUES (%s, 'k', 'f', 't', '', now(), now(), false)",
            (ids["Decider"],),
        )
        claimed = store.polls.claim(NOW, NOW + timedelta(minutes=10), everything=True)
        other.rollback()
    assert [t.name for t in claimed] == ["Decider"]


def test_a_source_scheduled_further_ahead_than_any_schedule_goes_is_due(store: Store) -> None:
    """TVLine's next poll was written while the clock ran a year ahead: once the clock is
    right again, it is due, not left for a year, and the cycle that claims it leases it like
    any other, so a cycle started beside it leaves it alone. Decider's, three hours ahead of
    its hourly interval (a site's max-age), is believed."""
    ids = _apply(store)
    store.polls.write_changes(
        [
            (ids["TVLine"], {"next_poll_at": NOW + timedelta(days=365)}),
            (ids["Decider"], {"next_poll_at": NOW + timedelta(hours=3)}),
        ]
    )
    assert [t.name for t in store.polls.to_poll(NOW)] == ["TVLine"]
    until = NOW + timedelta(minutes=10)
    assert [t.name for t in store.polls.claim(NOW, until)] == ["TVLine"]
    assert store.polls.claim(NOW + timedelta(minutes=1), until) == []  # the overlapping cycle
    assert _target(store, ids["TVLine"]).next_poll_at == until  # type: ignore[union-attr]
    assert _target(store, ids["Decider"]).next_poll_at == NOW + timedelta(hours=3)  # type: ignore[union-attr]


def test_leases_given_back_restore_the_due_times_of_sources_not_polled(store: Store) -> None:
    ids = _apply(store)
    store.polls.write_changes([(ids["Decider"], {"next_poll_at": NOW - timedelta(minutes=3)})])
    until = NOW + timedelta(minutes=10)
    claimed = store.polls.claim(NOW, until)
    assert [t.name for t in claimed] == ["TVLine", "Decider"]
    polled = NOW + timedelta(minutes=15)
    store.polls.write_changes([(ids["TVLine"], {"next_poll_at": polled})])  # TVLine finished
    store.polls.release(claimed, until)
    assert _target(store, ids["TVLine"]).next_poll_at == polled  # type: ignore[union-attr]
    assert [t.name for t in store.polls.to_poll(NOW)] == ["Decider"]
    assert _target(store, ids["Decider"]).next_poll_at == NOW - timedelta(minutes=3)  # type: ignore[union-attr]


def test_changes_written_are_what_the_orm_reads(store: Store) -> None:
    ids = _apply(store)
    when = datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("America/New_York"))  # UTC stored
    store.polls.write_changes(
        [
            (ids["TVLine"], {"etag": '"v2"', "last_polled_at": when, "last_status": 200}),
            (ids["Decider"], {"last_error": "HTTP 500", "consecutive_failures": 3}),
            (ids["Paused"], {"etag": '"p"', "last_polled_at": NOW, "last_status": 304}),
            (ids["TVLine"], {"item_digests": b"\x00\xff" * 8}),  # bytes with a NUL in them
        ]
    )
    with store.session() as session:
        tvline, decider = session.get(Source, ids["TVLine"]), session.get(Source, ids["Decider"])
        paused = session.get(Source, ids["Paused"])
        assert tvline is not None and decider is not None and paused is not None
        assert (tvline.etag, tvline.last_polled_at, tvline.last_status) == ('"v2"', when, 200)
        assert tvline.last_polled_at is not None and tvline.last_polled_at.tzinfo == UTC
        assert (decider.last_error, decider.consecutive_failures, decider.etag) == (
            "HTTP 500", 3, None,
        )  # fmt: skip
        assert (paused.etag, paused.last_status) == ('"p"', 304)
        assert tvline.item_digests == b"\x00\xff" * 8
    assert _target(store, ids["TVLine"]).item_digests == b"\x00\xff" * 8  # type: ignore[union-attr]


def test_naive_times_are_refused(store: Store) -> None:
    ids = _apply(store)
    with pytest.raises(ValueError, match="naive datetime"):
        store.polls.write_changes([(ids["TVLine"], {"last_polled_at": datetime(2026, 1, 1)})])


def test_storing_returns_only_what_is_new_and_writes_the_state_with_it(store: Store) -> None:
    ids = _apply(store)
    day = timedelta(days=1)
    entries = [_entry(1, NOW - timedelta(hours=2)), _entry(2, NOW - timedelta(days=3)),
               _entry(3, None), _entry(4, NOW + timedelta(days=2))]  # fmt: skip
    first = store.polls.store(
        [(ids["TVLine"], {"etag": '"a"'}, entries), (ids["Decider"], {"etag": '"b"'}, [])],
        NOW,
        day,
    )
    assert first == [4, 0]
    again = [_entry(1, NOW), _entry(5, NOW)]  # an edited entry 1 and a new one
    later = NOW + timedelta(hours=1)
    assert store.polls.store(
        [(ids["TVLine"], {}, again), (ids["Decider"], {}, again)], later, day
    ) == [1, 2]
    with store.session() as session:
        rows = session.exec(select(Story).order_by(Story.source_id, Story.key)).all()
        tvline = session.get(Source, ids["TVLine"])
        assert tvline is not None and tvline.etag == '"a"'
    stored = {(r.source_id, r.key): r for r in rows}
    assert len(stored) == len(rows) == 7
    one = stored[(ids["TVLine"], "key-1")]
    assert (one.title, one.published_at, one.first_seen_at, one.backlog) == (
        "Title 1", NOW - timedelta(hours=2), NOW, False,
    )  # fmt: skip
    assert stored[(ids["TVLine"], "key-2")].backlog  # first seen three days after it was news
    assert stored[(ids["TVLine"], "key-3")].published_at == NOW  # no date: the time it was seen
    assert stored[(ids["TVLine"], "key-4")].published_at == NOW  # two days ahead: a wrong clock
    assert stored[(ids["TVLine"], "key-5")].first_seen_at == later
    # No show in the catalogue: the classifier would find nothing, so they are read at once.
    assert all(r.classified_at == r.first_seen_at for r in rows)


def test_a_batch_that_fails_stores_nothing(store: Store) -> None:
    ids = _apply(store)
    missing_source = max(ids.values()) + 100  # the foreign key refuses it
    with pytest.raises(store.polls.errors):
        store.polls.store(
            [
                (ids["TVLine"], {"etag": '"x"'}, [_entry(1, NOW)]),
                (missing_source, {}, [_entry(2, NOW)]),
            ],
            NOW,
            timedelta(days=1),
        )
    with store.session() as session:
        assert session.exec(select(Story)).all() == []
        tvline = session.get(Source, ids["TVLine"])
        assert tvline is not None and tvline.etag is None
    assert store.polls.store([(ids["TVLine"], {}, [_entry(1, NOW)])], NOW, timedelta(days=1)) == [1]


def test_overlapping_stores_of_the_same_stories_never_deadlock(store: Store, db_url: str) -> None:
    """Two polls storing the same feeds at once (two `poll --once --all`, or one beside
    `run`): each batch lists its sources in the order they answered. Taken in that order,
    the rows' locks crossed (a story inserted by one waits for the other's uncommitted copy)
    and PostgreSQL aborted one transaction as a deadlock. (SQLite writes one at a time.)
    The counts still come back in the batch's order."""
    ids = _apply(store)
    a, b = ids["TVLine"], ids["Decider"]
    other = PollStore.connect(db_url)
    start = threading.Barrier(2)

    def write(polls: PollStore, batch: list[tuple[int, dict[str, str], list[Entry]]]) -> list[int]:
        start.wait()
        return polls.store(batch, NOW, timedelta(days=1))

    try:
        for round_ in range(3):
            first = 300 * round_
            feed_a = [_entry(n, NOW) for n in range(first, first + 300)]
            feed_b = [_entry(n, NOW) for n in range(first + 150, first + 300)]  # 150 shared
            batches = [
                [(a, {"etag": '"a"'}, feed_a), (b, {"etag": '"b"'}, feed_b)],
                [(b, {"etag": '"b"'}, feed_b), (a, {"etag": '"a"'}, feed_a)],
            ]
            with ThreadPoolExecutor(2) as pool:
                writers = zip((store.polls, other), batches, strict=True)
                done = [pool.submit(write, polls, batch) for polls, batch in writers]
                counts = [future.result(timeout=60) for future in done]
            # Each story stored once, by one of the two, and counted for its own source.
            assert counts[0][0] + counts[1][1] == 300 and counts[0][1] + counts[1][0] == 150
    finally:
        other.close()
    later = [(b, {}, [_entry(n, NOW) for n in (1000, 1001)]), (a, {}, [_entry(1002, NOW)])]
    assert store.polls.store(later, NOW, timedelta(days=1)) == [2, 1]  # in the batch's order


def test_stories_are_stored_unread_only_with_a_show_to_find(store: Store) -> None:
    ids = _apply(store)
    store.polls.store([(ids["TVLine"], {}, [_entry(1, NOW)])], NOW, timedelta(1))
    _apply(store, TWO + "shows:\n  - title: Severance\n")
    later = NOW + timedelta(hours=1)
    store.polls.store([(ids["TVLine"], {}, [_entry(2, NOW)])], later, timedelta(1))
    with store.session() as session:
        read = {s.key: s.classified_at for s in session.exec(select(Story))}
    assert read == {"key-1": NOW, "key-2": None}


def test_unread_stories_are_marked_read_only_with_no_show_to_find(store: Store) -> None:
    ids = _apply(store, TWO + "shows:\n  - title: Severance\n")
    store.polls.store([(ids["TVLine"], {}, [_entry(1, NOW), _entry(2, NOW)])], NOW, timedelta(1))
    assert store.polls.settle_unread(NOW) == (0, True)  # the classifier has a show to look for
    _apply(store)  # the show leaves feeds.yaml: retired, and nobody follows it
    with store.session() as session:
        assert ShowRepo(session).catalogue() == []
    assert store.polls.settle_unread(NOW) == (2, False)
    assert store.polls.settle_unread(NOW) == (0, False)
    with store.session() as session:
        assert {s.classified_at for s in session.exec(select(Story))} == {NOW}


def test_a_retired_show_someone_follows_is_still_looked_for(store: Store) -> None:
    ids = _apply(store)
    _apply(store, TWO + "shows:\n  - title: Severance\n")
    with store.session() as session:
        show = session.exec(select(Show)).one()
        assert show.id is not None
        FollowRepo(session).follow(NewFollow(1, 2, show.id))
    _apply(store)
    with store.session() as session:
        assert [s.title for s, _ in ShowRepo(session).catalogue()] == ["Severance"]
    store.polls.store([(ids["TVLine"], {}, [_entry(1, NOW)])], NOW, timedelta(1))
    assert store.polls.settle_unread(NOW) == (0, True)


def test_schema_revision_and_the_applied_configuration(empty_db_url: str) -> None:
    with closing(PollStore.connect(empty_db_url)) as polls:
        assert polls.schema_revision() is None
        with closing(Store.open(empty_db_url)) as store:
            assert polls.schema_revision() == SCHEMA_REVISION
            assert polls.config_state() == (SCHEMA_REVISION, None, None)
            _apply(store)
            digest = parse_config(TWO, "feeds.yaml").digest()
            assert polls.config_state().applied == digest
            assert polls.config_state().applied_already(digest)
            read = ConfigRead(
                ConfigRead.file_digest(TWO.encode()),
                digest,
                PollSettings(timedelta(hours=5), 30.0, 99),
            )
            polls.remember_config_read(read)
            assert polls.config_state().read == read
            assert polls.config_state().read_before(TWO.encode()) == read
            assert polls.config_state().read_before(TWO.encode() + b"# edited\n") is None
            with store.session() as session:  # what a poll kept, as the ORM reads it back
                assert StateRepo(session).get(CONFIG_READ) == read.as_text()


def test_the_digest_names_what_applying_writes() -> None:
    config = parse_config(TWO, "feeds.yaml")
    assert parse_config("# a comment\n" + TWO, "feeds.yaml").digest() == config.digest()
    renamed = TWO.replace("name: Decider", "name: Decider TV")
    assert parse_config(renamed, "feeds.yaml").digest() != config.digest()


def test_sqlite_urls_name_the_file_the_orm_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    nested = tmp_path / "deep" / "er" / "a b.db"  # folders made, as the ORM makes them
    urls = {
        "sqlite:///bot.db": tmp_path / "bot.db",
        f"sqlite:///{tmp_path}/deep/er/a%20b.db": nested,  # percent-escaped, as SQLAlchemy reads
        f"sqlite+pysqlite:///{tmp_path / 'c.db'}?timeout=5": tmp_path / "c.db",
    }
    for url, path in urls.items():
        with closing(PollStore.connect(url)) as polls:
            assert polls.schema_revision() is None
            Store.open(url).close()  # migrates the file the polls repository reads
            assert path.exists()
            assert polls.schema_revision() == SCHEMA_REVISION


def test_postgresql_urls_in_every_spelling(db_url: str, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("a PostgreSQL URL")
    bare = db_url.replace("postgresql+psycopg://", "postgresql://")
    for url in (db_url, bare, bare.replace("postgresql://", "postgres://")):
        with closing(PollStore.connect(url)) as polls:
            assert polls.schema_revision() == SCHEMA_REVISION


def test_a_dropped_postgresql_connection_is_made_again(store: Store, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("a server that can drop the connection")
    ids = _apply(store)
    assert len(store.polls.to_poll(NOW, everything=True)) == 2
    with store.engine.connect() as connection:  # as a server restart would
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    with pytest.raises(store.polls.errors):  # the statement in flight is lost...
        store.polls.to_poll(NOW, everything=True)
    store.polls.write_changes([(ids["TVLine"], {"etag": '"after"'})])  # ...the next one works
    assert _target(store, ids["TVLine"]) is not None
    engine = make_engine(store.engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            etag = connection.execute(text("SELECT etag FROM source WHERE name = 'TVLine'"))
            assert etag.scalar() == '"after"'
    finally:
        engine.dispose()
