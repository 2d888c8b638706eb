"""Parsing off the event loop and on every core: feedparser is CPU-bound."""

import asyncio
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.feeds.entry import ParsedFeed


class ParserCrashed(Exception):
    pass


class ParsingPool:
    """Worker processes started on first use, so a cycle with nothing to parse starts none."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.busy = 0  # parses asked for and not yet answered
        self._pool: ProcessPoolExecutor | None = None

    async def parse(self, body: bytes, content_type: str | None, url: str) -> ParsedFeed:
        if self._pool is None:
            # forkserver: forking the running bot (threads, sockets) is unsafe; the server
            # process imports feedparser once and each worker is a cheap fork of it.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["bot.feeds.parse"])
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=_exit_with, initargs=(os.getpid(),)
            )
        loop = asyncio.get_running_loop()
        self.busy += 1
        try:
            return await loop.run_in_executor(self._pool, _parse, body, content_type, url)
        except BrokenProcessPool:
            self.close()  # the next parse starts fresh workers
            raise ParserCrashed("a parser process died (out of memory?)") from None
        finally:
            self.busy -= 1

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _parse(body: bytes, content_type: str | None, url: str) -> ParsedFeed:
    """Runs in a worker: only the workers import feedparser."""
    from bot.feeds.parse import parse_feed

    return parse_feed(body, content_type, url)


def _exit_with(bot_pid: int) -> None:
    """Worker initializer: the worker exits once the bot has gone. A bot killed outright
    (SIGKILL, out of memory) never shuts its pool down, and its workers would wait for
    work forever, keeping the forkserver alive and the bot's stdout open."""

    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(bot_pid, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="exit-with-bot", daemon=True).start()
