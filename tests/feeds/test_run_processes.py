"""Two `run` processes sharing one PostgreSQL database: one leads (polls), each delivers
its own shards' posts, and the lead moves when the leader dies."""

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.feeds.conftest import FeedServer, feed
from tests.feeds.test_calendar_end_to_end import rss

# Guild ids whose creation-time bits put them on shard 0 and shard 1 of two.
GUILD_ON_0, GUILD_ON_1 = (10 << 22) | 7, (11 << 22) | 7
CONFIG = f"""\
sources:
  - {{{{name: Local TV News, url: "{{url}}"}}}}
shows:
  - {{{{title: Severance, network: Apple TV+}}}}
subscriptions:
  - {{{{guild: {GUILD_ON_0}, channel: 100, shows: [Severance]}}}}
  - {{{{guild: {GUILD_ON_1}, channel: 101, shows: [Severance]}}}}
"""


class Process:
    """A `run --console` process whose output lines the test reads as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.out: list[str] = []
        self.err: list[str] = []
        assert process.stdout is not None and process.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(process.stdout, self.out)),
            asyncio.create_task(self._read(process.stderr, self.err)),
        ]

    @staticmethod
    async def _read(stream: asyncio.StreamReader, into: list[str]) -> None:
        async for line in stream:
            into.append(line.decode())

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.err)

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        code = await asyncio.wait_for(self.process.wait(), timeout=60)
        await asyncio.gather(*self._readers)
        return code


async def start(tmp_path: Path, db_url: str, shard: int) -> Process:
    env = {**os.environ, "DATABASE_URL": db_url, "DISCORD_TOKEN": "", "SHARD_COUNT": "2",
           "SHARD_IDS": str(shard)}  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--console", "--config", str(tmp_path / "feeds.yaml"),
        cwd=tmp_path, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    return Process(process)


async def until(condition: Callable[[], object], seconds: float) -> None:
    """Waits for `condition()` to hold, checking twice a second."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.5)


async def test_two_processes_share_the_work(
    tmp_path: Path, db_url: str, backend: str, feed_server: FeedServer
) -> None:
    if backend != "postgresql":
        pytest.skip("several processes share a PostgreSQL database, not a SQLite file")
    now = datetime.now(UTC)
    title = f"Severance Season 2 Premieres {(now + timedelta(days=20)):%B %-d, %Y} on Apple TV+"
    # max-age: the feed's next poll an hour away. Its next slot alone (a point of the 15 min
    # interval that its URL, so the server's port, picks) came within the test now and then.
    url = feed_server.serve(
        "/rss", feed(rss(("a", title, now)), **{"Cache-Control": "max-age=3600"})
    )
    (tmp_path / "feeds.yaml").write_text(CONFIG.format(url=url))

    first, second = await start(tmp_path, db_url, 0), await start(tmp_path, db_url, 1)
    try:
        await until(lambda: first.out and second.out, seconds=90)
        # Each process printed the alert for its own shard's guild, and only that one.
        assert [line.split(" | ")[:2] for line in first.out] == [["#100", "alert"]]
        assert [line.split(" | ")[:2] for line in second.out] == [["#101", "alert"]]
        # One leader polled the feed, once.
        leaders = [p for p in (first, second) if p.logged("leading:")]
        assert len(leaders) == 1
        assert len(feed_server.headers_sent_to("/rss")) == 1

        # The leader dies without a word; the other process takes the lead.
        [leader] = leaders
        follower = second if leader is first else first
        await leader.stop(signal.SIGKILL)
        await until(lambda: follower.logged("leading:"), seconds=45)
    finally:
        for process in (first, second):
            if process.process.returncode is None:
                assert await process.stop() == 0
