"""INSERT ... ON CONFLICT DO NOTHING, as each backend spells it."""

from collections.abc import Sequence

from sqlalchemy import Insert, Table
from sqlmodel import Session


def insert_if_new(session: Session, table: Table, key: Sequence[str]) -> Insert:
    """An insert that skips rows whose `key` columns (a UNIQUE constraint) already exist.
    Only the dialect in use is imported."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(key))
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(key))
