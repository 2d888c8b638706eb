"""Polls of feeds.yaml's new sources, started while feeds.yaml is being applied.

A poll after sources were added applies feeds.yaml first: the ORM's imports and writes take
0.3 s of one core, and only then can the cycle read which sources are due. A source with no
row yet will be due at once, trusted and without validators, so the request for it is the
same whenever it is sent. Sent while feeds.yaml is being applied, its answer is parsed on the
other core meanwhile, and the cycle takes it as the answer to its own request (a first poll of
200 feeds: 10% less time).
"""

import asyncio
import time
from collections.abc import Mapping
from typing import NamedTuple

from bot.feeds.entry import ParsedFeed
from bot.feeds.fetched import FeedFetcher, Fetched
from bot.feeds.parsing_pool import ParsingPool
from bot.store.polls import PollTarget

Parsing = asyncio.Future[ParsedFeed]


class EarlyPoll(NamedTuple):
    started: float  # time.perf_counter() as its request was made: a poll's time counts from it
    fetch_timeout: float | None  # the source's own, as the cycle would send it
    answer: asyncio.Task[tuple[Fetched, Parsing | None]]


class EarlyPolls:
    """Fetches and parses ahead of the cycle; the cycle takes each answer once."""

    def __init__(self, fetcher: FeedFetcher, parsers: ParsingPool) -> None:
        self._fetcher = fetcher
        self._parsers = parsers
        self._polls: dict[str, EarlyPoll] = {}

    def start(self, sources: Mapping[str, float | None]) -> None:
        """Polls the URLs of `sources`, each with its source's own fetch timeout (None: the
        fetcher's), at most as many as the fetcher has requests in flight, which bounds the
        bodies held until the cycle takes them. Their parses go to the worker processes at
        once: this process is busy applying feeds.yaml, and a parse thread in it would slow
        that down."""
        requests = list(sources.items())[: self._fetcher.limits.total]
        if requests:
            self._parsers.start_workers()
        for url, timeout in requests:
            answer = asyncio.ensure_future(self._poll(url, timeout))
            self._polls[url] = EarlyPoll(time.perf_counter(), timeout, answer)

    async def _poll(self, url: str, fetch_timeout: float | None) -> tuple[Fetched, Parsing | None]:
        fetched = await self._fetcher.fetch(url, fetch_timeout=fetch_timeout)
        if fetched.body is None:
            return fetched, None
        parsing = asyncio.ensure_future(
            self._parsers.parse(fetched.body, fetched.content_type, fetched.url)
        )
        return fetched, parsing

    def take(self, source: PollTarget) -> EarlyPoll | None:
        """The early poll of `source`'s URL, if one was started and the cycle would have sent
        the same request: trusted (no address guard), with the same timeout, without
        validators, nothing parsed before. Awaiting its answer gives the answer and its
        parse, or raises what fetching raised."""
        polled = source.etag or source.last_modified or source.body_hash or source.item_digests
        early = self._polls.get(source.url)
        if early is None or early.fetch_timeout != source.fetch_timeout_seconds:
            return None
        return self._polls.pop(source.url) if source.trusted and not polled else None

    async def close(self) -> None:
        """Cancels the polls no source took (a cycle cut short)."""
        polls, self._polls = [poll.answer for poll in self._polls.values()], {}
        for poll in polls:
            poll.cancel()
        for answer in await asyncio.gather(*polls, return_exceptions=True):
            if isinstance(answer, tuple) and answer[1] is not None:
                answer[1].cancel()  # fetched before it was cancelled: its parse is not wanted
