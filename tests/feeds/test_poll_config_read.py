"""`poll --once` keeps what it needs of the feeds.yaml it read (polls.ConfigRead): a poll of
the same bytes reads the file no further, and any change, to the file or to what was
applied since, has it read (and applied) again."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from aiohttp import web
from sqlmodel import select

import bot.config
from bot.__main__ import main
from bot.config import FeedsConfig, parse_config
from bot.store.db import Store
from bot.store.polls import CONFIG_APPLIED
from bot.store.state import StateRepo
from bot.store.sync import apply_config
from bot.store.tables import Source, Story
from tests.feeds.conftest import FeedServer, Handler


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The feeds.yaml files the command line loads, one entry a load."""
    loaded: list[Path] = []
    real = bot.config.load_config

    def counting(path: Path, data: bytes | None = None) -> FeedsConfig:
        loaded.append(path)
        return real(path, data)

    monkeypatch.setattr(bot.config, "load_config", counting)
    return loaded


Poll = Callable[[], Awaitable[int]]


@pytest.fixture
def poll(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Poll:
    """`poll --once --all` over tmp_path/feeds.yaml, in this process (so `loads` sees it)
    and in a thread of its own (it runs an event loop; the feed server runs in the test's)."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    config = str(tmp_path / "feeds.yaml")

    async def run() -> int:
        return await asyncio.to_thread(main, ["poll", "--once", "--all", "--config", config])

    return run


def rss(items: list[tuple[str, datetime]]) -> Handler:
    """Serves an RSS feed of `items` (guid, published) as the list holds them when asked."""

    async def handler(_: web.Request) -> web.Response:
        body = "".join(
            f"<item><guid>{guid}</guid><title>{guid}</title>"
            f"<pubDate>{format_datetime(when)}</pubDate></item>"
            for guid, when in items
        )
        text = f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>"
        return web.Response(text=text, content_type="application/rss+xml")

    return handler


async def test_the_same_bytes_are_read_once_and_a_change_is_read_again(
    poll: Poll, loads: list[Path], feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.serve("/feed", rss([("a", datetime.now(UTC))]))
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"sources:\n  - name: A\n    url: {url}\n")
    assert await poll() == 0 and len(loads) == 1
    assert await poll() == 0 and len(loads) == 1  # the same bytes: not read again
    assert len(feed_server.requests) == 2  # and polled all the same

    feeds.write_text(f"# a comment\nsources:\n  - name: A\n    url: {url}\n")
    assert await poll() == 0 and len(loads) == 2
    assert await poll() == 0 and len(loads) == 2

    feeds.write_text("sources:\n  - name: A\n    url: nope\n")  # broken: reported, always
    assert await poll() == 1 and await poll() == 1 and len(loads) == 4


async def test_a_poll_of_the_same_bytes_keeps_their_backlog_age(
    poll: Poll, store: Store, feed_server: FeedServer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    items = [("new", now)]
    url = feed_server.serve("/feed", rss(items))
    (tmp_path / "feeds.yaml").write_text(
        f"defaults:\n  backlog_age: 7d\nsources:\n  - name: A\n    url: {url}\n"
    )
    assert await poll() == 0
    items.append(("two days old", now - timedelta(days=2)))  # backlog past 24 h, not past 7 d
    assert await poll() == 0
    with store.session() as session:
        backlog = {s.title: s.backlog for s in session.exec(select(Story))}
    assert backlog == {"new": False, "two days old": False}


async def test_a_file_read_before_is_applied_again_once_another_was_applied(
    poll: Poll,
    loads: list[Path],
    store: Store,
    feed_server: FeedServer,
    tmp_path: Path,
) -> None:
    a = feed_server.serve("/a", rss([("a", datetime.now(UTC))]))
    b = feed_server.serve("/b", rss([("b", datetime.now(UTC))]))
    (tmp_path / "feeds.yaml").write_text(f"sources:\n  - name: A\n    url: {a}\n")
    assert await poll() == 0
    # `run` (or another poll's --config) applies another file meanwhile.
    other = parse_config(f"sources:\n  - name: B\n    url: {b}\n", "other.yaml")
    with store.session() as session:
        apply_config(session, other, datetime.now(UTC))

    assert await poll() == 0 and len(loads) == 2  # read again, and applied again
    with store.session() as session:
        enabled = {s.name for s in session.exec(select(Source)) if s.enabled}
        applied = StateRepo(session).get(CONFIG_APPLIED)
    assert enabled == {"A"}
    assert applied == bot.config.load_config(tmp_path / "feeds.yaml").digest()
    assert [path for path, _ in feed_server.requests] == ["/a", "/a"]
