"""INSERT ... ON CONFLICT DO NOTHING, as each backend spells it."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Dialect, Insert, Table
from sqlmodel import Session


def insert_if_new(session: Session, table: Table, key: Sequence[str]) -> Insert:
    """An insert that skips rows whose `key` columns (a UNIQUE constraint) already exist."""
    return _insert(session.get_bind().dialect.name, table, key)


def insert_many_if_new(
    session: Session,
    table: Table,
    key: Sequence[str],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
) -> int:
    """Inserts rows of `columns` values, skipping those whose `key` exists; returns how many
    were inserted. Goes through the driver's executemany with the statement compiled once:
    SQLAlchemy's own per-row work (multi-row VALUES, RETURNING) cost twice the database's
    time for the tens of thousands of stories a first poll stores."""
    connection = session.connection()
    plan = _plan(connection.dialect, table, tuple(key), tuple(columns))
    result = connection.exec_driver_sql(plan.sql, [plan.params(row) for row in rows])
    return int(result.rowcount)


@dataclass(frozen=True)
class _Plan:
    sql: str
    order: tuple[int, ...]  # the statement's parameters, as indexes into a row
    names: tuple[str, ...] | None  # None when the driver takes parameters by position
    processors: tuple[Callable[[Any], Any] | None, ...]  # the column types' bind conversion

    def params(self, row: Sequence[Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = tuple(
            value if convert is None else convert(value)
            for convert, value in zip(self.processors, (row[i] for i in self.order), strict=True)
        )
        return values if self.names is None else dict(zip(self.names, values, strict=True))


@lru_cache(maxsize=16)
def _plan(dialect: Dialect, table: Table, key: tuple[str, ...], columns: tuple[str, ...]) -> _Plan:
    compiled = _insert(dialect.name, table, key).compile(dialect=dialect, column_keys=list(columns))
    names = tuple(compiled.positiontup or compiled.binds)
    assert set(names) == set(columns), (names, columns)
    return _Plan(
        str(compiled),
        tuple(columns.index(name) for name in names),
        None if compiled.positional else names,
        # The type as this dialect implements it: a column type's own bind_processor skips the
        # dialect's conversion (on SQLite, datetime to SQLAlchemy's text format).
        tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names),
    )


def _insert(dialect: str, table: Table, key: Sequence[str]) -> Insert:
    """Only the dialect in use is imported."""
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(key))
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(key))
