"""`premiere-bot db upgrade` and `db current`: the database schema."""

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.commands.common import EXIT_INVALID, EXIT_OK, say_unusable

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from bot.settings import Settings


def upgrade(args: argparse.Namespace, settings: "Settings") -> int:
    from bot.store.db import migrate, schema_revision

    def work(engine: "Engine") -> str:
        migrate(engine)
        return f"database at revision {schema_revision(engine)}"

    return _on_engine(settings, work)


def current(args: argparse.Namespace, settings: "Settings") -> int:
    from bot.store.db import schema_revision
    from bot.store.migrations import head_revision

    return _on_engine(
        settings,
        lambda engine: f"current {schema_revision(engine) or '(empty)'}; newest {head_revision()}",
    )


def _on_engine(settings: "Settings", work: "Callable[[Engine], str]") -> int:
    """Prints the line `work` makes of the database's engine. A database that cannot be
    reached, or is at a newer bot's schema, is said in one line: exit 1, no traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.db import UnknownRevision, make_engine

    try:
        engine = make_engine(settings.database_url)
    except OSError as error:  # a SQLite file's folder not made
        say_unusable(error)
        return EXIT_INVALID
    try:
        line = work(engine)
    except (SQLAlchemyError, UnknownRevision) as error:
        say_unusable(error)
        return EXIT_INVALID
    finally:
        engine.dispose()
    print(line)
    return EXIT_OK
