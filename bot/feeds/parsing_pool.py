"""Parsing off the event loop: in a thread while there is little to parse, on every core
(worker processes) once there is more. feedparser is CPU-bound."""

import asyncio
import dataclasses
import os
import re
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

from bot.feeds.entry import NotAFeed, ParsedFeed
from bot.feeds.items import read_items

if TYPE_CHECKING:
    # Imported where the workers start: multiprocessing's modules cost 3-4 ms, and most
    # polls of few changed feeds never start them.
    from concurrent.futures import ProcessPoolExecutor

# About 0.1 s of feedparser on this project's machines (25 KB, 50 items: 8-15 ms).
INLINE_BYTES = 256 * 1024
# A start tag this long goes to the workers, which have a deadline, even when the thread
# could take it: feedparser's reading of an element's attributes (the standard library's
# SAX lookup) is quadratic, and one element of 25,000 attributes, 233 KB, took it 5.2 s in
# the thread, which cannot be interrupted. 8 KB of attributes take it about 10 ms.
_LONG_TAG = re.compile(rb"<[^<>]{8192}")
# A worker's parse of one feed, at the most. A 5 MB feed (the body cap) takes feedparser a
# few seconds; one that takes a minute is pathological, and would hold the poll meanwhile.
PARSE_DEADLINE = 60.0
# Beyond the deadline, how long workers with parses to do may answer nothing before they are
# taken for stuck: sending back the largest feed's entries takes about a second.
SILENCE_MARGIN = 10.0
_T = TypeVar("_T")


class ParserCrashed(Exception):
    pass


class ParsingPool:
    """Parses feeds off the event loop, skipping the items a source's last parse read.

    Starting the worker processes costs 0.1-0.25 s (an interpreter that imports feedparser),
    more than parsing a few changed feeds takes once their known items are cut out (a few
    ms each). So parses run in one thread of the bot's process while what waits there stays
    under `inline_bytes`; past that the workers start, and take every parse from then on.
    A cycle with nothing to parse starts neither."""

    def __init__(
        self,
        workers: int | None = None,
        *,
        inline_bytes: int = INLINE_BYTES,
        deadline: float = PARSE_DEADLINE,
        silence: float | None = None,
    ) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.inline_bytes = inline_bytes
        self.deadline = deadline  # seconds a worker may spend on one feed
        # Seconds the workers may answer nothing while parses wait on them (see _answer).
        self.silence = deadline + SILENCE_MARGIN if silence is None else silence
        self.busy = 0  # parses asked for and not yet answered
        self._pool: ProcessPoolExecutor | None = None
        self._first_worker: Future[int] = Future()  # done once a worker has answered
        self._answered_at = 0.0  # when the workers last answered a parse (time.monotonic)
        self._thread: ThreadPoolExecutor | None = None
        self._waiting_inline = 0  # bytes given to the thread and not parsed yet
        self._retrying = asyncio.Lock()  # parses again after workers died, one at a time

    async def parse(
        self, body: bytes, content_type: str | None, url: str, known: bytes | None = None
    ) -> ParsedFeed:
        """The feed's entries and item digests. `known`: the digests of the source's last
        parse; the items they match are not parsed again (bot/feeds/items.py)."""
        self.busy += 1
        try:
            digests, scanned = None, False
            if known:
                items = await self._inline(read_items, body, known)
                scanned = True  # a body that does not scan is not scanned again below
                if items is not None:
                    if items.unseen is None:
                        return ParsedFeed([], None, items.digests)
                    body, digests = items.unseen, items.digests
            job = (body, content_type, url, digests, scanned)
            inline = self._waiting_inline + len(body) <= self.inline_bytes
            if self._pool is None and inline and not _LONG_TAG.search(body):
                self._waiting_inline += len(body)
                try:
                    return await self._inline(_parse, *job)
                finally:
                    self._waiting_inline -= len(body)
            return await self._in_workers(*job)
        finally:
            self.busy -= 1

    async def _inline(self, work: Callable[..., _T], *args: Any) -> _T:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="parse")
        return await asyncio.get_running_loop().run_in_executor(self._thread, work, *args)

    def start_workers(self) -> None:
        """Starts the worker processes now, not once the thread has enough waiting: for a
        caller that knows whole feeds are coming while this process is busy elsewhere."""
        if self._pool is not None:
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # forkserver: forking the running bot (threads, sockets) is unsafe; the server
        # process imports feedparser once and each worker is a cheap fork of it. It and the
        # workers leave the bot's process group (bot/feeds/parse_server.py).
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["bot.feeds.parse_server"])
        self._pool = ProcessPoolExecutor(
            self.workers, mp_context=context, initializer=_exit_with, initargs=(os.getpid(),)
        )
        # The first worker's start waits for the fork server to import; on the event loop
        # that held every fetch for 0.15 s. Later workers are quick forks.
        self._first_worker = _first_worker(self._pool)

    async def _in_workers(self, *args: Any) -> ParsedFeed:
        """A worker that dies (the kernel's out-of-memory killer, most likely) breaks the
        whole pool, and every parse in it fails, whichever feed was to blame: 40-60 feeds of
        a first poll of 200 when one worker was killed. So each is parsed again in fresh
        workers, one at a time, and fails only if a worker dies again meanwhile: a feed that
        kills the worker parsing it, or (rarely) another's first parse doing so beside it."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            return await self._in_pool(args)
        except BrokenProcessPool:
            pass
        async with self._retrying:
            try:
                return await self._in_pool(args)
            except BrokenProcessPool:
                raise ParserCrashed("a parser process died twice on it (out of memory?)") from None

    async def _in_pool(self, args: tuple[Any, ...]) -> ParsedFeed:
        from concurrent.futures.process import BrokenProcessPool

        self.start_workers()
        pool, first_worker = self._pool, self._first_worker
        assert pool is not None
        try:
            # Under the same watch as the parse: a first worker stopped before it answered
            # held every parse as well. (Cancelling the wrapper leaves the shared future.)
            await self._answer(pool, asyncio.wrap_future(first_worker))
            answer = asyncio.get_running_loop().run_in_executor(
                pool, _parse_by_deadline, self.deadline, *args
            )
            return await self._answer(pool, answer)
        except BrokenProcessPool:
            if self._pool is pool:  # not replaced yet by a parse that saw it break first
                self._pool = None  # the next parse starts fresh workers
                self._shut_down(pool)
            raise

    async def _answer(self, pool: "ProcessPoolExecutor", answer: "asyncio.Future[_T]") -> _T:
        """`answer`, or BrokenProcessPool once the workers have been silent too long.

        Workers with parses to do answer one at least every `deadline` seconds: each parse
        ends by then, and a worker that dies breaks the pool at once. Except one killed
        while it sends its answer (the out-of-memory killer, likely then): the pool's
        thread waits for the rest of that message for ever (a CPython bug), and so did every
        parse and the bot's exit. Silent for `silence` seconds while a parse waited, the
        workers are taken for stuck (a stopped worker too), and torn down; the parses that
        waited on them are parsed again in fresh workers, as after a worker's death."""
        from concurrent.futures.process import BrokenProcessPool

        waiting_since = time.monotonic()
        try:
            while (silent := time.monotonic() - max(waiting_since, self._answered_at)) < (
                self.silence
            ):
                if pool is not self._pool:  # another parse found it stuck
                    raise BrokenProcessPool("the parsing workers were stuck")
                done, _ = await asyncio.wait({answer}, timeout=self.silence - silent)
                if done:
                    self._answered_at = time.monotonic()
                    return answer.result()
        finally:
            answer.cancel()  # not answered (stuck, or this parse cancelled): no longer wanted
        if self._pool is pool:  # not torn down yet by another parse that waited on it
            self._pool = None  # the next parse starts fresh workers
            pool.shutdown(wait=_unblock(pool), cancel_futures=True)
        raise BrokenProcessPool(f"the parsing workers answered nothing for {self.silence:g} s")

    def close(self) -> None:
        if self._pool is not None:
            self._shut_down(self._pool)
        if self._thread is not None:
            self._thread.shutdown(wait=True, cancel_futures=True)
        self._pool = self._thread = None

    def _shut_down(self, pool: "ProcessPoolExecutor") -> None:
        """Shuts `pool` down, its workers finishing the parses they have begun (each within
        the deadline). Shutting down waits for the pool's thread, which waits for ever on
        stuck workers (see `_answer`): left so by a parse cut short (Ctrl-C) while it
        waited on them, they held the poll's exit. So, silent for `silence` seconds, they
        are torn down as `_answer` does it."""
        shutting = threading.Thread(
            target=pool.shutdown,
            kwargs={"wait": True, "cancel_futures": True},
            name="parse-workers-shutdown",
            daemon=True,  # if it cannot be unblocked, the bot's exit does not wait for it
        )
        shutting.start()
        shutting.join(self.silence)
        if shutting.is_alive() and _unblock(pool):
            shutting.join()


def _parse(
    body: bytes, content_type: str | None, url: str, digests: bytes | None, scanned: bool
) -> ParsedFeed:
    """Runs in a worker or the parse thread; the bot imports feedparser only when it parses.
    A body not `scanned` yet is whole: its items are hashed here, beside the parse, and
    what feedparser reads of them cut as after a scan (bot/feeds/items.py)."""
    from bot.feeds.parse import parse_feed

    if not scanned:
        items = read_items(body, None)
        if items is not None:
            body, digests = items.unseen or body, items.digests
    return dataclasses.replace(parse_feed(body, content_type, url), item_digests=digests)


class _PastDeadline(BaseException):
    """Raised into a worker's parse at its deadline. Not an Exception: parse_feed takes any
    Exception from feedparser for a crash, and this one must reach `_parse_by_deadline`."""


def _parse_by_deadline(deadline: float, *args: Any) -> ParsedFeed:
    """`_parse` in a worker, interrupted after `deadline` seconds: the feed is then
    unreadable, and the worker free for the next. SIGALRM reaches the worker's main thread,
    where the parse runs, between two steps of feedparser's Python code."""
    signal.signal(signal.SIGALRM, _past_deadline)
    signal.setitimer(signal.ITIMER_REAL, deadline)
    try:
        try:
            return _parse(*args)
        finally:  # inside the outer try: an alarm that comes as it is disarmed is caught
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _PastDeadline:
        raise NotAFeed(f"unreadable feed: parsing took longer than {deadline:g} s") from None


def _past_deadline(signum: int, frame: FrameType | None) -> None:
    raise _PastDeadline


def _unblock(pool: "ProcessPoolExecutor") -> bool:
    """Kills `pool`'s workers and closes this process's end of the pipe their answers come
    through. With no writer left, the pool's thread reads the end of the pipe where it
    waited for an answer a dead worker left half-sent, takes the pool for broken, fails
    every parse still in it, and ends: shutting the pool down, and the bot's exit, no longer
    wait for ever. Both are private attributes of CPython's ProcessPoolExecutor, the only
    way in. False if they are missing (no Python so far): the thread may wait on, and
    shutting the pool down must not wait for it."""
    for worker in list((getattr(pool, "_processes", None) or {}).values()):
        worker.kill()
    answers = getattr(getattr(pool, "_result_queue", None), "_writer", None)
    if answers is None:
        return False
    answers.close()
    return True


def _first_worker(pool: "ProcessPoolExecutor") -> "Future[int]":
    """Done (with the worker's pid) once the pool's first worker answers. Waited for in a
    thread of its own, which a bot that exits meanwhile does not wait for.

    Every parse that comes meanwhile waits on this one future, and a parse cancelled while
    waiting (a poll cut short) would cancel it for all of them: running from the start, it
    cannot be cancelled."""
    started: Future[int] = Future()
    started.set_running_or_notify_cancel()

    def wait() -> None:
        try:
            started.set_result(pool.submit(os.getpid).result())
        except BaseException as failure:  # BrokenProcessPool, or a pool shut down meanwhile
            started.set_exception(failure)

    threading.Thread(target=wait, name="first-parse-worker", daemon=True).start()
    return started


def _exit_with(bot_pid: int) -> None:
    """Worker initializer: the worker exits once the bot has gone. A bot killed outright
    (SIGKILL, out of memory) never shuts its pool down, and its workers, in a process group
    of their own (bot/feeds/parse_server.py), would wait for work forever, keeping the
    forkserver alive and the bot's stdout open."""

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(bot_pid, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-bot", daemon=True).start()
