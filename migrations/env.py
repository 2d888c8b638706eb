"""Alembic environment. The bot passes its engine in; `alembic` on the command line uses
DATABASE_URL (or `-x url=...`), defaulting to the same SQLite file as the bot."""

from typing import Any

import sqlalchemy as sa
from alembic import context
from sqlmodel import SQLModel
from sqlmodel.sql.sqltypes import AutoString

import bot.store.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.settings import Settings
from bot.store.db import make_engine
from bot.store.types import UTCDateTime

config = context.config
target_metadata = SQLModel.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Revisions are written in plain SQLAlchemy types so they never depend on bot code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def run_migrations(connection: sa.Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        url = context.get_x_argument(as_dictionary=True).get("url") or Settings().database_url
        engine = make_engine(url)
    with engine.connect() as connection:
        run_migrations(connection)
        connection.commit()


main()
