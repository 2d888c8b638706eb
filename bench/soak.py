"""Soak benchmark: does a long-running bot's memory settle? The polling path of `run`,
driven round after round against the loopback feed server, with 10% of the feeds changing
between rounds, and the memory of the bot's process and its parsing workers read after each.

    .venv/bin/python bench/soak.py [--feeds 200] [--rounds 100] [--database-url URL]

Each round is what `run` does when every source falls due at once: a poll job per source
(Service.poll_source: fetch, parse, store, classify, queue posts), then a delivery round to
a sender that writes the posts nowhere. The service's clock moves one poll interval a
round, so every source is due again. feeds.yaml lists a show for one of the five items
each changed feed gains a round, and a channel following them all, so the classifier,
the calendar and the outbox have work every round.

Prints every tenth round (its time, stories stored, posts sent so far, and the
proportional memory, PSS, of the bot's process and of its parsing workers) and, at the
end, how much each grew from the end of the first tenth of the rounds (when the caches
have filled) to the last round.

Only the standard library is imported at the top: the parsing workers' fork server imports
this module too (as multiprocessing does a program's main module), and what it imports
would sit in every worker's memory.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
INTERVAL = timedelta(minutes=15)


def feeds_yaml(port: int, count: int, rounds: int) -> str:
    """Sources for every feed; shows named by the first item each changed feed (0, 10,
    20...) gains each round (the server gives it five, "Show F-N ...", N from 50 on)."""
    from feed_server import ITEMS, feed_url

    sources = "".join(f"  - name: feed {i}\n    url: {feed_url(port, i)}\n" for i in range(count))
    titles = [f"Show {feed}-{ITEMS + 5 * r}" for r in range(rounds) for feed in range(0, count, 10)]
    shows = "".join(f"  - title: {title}\n" for title in titles)
    return (
        # Every story alerts: the feeds' items are dated November 2026, whenever this runs.
        f"defaults:\n  poll_interval: 15m\n  backlog_age: 3650d\nsources:\n{sources}"
        f"shows:\n{shows}subscriptions:\n"
        f"  - guild: 1\n    channel: 2\n    shows: [{', '.join(titles)}]\n"
    )


def pss_mb(pid: int) -> float:
    """A process's proportional memory: each page it shares counted in part."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def soak(url: str, port: int, feeds: int, rounds: int) -> None:
    from ingest import control
    from sqlalchemy import func, select

    from bot.config import parse_config
    from bot.feeds.fetch import Fetcher
    from bot.feeds.parsing_pool import ParsingPool
    from bot.notify.console import ConsoleSender
    from bot.service import Service, worker_name
    from bot.store.db import Store
    from bot.store.sync import apply_config
    from bot.store.tables import Story

    class CountingSender(ConsoleSender):
        """Writes each post nowhere, and counts them (delivered posts leave the outbox)."""

        def __init__(self) -> None:
            super().__init__(Path(os.devnull).open("w"))  # noqa: SIM115  (for the whole run)
            self.sent = 0

        async def send(self, channel_id: int, payload: dict[str, Any], nonce: str) -> int:
            self.sent += 1
            return await super().send(channel_id, payload, nonce)

    def stories() -> int:
        with store.session() as session:
            return session.execute(select(func.count()).select_from(Story)).scalar_one()

    def workers_mb() -> float:
        processes = getattr(parsers._pool, "_processes", None) or {}
        return sum(pss_mb(pid) for pid in processes)

    store = Store.open(url)
    config = parse_config(feeds_yaml(port, feeds, rounds), "feeds.yaml")
    with store.session() as session:
        apply_config(session, config, datetime.now(UTC))
    now = datetime.now(UTC)  # after the follows' creation: they alert on what comes later
    parsers = ParsingPool()
    sender = CountingSender()
    samples: list[tuple[float, float]] = []
    try:
        async with Fetcher.open() as fetcher:
            service = Service(
                store, config, sender, fetcher, parsers, worker=worker_name(), clock=lambda: now
            )
            plans = await service.poll_plans()
            print(f"{feeds} feeds, {rounds} rounds, 10% of the feeds changed between rounds")
            for number in range(1, rounds + 1):
                began = time.perf_counter()
                await asyncio.gather(*(service.poll_source(p.source_id) for p in plans))
                await service.deliver()
                took = time.perf_counter() - began
                samples.append((pss_mb(os.getpid()), workers_mb()))
                if number % 10 == 0 or number == 1:
                    bot_mb, workers = samples[-1]
                    print(
                        f"  round {number:4}  {took:5.2f} s  stories {stories():7}"
                        f"  posts sent {sender.sent:5}  PSS: bot {bot_mb:6.1f} MB,"
                        f" workers {workers:6.1f} MB",
                        flush=True,
                    )
                control(port, "_bump?every=10")
                now += INTERVAL
    finally:
        parsers.close()
        store.close()
    settled_at = max(rounds // 10, 1)
    (bot_before, workers_before), (bot_after, workers_after) = samples[settled_at - 1], samples[-1]
    print(
        f"growth from round {settled_at} to {rounds}: bot {bot_after - bot_before:+.1f} MB,"
        f" workers {workers_after - workers_before:+.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--database-url", help="a PostgreSQL server (default: a SQLite file)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from databases import fresh_database
    from ingest import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(HERE / "feed_server.py"), str(port), str(args.feeds)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        with (
            tempfile.TemporaryDirectory() as tmp,
            fresh_database(args.database_url, Path(tmp) / "soak.db") as url,
        ):
            asyncio.run(soak(url, port, args.feeds, args.rounds))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
