"""Fan-out benchmark: one fact followed by 10,000 channels in 1,000 guilds, delivered with a
no-op Sender, and the daily countdown pass for 1,000 guilds x 50 follows.

    .venv/bin/python bench/fanout.py [--database-url URL]

Prints the time to plan and enqueue the alerts, the core's CPU per delivered post (target
<= 1 ms, so Discord's 50 requests/s, not the bot, is the limit), the countdown pass (target
<= 2 s) and the peak memory of the process. Uses a fresh SQLite file, or with a PostgreSQL
URL a throwaway database created on that server and dropped afterwards.
"""

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.config.schema import Defaults
from bot.domain.dates import ReleaseDate
from bot.domain.release import AlertMode
from bot.notify.countdown_job import queue_countdowns
from bot.notify.delivery import Delivery
from bot.notify.plan import FactNews, Follower, StoryNews, alert_posts
from bot.store.db import Store
from bot.store.follows import FollowRepo
from bot.store.outbox import OutboxRepo
from bot.store.releases import NewFact, ReleaseRepo
from bot.store.tables import Follow, Outbox, Show, Source, Story

sys.path.insert(0, str(Path(__file__).resolve().parent))
from databases import fresh_database

GUILDS, CHANNELS_PER_GUILD, COUNTDOWN_SHOWS = 1_000, 10, 50
NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # 09:30 in New York: countdowns are due


class NoopSender:
    def __init__(self) -> None:
        self.sent = 0

    async def send(self, channel_id: int, payload: dict[str, Any], nonce: str) -> int:
        self.sent += 1
        return self.sent

    async def edit(
        self, channel_id: int, message_id: int, payload: dict[str, Any], nonce: str
    ) -> None:
        self.sent += 1

    async def already_sent(self, channel_id: int, nonce: str) -> int | None:
        return None


def seed(store: Store) -> tuple[int, int, int]:
    """Shows, one source and story, and the follows: 10,000 channels follow show 1; every
    guild's first channel also follows 50 shows with releases at countdown milestones."""
    with store.session() as session:
        shows = [Show(title=f"Show {i}", title_key=f"show {i}") for i in range(COUNTDOWN_SHOWS)]
        session.add_all(shows)
        source = Source(name="bench", url="https://bench.example/", interval_seconds=900)
        session.add(source)
        session.flush()
        story = Story(source_id=source.id or 0, key="k", fingerprint="f" * 64, title="t",
                      published_at=NOW)  # fmt: skip
        session.add(story)
        session.flush()
        rows = []
        for guild in range(1, GUILDS + 1):
            for channel in range(CHANNELS_PER_GUILD):
                rows.append(_follow(guild, guild * 100 + channel, shows[0].id or 0))
            rows += [_follow(guild, guild * 100, show.id or 0) for show in shows[1:]]
        session.execute(insert(Follow), rows)
        releases = ReleaseRepo(session)
        for n, show in enumerate(shows):
            day = (NOW + timedelta(days=(30, 14, 7, 3, 1, 0)[n % 6])).date()
            releases.apply(NewFact(show.id or 0, 1, "premiere", ReleaseDate.parse(day.isoformat()),
                                   "Netflix", story.id or 0, source.id or 0, NOW))  # fmt: skip
        return shows[0].id or 0, story.id or 0, len(rows)


def _follow(guild: int, channel: int, show: int) -> dict[str, Any]:
    return {"guild_id": guild, "channel_id": channel, "show_id": show, "origin": "config",
            "created_at": NOW - timedelta(days=1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database(args.database_url, Path(tmp) / "fanout.db") as url,
    ):
        store = Store.open(url)
        show_id, story_id, follows = seed(store)
        print(f"database {store.engine.url.get_backend_name()}: {follows} follows")

        started = time.perf_counter()
        with store.session() as session:
            rows = FollowRepo(session).followers([show_id])[show_id]
            followers = {
                show_id: [
                    Follower(f.guild_id, f.channel_id, f.created_at, AlertMode(m)) for f, m in rows
                ]
            }
            fact = FactNews("Show 0", "Show 0 S2 premieres Mar 3 on Netflix", "premiere", 2,
                            ReleaseDate.parse("2027-03-03"), "Netflix")  # fmt: skip
            news = StoryNews(story_id, "Show 0 Season 2 Premieres March 3", "https://x/", "summary",
                             "bench", NOW, NOW, False, "f" * 64, {show_id: [fact]})  # fmt: skip
            queued = OutboxRepo(session).enqueue(alert_posts(news, followers), NOW)
        enqueue_s = time.perf_counter() - started
        print(f"enqueue: {len(queued)} alerts planned and written in {enqueue_s:.2f} s")

        sender = NoopSender()
        delivery = Delivery(store, sender, worker="bench", clock=lambda: NOW, batch=100)
        cpu, wall = time.process_time(), time.perf_counter()

        async def deliver_all() -> None:
            while (await delivery.run_once()).sent:
                pass

        asyncio.run(deliver_all())
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(f"delivery: {sender.sent} posts, {cpu / sender.sent * 1000:.3f} ms CPU per post "
              f"({wall:.1f} s wall, no-op sender)")  # fmt: skip

        started = time.perf_counter()
        defaults = Defaults(timezone="America/New_York")
        countdowns = queue_countdowns(store, NOW, defaults)
        print(f"countdown pass: {GUILDS} guilds x {COUNTDOWN_SHOWS} follows -> {countdowns} posts "
              f"in {time.perf_counter() - started:.2f} s")  # fmt: skip
        with store.session() as session:
            assert session.get(Outbox, queued[0]) is not None
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory: {peak:.0f} MB")
        store.close()


if __name__ == "__main__":
    main()
