"""The parser workers never outlive the bot, however it dies."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.feeds.entry import NotAFeed
from bot.feeds.parsing_pool import ParsingPool
from tests.feeds.conftest import fixture

# A bot stand-in: starts the pool, parses once, says which workers it has, then waits.
BOT = """
import asyncio, sys
from bot.feeds.parsing_pool import ParsingPool

async def main():
    pool = ParsingPool(workers=2)
    feed = await pool.parse(sys.stdin.buffer.read(), "application/rss+xml", "http://x/")
    assert feed.entries
    print(*pool._pool._processes, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A child of ours that exited stays a zombie until reaped; it is gone all the same.
    return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"


def test_workers_exit_when_the_bot_is_killed() -> None:
    bot = subprocess.Popen([sys.executable, "-c", BOT], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=False)  # fmt: skip
    assert bot.stdin is not None and bot.stdout is not None
    bot.stdin.write(fixture("rss2.xml"))
    bot.stdin.close()
    workers = [int(pid) for pid in bot.stdout.readline().split()]
    assert workers and all(alive(pid) for pid in workers)
    bot.send_signal(signal.SIGKILL)
    bot.wait(timeout=10)
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in workers)
    assert bot.stdout.read() == b""  # EOF: no orphan holds the bot's stdout open


async def test_busy_counts_the_parses_in_flight() -> None:
    """The poller's writes wait for the next parsed feed only while `busy` says one is coming:
    a count that stayed up after a failed parse would hold every later write back."""
    pool = ParsingPool(workers=1)
    try:
        good = asyncio.create_task(pool.parse(fixture("rss2.xml"), None, "http://x/"))
        bad = asyncio.create_task(pool.parse(b"<html>not a feed</html>", None, "http://x/"))
        await asyncio.sleep(0)
        assert pool.busy == 2
        assert (await good).entries
        with pytest.raises(NotAFeed):
            await bad
        assert pool.busy == 0
    finally:
        pool.close()
