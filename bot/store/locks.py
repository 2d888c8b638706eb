"""Start-up work that processes sharing a PostgreSQL database must take turns at.

Two `run` processes started together would both migrate the schema and both insert the
same feeds.yaml rows (as would two `poll --once` started together after feeds.yaml
changed); a lock makes the second wait for the first, and it then finds the work done.
PostgreSQL has advisory locks. On a SQLite file, migrating takes a lock file beside it (its
own locking covers single statements, not Alembic's run of several), and applying
feeds.yaml takes the database's write lock before it reads.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text
from sqlmodel import Session

# Advisory lock keys: any numbers no other application on the database uses.
MIGRATE_LOCK = 0x7072656D00000001
CONFIG_LOCK = 0x7072656D00000002


@contextmanager
def exclusive(engine: Engine, key: int) -> Iterator[None]:
    """Holds a lock for the block: on PostgreSQL a session lock on a connection of its own
    (migrations commit as they go), on a SQLite file a lock file."""
    if engine.dialect.name != "postgresql":
        database = engine.url.database
        if not database or database == ":memory:":
            yield  # a database no other process can see
            return
        from filelock import FileLock  # here: `poll` imports this module and seldom migrates

        with FileLock(f"{database}.lock"):
            yield
        return
    with engine.connect() as connection:
        _lock(connection, "pg_advisory_lock", key)
        try:
            yield
        finally:
            _lock(connection, "pg_advisory_unlock", key)
            connection.commit()


def until_commit(session: Session, key: int) -> None:
    """Holds a lock until the session commits or rolls back; call it before the session
    reads what it is about to change. PostgreSQL takes the advisory lock `key`. A SQLite
    file has one writer at a time, so its write lock is taken now (BEGIN IMMEDIATE), where
    sqlite3 would take it at the first write: a session that read first could find, once
    its write got the lock, rows another process wrote meanwhile (two polls applying the
    same new source both inserted it, and the second failed)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        return
    connection = session.connection()
    sqlite = connection.connection.driver_connection
    # sqlite3 begins a transaction at the first write: one begun already holds the lock.
    if sqlite is not None and not sqlite.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _lock(connection: Connection, function: str, key: int) -> None:
    connection.execute(text(f"SELECT {function}(:key)"), {"key": key})
