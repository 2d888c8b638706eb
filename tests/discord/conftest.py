"""A real discord.py bot on simcord's in-memory Discord, over a real store."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import parse_config
from bot.discord_app.client import PremiereBot
from bot.domain.airtime import AirTime
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The bot is an AutoShardedBot that asks Discord for its shard count; simcord needs
    the count up front. One shard, as a small bot gets."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here) and item.get_closest_marker("simcord") is None:
            item.add_marker(pytest.mark.simcord(shard_count=1))


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


def add_release(store: Store, show: str, value: str, *, season: int = 2, event: str = "premiere",
                platform: str | None = "Paramount+",
                air: AirTime | None = None) -> None:  # fmt: skip
    """A release learnt from a story of a source, as the news would give it."""
    from datetime import timedelta

    from sqlmodel import select

    from bot.domain.dates import ReleaseDate
    from bot.store.releases import NewFact, ReleaseRepo
    from bot.store.shows import ShowRepo
    from bot.store.tables import Source, Story

    with store.session() as session:
        found = ShowRepo(session).find(show)
        assert found is not None and found.id is not None
        source = session.get(Source, 1) or Source(
            name="TVLine", url="https://tvline.example/", interval_seconds=900
        )
        session.add(source)
        session.flush()
        count = len(session.exec(select(Story)).all())
        story = Story(
            source_id=source.id or 0,
            key=f"k{count}",
            fingerprint=f"f{count}",
            title=f"{show} news",
            url=f"https://tvline.example/{count}",
            published_at=utcnow() - timedelta(hours=1),
        )
        session.add(story)
        session.flush()
        fact = NewFact(found.id, season, event, ReleaseDate.parse(value), platform, story.id or 0,
                       source.id or 0, story.published_at, air)  # fmt: skip
        ReleaseRepo(session).apply(fact)
