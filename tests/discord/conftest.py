"""A real discord.py bot on simcord's in-memory Discord, over a real store."""

from collections.abc import Iterator

import pytest

from bot.config import parse_config
from bot.discord_app.client import PremiereBot
from bot.store.db import Store, make_engine
from bot.store.sync import apply_config
from bot.store.tables import utcnow

CONFIG = parse_config(
    """\
shows:
  - {title: "Star Trek: Picard", aliases: [Picard], network: Paramount+}
  - {title: Severance, network: Apple TV+}
  - {title: The Bear, network: FX}
""",
    "feeds.yaml",
)


@pytest.fixture
def bot_store(db_url: str) -> Iterator[Store]:
    store = Store(make_engine(db_url))
    with store.session() as session:
        apply_config(session, CONFIG, utcnow())
    yield store
    store.close()


@pytest.fixture
def simcord_bot(bot_store: Store) -> PremiereBot:
    return PremiereBot(bot_store, CONFIG.defaults)
