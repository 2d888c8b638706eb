"""Start-up work that processes sharing a PostgreSQL database must take turns at.

Two `run` processes started together would both migrate the schema and both insert the
same feeds.yaml rows; PostgreSQL advisory locks make the second wait for the first,
which then finds the work done. SQLite takes writers one at a time already.
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
    """Holds a session lock for the block (on its own connection, as migrations commit)."""
    if engine.dialect.name != "postgresql":
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
