"""Start-up work that processes sharing a PostgreSQL database must take turns at.

Two `run` processes started together would both migrate the schema and both insert the
same feeds.yaml rows; a lock makes the second wait for the first, and it then finds the
work done. PostgreSQL has advisory locks; a SQLite file gets a lock file beside it (its
own locking covers single statements, not Alembic's run of several).
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
    """Holds a transaction lock until the session commits or rolls back."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _lock(connection: Connection, function: str, key: int) -> None:
    connection.execute(text(f"SELECT {function}(:key)"), {"key": key})
