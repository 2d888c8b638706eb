"""Storing stories: what a first poll of 1,000 feeds writes (50,000 new stories, in
transactions of 20 feeds' stories), timed through PollStore.store alone.

    .venv/bin/python bench/store.py [--feeds 1000] [--repeat 3] [--database-url URL]

Prints the time of each round and the median. Each round stores into a fresh database,
migrated first. Every story has a link of its own, as the benchmark's feeds give them, so
each insert also looks up an earlier story with the same link (bot/domain/links.py).
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.links import story_link
from bot.feeds.entry import Entry
from bot.store.db import Store
from bot.store.tables import Source

sys.path.insert(0, str(Path(__file__).resolve().parent))
from databases import fresh_database

ITEMS, FEEDS_A_TRANSACTION = 50, 20
BACKLOG_AGE = timedelta(hours=24)


def entries(feed: int, now: datetime) -> list[Entry]:
    """A feed's stories as the parser makes them (hashes of the right shape)."""
    from bot.feeds.parse import fingerprint

    made = []
    for item in range(ITEMS):
        url, same_page = story_link(f"https://news{feed % 50}.example/{feed}/story-{item}/")
        title = f"Show {feed} season {item} news"
        key = f"{feed:032x}{item:032x}"
        made.append(Entry(key, fingerprint(title), url, title, "A summary. " * 20,
                          now - timedelta(hours=1), same_page))  # fmt: skip
    return made


def one_round(url: str, feeds: int) -> float:
    store = Store.open(url)
    try:
        with store.session() as session:
            session.add_all(
                Source(name=f"feed {n}", url=f"https://news{n % 50}.example/{n}/feed",
                       interval_seconds=900)
                for n in range(feeds)
            )  # fmt: skip
        now = datetime.now(UTC)
        # Source ids count from 1 in a fresh database, on both backends.
        batches = [
            [(n + 1, {"last_status": 200}, entries(n, now))
             for n in range(start, start + FEEDS_A_TRANSACTION)]
            for start in range(0, feeds, FEEDS_A_TRANSACTION)
        ]  # fmt: skip
        started = time.perf_counter()
        stored = sum(sum(store.polls.store(batch, now, BACKLOG_AGE)) for batch in batches)
        elapsed = time.perf_counter() - started
        assert stored == feeds * ITEMS, stored
        return elapsed
    finally:
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", help="a PostgreSQL server (default: a SQLite file)")
    args = parser.parse_args()
    times = []
    for number in range(args.repeat):
        with (
            tempfile.TemporaryDirectory() as tmp,
            fresh_database(args.database_url, Path(tmp) / "bench.db") as url,
        ):
            times.append(one_round(url, args.feeds))
        print(f"round {number + 1}: {args.feeds * ITEMS} stories stored in {times[-1]:.2f} s")
    print(f"median {statistics.median(times):.2f} s")


if __name__ == "__main__":
    main()
