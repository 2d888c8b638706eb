"""Engine, sessions and migrations. The database is created and migrated on first start."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

import bot
from bot.store.locks import MIGRATE_LOCK, exclusive
from bot.store.polls import (
    BUSY_TIMEOUT,
    SCHEMA_REVISION,
    PollStore,
    database_of,
    sqlite_pragmas,
)


def normalise_url(url: str) -> str:
    """Accepts the URLs people paste (postgres://...) and picks the psycopg 3 driver for them."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    backend, target = database_of(url)  # the file the polls repository opens too
    url = normalise_url(url)
    if backend != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT})
    event.listen(engine, "connect", sqlite_pragmas)
    return engine


def migrations_dir() -> Path:
    """The Alembic scripts: in the package when installed from a wheel, else in the checkout."""
    packaged = Path(bot.__file__).parent / "migrations"
    return packaged if packaged.is_dir() else Path(bot.__file__).parent.parent / "migrations"


class UnknownRevision(Exception):
    """The database's schema is at a revision this version of the bot does not have."""


def migrate(engine: Engine) -> None:
    """Brings the schema to the newest revision, loading Alembic only when that is needed."""
    if schema_revision(engine) == SCHEMA_REVISION:
        return
    with exclusive(engine, MIGRATE_LOCK):
        current = schema_revision(engine)  # another process may have migrated meanwhile
        if current != SCHEMA_REVISION:
            from bot.store.migrations import upgrade

            upgrade(engine, current)


def schema_revision(engine: Engine) -> str | None:
    """The revision the database is at (None when it has no schema yet)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


class Store:
    """The database as the rest of the bot sees it: an engine and a way to open sessions,
    and the polls repository on a connection of its own."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Connects on first use. Not through the engine: `poll --once` opens it without one.
        self.polls = PollStore.connect(engine.url.render_as_string(hide_password=False))

    @classmethod
    def open(cls, url: str, *, migrate_schema: bool = True) -> "Store":
        engine = make_engine(url)
        if migrate_schema:
            migrate(engine)
        return cls(engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends normally, rolled back otherwise."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def close(self) -> None:
        self.polls.close()
        self.engine.dispose()
