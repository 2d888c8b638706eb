"""Throwaway databases for the benchmarks: a SQLite file, or one made on a PostgreSQL server
for the run and dropped after it."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.store.db import make_engine, normalise_url


@contextmanager
def fresh_database(server_url: str | None, sqlite_file: Path) -> Iterator[str]:
    """An empty database: `sqlite_file`, or, given a server's URL, one made on it."""
    if server_url is None:
        yield f"sqlite:///{sqlite_file}"
        return
    name = f"premiere_bench_{os.getpid()}"
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(normalise_url(server_url))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
