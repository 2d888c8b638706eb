"""Shared fixtures. Store tests run on SQLite and, when TEST_DATABASE_URL is set, PostgreSQL."""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from bot.store.db import Store, make_engine, migrate, normalise_url

BACKENDS = ["sqlite", "postgresql"]


def _admin_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_url(url) if url else None


class Databases:
    """Creates throwaway databases for one test session and drops them afterwards."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []

    def empty_url(self, backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{self.tmp / f'{uuid.uuid4().hex}.db'}"
        admin = _admin_url()
        if admin is None:
            pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
        name = f"premiere_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with _autocommit(admin) as engine, engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(admin).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        admin = _admin_url()
        if admin is None or not self.created:
            return
        with _autocommit(admin) as engine, engine.connect() as connection:
            for name in self.created:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


class _autocommit:
    def __init__(self, url: str) -> None:
        self.engine = create_engine(url, isolation_level="AUTOCOMMIT")

    def __enter__(self) -> Engine:
        return self.engine

    def __exit__(self, *exc: object) -> None:
        self.engine.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    dbs = Databases(tmp_path_factory.mktemp("databases"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def empty_db_url(databases: Databases, backend: str) -> str:
    """A database with nothing in it, not even the schema."""
    return databases.empty_url(backend)


@pytest.fixture(scope="session")
def _migrated(databases: Databases) -> dict[str, str]:
    """One migrated database per backend, reused by every store test (cleaned in between)."""
    templates: dict[str, str] = {}
    for name in BACKENDS:
        try:
            url = databases.empty_url(name)
        except pytest.skip.Exception:
            continue
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        templates[name] = url
    return templates


@pytest.fixture
def db_url(_migrated: dict[str, str], backend: str, tmp_path: Path) -> str:
    """A migrated, empty database on `backend`."""
    if backend not in _migrated:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL tests skipped")
    template = _migrated[backend]
    if backend == "sqlite":
        copy = tmp_path / "premiere.db"
        shutil.copyfile(make_url(template).database or "", copy)
        return f"sqlite:///{copy}"
    engine = make_engine(template)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return template


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store(make_engine(db_url))
    yield opened
    opened.close()
