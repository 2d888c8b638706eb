"""Alembic, loaded only when the schema has to change (it costs a third of a second)."""

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from bot import __version__
from bot.store.db import UnknownRevision, migrations_dir


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, current: str | None) -> None:
    """Brings the schema from revision `current` to the newest (a no-op when it is there
    already). UnknownRevision when `current` is none this bot has: a newer bot migrated the
    database, and Alembic would only say it "can't locate" it."""
    config = alembic_config(engine)
    scripts = ScriptDirectory.from_config(config)
    if current is not None and current not in {r.revision for r in scripts.walk_revisions()}:
        raise UnknownRevision(
            f"the schema is at revision {current}, which premiere-bot {__version__} does not "
            f"know (its newest is {scripts.get_current_head()}): run the newer version that "
            "migrated it, or restore a backup"
        )
    command.upgrade(config, "head")


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
