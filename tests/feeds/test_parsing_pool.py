"""Where parsing runs (a thread while there is little, worker processes past that), what it
skips, and workers that never outlive the bot, however it dies."""

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pytest

from bot.feeds import parsing_pool
from bot.feeds.entry import NotAFeed
from bot.feeds.items import read_items
from bot.feeds.parse import parse_feed
from bot.feeds.parsing_pool import ParserCrashed, ParsingPool
from tests.feeds.conftest import fixture
from tests.feeds.test_items import body_of

# A bot stand-in: starts the workers, parses once, says which workers it has, then waits.
BOT = """
import asyncio, sys
from bot.feeds import parsing_pool
from bot.feeds.parsing_pool import ParserCrashed, ParsingPool

async def main():
    pool = ParsingPool(workers=2, inline_bytes=0)
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


def test_workers_are_out_of_reach_of_signals_to_the_bots_process_group() -> None:
    """Ctrl-C, or a service manager's SIGTERM, goes to the whole process group. A worker
    killed by it while sending a parsed feed left half a message in the pool's pipe, and the
    bot waited for the rest for ever (bot/feeds/parse_server.py): the bot alone is signalled,
    and it shuts the workers down."""
    bot = subprocess.Popen([sys.executable, "-c", BOT], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, start_new_session=True)  # fmt: skip
    assert bot.stdin is not None and bot.stdout is not None
    try:
        bot.stdin.write(fixture("rss2.xml"))
        bot.stdin.close()
        workers = [int(pid) for pid in bot.stdout.readline().split()]
        assert workers
        assert all(os.getpgid(pid) != bot.pid for pid in workers)  # the bot leads its group
    finally:
        bot.kill()
        bot.wait()


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


async def test_a_little_parsing_starts_no_workers_and_more_starts_them() -> None:
    """Below `inline_bytes` waiting, parses run in the bot's thread; past it the workers
    start and take every parse from then on. Both give what parse_feed gives."""
    body = fixture("rss2.xml")
    expected = parse_feed(body, None, "http://x/").entries
    pool = ParsingPool(workers=2, inline_bytes=len(body) + 1)
    try:
        assert (await pool.parse(body, None, "http://x/")).entries == expected
        assert pool._pool is None
        together = await asyncio.gather(*(pool.parse(body, None, "http://x/") for _ in range(3)))
        assert pool._pool is not None and pool._pool._processes  # the second one overflowed
        assert all(feed.entries == expected for feed in together)
        digests = {feed.item_digests for feed in together}
        assert digests == {read_items(body, None).digests}  # type: ignore[union-attr]
    finally:
        pool.close()


async def test_a_body_with_a_start_tag_of_thousands_of_attributes_goes_to_the_workers() -> None:
    """feedparser reads an element's attributes in quadratic time (5 s for 25,000), and a
    parse in the thread cannot be stopped; the workers' can, at their deadline."""
    attributes = " ".join(f'a{i}="x"' for i in range(1_000))
    body = fixture("rss2.xml").replace(b"<channel>", f"<channel {attributes}>".encode(), 1)
    pool = ParsingPool(workers=1, inline_bytes=len(body) * 4)
    try:
        assert (await pool.parse(fixture("rss2.xml"), None, "http://x/")).entries
        assert pool._pool is None  # the feed as it is: in the thread
        parsed = await pool.parse(body, None, "http://x/")
        assert pool._pool is not None  # with the long tag: the workers started for it
        assert parsed.entries == parse_feed(fixture("rss2.xml"), None, "http://x/").entries
    finally:
        pool.close()


@pytest.mark.parametrize("inline_bytes", [1 << 20, 0], ids=["thread", "workers"])
async def test_the_items_a_source_had_are_not_parsed_again(inline_bytes: int) -> None:
    first, second = body_of("rss", [1, 2, 3]), body_of("rss", [4, 5, 2, 3])
    pool = ParsingPool(workers=1, inline_bytes=inline_bytes)
    try:
        before = await pool.parse(first, None, "http://x/")
        assert [e.title for e in before.entries] == [
            f"Show {n} returns in March" for n in (1, 2, 3)
        ]
        after = await pool.parse(second, None, "http://x/", known=before.item_digests)
        assert [e.title for e in after.entries] == [
            "Show 4 returns in March",
            "Show 5 returns in March",
        ]
        assert after.item_digests == read_items(second, None).digests  # type: ignore[union-attr]
        again = await pool.parse(second, None, "http://x/", known=after.item_digests)
        assert (again.entries, again.item_digests) == ([], after.item_digests)
    finally:
        pool.close()


async def test_a_body_that_does_not_scan_is_parsed_whole_and_keeps_no_digests() -> None:
    pool = ParsingPool(workers=1)
    try:
        feed = await pool.parse(fixture("latin1_declared.xml"), "application/xml", "http://x/",
                                known=b"\0" * 8)  # fmt: skip
        assert feed.entries and feed.item_digests is None
    finally:
        pool.close()


async def test_the_first_worker_starts_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first worker's start waits for the fork server to import feedparser (0.1-0.25 s);
    the event loop, which fetches meanwhile, must not be the thread that waits."""
    spawned_on: list[threading.Thread] = []
    spawn = ProcessPoolExecutor._spawn_process  # type: ignore[attr-defined]

    def recorded(executor: ProcessPoolExecutor) -> None:
        spawned_on.append(threading.current_thread())
        spawn(executor)

    monkeypatch.setattr(ProcessPoolExecutor, "_spawn_process", recorded)
    pool = ParsingPool(workers=1, inline_bytes=0)
    try:
        assert (await pool.parse(fixture("rss2.xml"), None, "http://x/")).entries
        assert len(spawned_on) == 1 and spawned_on[0] is not threading.main_thread()
    finally:
        pool.close()


async def test_a_first_worker_that_never_answers_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parses wait for the pool's first worker under the same watch as for their own answer:
    a first worker that never answers (stopped as it started) costs its pool, and the parse
    is made in fresh workers."""
    started: list[ProcessPoolExecutor] = []
    first_worker = parsing_pool._first_worker

    def first_never_answers(pool: ProcessPoolExecutor) -> "Future[int]":
        started.append(pool)
        return Future() if len(started) == 1 else first_worker(pool)

    monkeypatch.setattr(parsing_pool, "_first_worker", first_never_answers)
    pool = ParsingPool(workers=1, inline_bytes=0, silence=1.0)
    try:
        async with asyncio.timeout(10):
            feed = await pool.parse(fixture("rss2.xml"), None, "http://x/")
        assert len(feed.entries) == 3
        assert len(started) == 2 and pool._pool is started[1]
    finally:
        pool.close()


async def test_a_parse_cancelled_while_the_workers_start_leaves_the_others_waiting() -> None:
    """Parses wait together for the first worker; one of them cancelled meanwhile (a poll cut
    short) must not cancel that wait for the others, nor leave the waiting thread raising."""
    pool = ParsingPool(workers=1, inline_bytes=0)
    errors: list[threading.ExceptHookArgs] = []
    previous, threading.excepthook = threading.excepthook, errors.append
    try:
        body = fixture("rss2.xml")
        cut, kept = (asyncio.ensure_future(pool.parse(body, None, "http://x/")) for _ in "ab")
        for _ in range(3):  # a few turns of the loop: both reach the wait for the first worker
            await asyncio.sleep(0)
        assert not pool._first_worker.done()
        cut.cancel()
        assert len((await kept).entries) == 3
        assert cut.cancelled()
    finally:
        pool.close()
        threading.excepthook = previous
    assert errors == []


LONG_FEED_ITEMS = 12_000  # 0.6-0.8 s of a worker's parse (2,000 had become 0.11 s)


def _long_feed(name: str) -> bytes:
    """A feed whose parse keeps a worker busy for most of a second. A killer that comes
    0.1 s into a shorter parse could find the worker handing back the parsed feed: a
    worker killed then leaves the pool's thread waiting for ever on half a message."""
    entries = "".join(
        f"<item><guid>{name}-{n}</guid><title>{name} story {n}</title></item>"
        for n in range(LONG_FEED_ITEMS)
    )
    return f'<rss version="2.0"><channel><title>{name}</title>{entries}</channel></rss>'.encode()


async def _kill_workers_once_parsing(pool: ParsingPool, rounds: int) -> None:
    """Kills the workers of `rounds` pools in turn, a moment after each starts parsing."""
    # The pools themselves, not their id(): a pool freed once replaced, the next one may
    # be made at its address, and was taken for killed already.
    killed: list[object] = []
    while len(killed) < rounds:
        workers = pool._pool
        fresh = all(workers is not done for done in killed)
        if workers is not None and fresh and pool._first_worker.done():
            await asyncio.sleep(0.1)  # mid-parse: each parse takes several times that
            for pid in list(workers._processes):  # type: ignore[attr-defined]
                os.kill(pid, signal.SIGKILL)
            killed.append(workers)
        await asyncio.sleep(0.01)


async def test_workers_that_die_cost_no_feed_that_parses_again() -> None:
    """A worker killed (the kernel's out-of-memory killer) breaks the pool and every parse
    in it: each is parsed again in fresh workers, and all come back."""
    pool = ParsingPool(workers=2, inline_bytes=0)
    try:
        bodies = [_long_feed(f"feed{n}") for n in range(3)]
        parses = [pool.parse(body, None, "http://x/") for body in bodies]
        killer = asyncio.ensure_future(_kill_workers_once_parsing(pool, rounds=1))
        async with asyncio.timeout(60):
            feeds = await asyncio.gather(*parses)
            await killer
        assert [len(feed.entries) for feed in feeds] == [LONG_FEED_ITEMS] * 3
    finally:
        pool.close()


async def test_a_feed_whose_parse_kills_a_worker_again_fails() -> None:
    pool = ParsingPool(workers=1, inline_bytes=0)
    try:
        killer = asyncio.ensure_future(_kill_workers_once_parsing(pool, rounds=2))
        async with asyncio.timeout(60):
            with pytest.raises(ParserCrashed, match="died twice"):
                await pool.parse(_long_feed("deadly"), None, "http://x/")
            await killer
        assert (await pool.parse(fixture("rss2.xml"), None, "http://x/")).entries  # fresh ones
    finally:
        pool.close()


async def test_a_parse_past_its_deadline_fails_its_feed_and_frees_the_worker() -> None:
    """A feed that keeps feedparser busy past the deadline (a minute; 0.05 s here, for a
    feed that takes far longer) is unreadable, where it would have held the
    poll for as long as it ran; the worker then parses the next feed as ever."""
    pool = ParsingPool(workers=1, inline_bytes=0, deadline=0.05)
    try:
        async with asyncio.timeout(60):
            with pytest.raises(
                NotAFeed, match=r"^unreadable feed: parsing took longer than 0.05 s$"
            ):
                await pool.parse(_long_feed("slow"), None, "http://x/")
            workers = set(pool._pool._processes)  # type: ignore[union-attr]
            assert (await pool.parse(fixture("rss2.xml"), None, "http://x/")).entries
            assert set(pool._pool._processes) == workers  # type: ignore[union-attr]
    finally:
        pool.close()


def _die_mid_answer() -> None:
    """Leaves what a worker killed while sending back a parsed feed leaves: the start of a
    message on the pipe of answers (its length, and a few of its bytes), and no more."""
    import multiprocessing
    import struct

    answers = multiprocessing.current_process()._args[1]  # type: ignore[attr-defined]
    os.write(answers._writer.fileno(), struct.pack("!i", 1 << 20) + b"partial")
    os.kill(os.getpid(), signal.SIGKILL)


def _stop() -> None:
    os.kill(os.getpid(), signal.SIGSTOP)


async def _stuck_workers(
    pool: ParsingPool, stuck_by: Callable[[], None]
) -> tuple[ProcessPoolExecutor, list[int]]:
    """Starts `pool`'s worker and makes it stuck by `stuck_by`, first in the line: the
    parses asked for next wait behind it. The pool and its workers' pids (read now: a
    pool shut down forgets them)."""
    pool.start_workers()
    await asyncio.wrap_future(pool._first_worker)
    stuck = pool._pool
    assert stuck is not None
    workers = list(stuck._processes)  # type: ignore[attr-defined]
    stuck.submit(stuck_by)
    return stuck, workers


@pytest.mark.parametrize("stuck_by", [_die_mid_answer, _stop])
async def test_a_poll_cut_short_while_it_waits_on_stuck_workers_still_closes_the_pool(
    stuck_by: Callable[[], None],
) -> None:
    """Ctrl-C while a parse waits on stuck workers, before `silence` is up: the pool is
    closed on the way out, and shutting it down waited for them for ever (the poll never
    exited). It waits `silence` seconds, then tears them down."""
    pool = ParsingPool(workers=1, inline_bytes=0, silence=1.0)
    stuck, workers = await _stuck_workers(pool, stuck_by)
    parse = asyncio.ensure_future(pool.parse(fixture("rss2.xml"), None, "http://x/"))
    await asyncio.sleep(0.3)  # waiting behind the stuck one, not given up on yet
    parse.cancel()
    with pytest.raises(asyncio.CancelledError):
        await parse
    assert pool._pool is stuck
    async with asyncio.timeout(30):
        await asyncio.to_thread(pool.close)
    assert workers and not any(alive(pid) for pid in workers)


@pytest.mark.parametrize("stuck_by", [_die_mid_answer, _stop])
async def test_workers_that_answer_nothing_are_replaced(stuck_by: Callable[[], None]) -> None:
    """A worker killed as it sends its answer leaves the pool's thread waiting for the rest
    for ever, and every parse with it; a stopped worker answers nothing either. After
    `silence` seconds without an answer the workers are torn down, the parse that waited
    is parsed in fresh ones, and the pool still shuts down."""
    pool = ParsingPool(workers=1, inline_bytes=0, silence=1.0)
    try:
        stuck, workers = await _stuck_workers(pool, stuck_by)
        async with asyncio.timeout(30):
            feed = await pool.parse(fixture("rss2.xml"), None, "http://x/")
        assert [entry.title for entry in feed.entries] == [
            entry.title for entry in parse_feed(fixture("rss2.xml"), None, "http://x/").entries
        ]
        assert pool._pool is not stuck
        assert workers and not any(alive(pid) for pid in workers)
    finally:
        async with asyncio.timeout(30):
            await asyncio.to_thread(pool.close)
