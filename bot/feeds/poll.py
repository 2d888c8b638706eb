"""One polling cycle: fetch each due source, parse, store what is new, schedule the next poll.

A source's failure is recorded on the source and never stops the cycle.
"""

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import chain, zip_longest
from typing import Any
from urllib.parse import urlsplit

from bot.domain import polling
from bot.domain.links import shown_url
from bot.feeds.early import EarlyPolls, Parsing
from bot.feeds.entry import Entry, NotAFeed
from bot.feeds.fetched import FeedFetcher, Fetched, FetchError, describe
from bot.feeds.group_commit import GroupCommit
from bot.feeds.parsing_pool import ParserCrashed, ParsingPool
from bot.store.polls import PollStore, PollTarget

log = logging.getLogger(__name__)
WRITE_LINGER = 0.03  # seconds; a parse takes about 10 ms, a transaction about 1 ms


@dataclass(frozen=True)
class _Write:
    source_id: int
    changes: dict[str, Any]
    entries: list[Entry]


@dataclass(frozen=True)
class PollOutcome:
    """What happened to one source in one cycle (the `poll --json` line)."""

    source: str
    url: str  # as shown: without a password it may hold (links.shown_url)
    status: str  # ok | not_modified | unchanged | error
    http_status: int | None
    new: int
    elapsed_ms: int
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return dict(vars(self))  # every field is a scalar: asdict's deep copy cost 6 ms a cycle


class Poller:
    def __init__(
        self,
        polls: PollStore,
        fetcher: FeedFetcher,
        parsers: ParsingPool,
        *,
        backlog_age: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        early: EarlyPolls | None = None,
    ) -> None:
        self.polls = polls
        self.fetcher = fetcher
        self.parsers = parsers
        self.backlog_age = backlog_age
        self.clock = clock
        self.early = early  # answers fetched before the cycle started (bot/feeds/early.py)
        # While feeds are being parsed, their stories arrive one feed at a time: a batch
        # waits a moment for the next ones rather than paying a transaction per feed.
        self._writes = GroupCommit(
            self._store,
            linger=WRITE_LINGER,
            more_coming=lambda: parsers.busy > 0,
            isolate=lambda failure: not polls.unusable(failure),
        )
        self._bodies = asyncio.Semaphore(fetcher.limits.total)  # bounds bodies held in memory
        # Sites that answered 429 or 503 with a Retry-After, and until when: every feed on
        # one waits that long (its sources on the site not polled meanwhile are moved in the
        # store; those polled meanwhile, and this process's later polls, are held here).
        self._site_holds: dict[str, datetime] = {}

    async def cycle(
        self,
        *,
        everything: bool = False,
        source_id: int | None = None,
        names: Sequence[str] = (),
        finished: Callable[[PollOutcome], object] = lambda _: None,
    ) -> list[PollOutcome]:
        """Polls every due source (every enabled one with `everything`; only the one with
        `source_id`, or those with `names`, among them) once, concurrently, under a lease
        (PollStore.claim).
        `finished` hears of each source as soon as it is done with, so a cycle cut short
        still tells which sources it stored."""
        now = self.clock()
        until = now + polling.CLAIM_LEASE
        sources = await asyncio.to_thread(
            self.polls.claim, now, until, everything=everything, source_id=source_id, names=names
        )

        async def poll(source: PollTarget) -> PollOutcome:
            outcome = await self.poll(source)
            finished(outcome)
            return outcome

        try:
            return list(await asyncio.gather(*(poll(s) for s in _interleave_hosts(sources))))
        except BaseException:
            # Cut short (Ctrl-C, SIGTERM, `run` stopping): the sources not polled are due
            # again at once, for the next poll, rather than when the lease ends. A database
            # that fails here keeps them.
            with contextlib.suppress(*self.polls.errors):
                self.polls.release(sources, until)
            raise

    async def poll(self, source: PollTarget) -> PollOutcome:
        started = time.perf_counter()
        status, http_status, new, error = "error", None, 0, None
        url = shown_url(source.url)
        try:
            async with self._bodies:
                early = self.early.take(source) if self.early else None
                if early:
                    started = early.started  # the poll began with the early request
                    fetched, parsing = await early.answer
                else:
                    fetched, parsing = await self._fetch(source), None
                http_status = fetched.status
                status, entries, body = await self._read(source, fetched, parsing)
            new = await self._write(source, self._success(source, fetched, body), entries)
            _say_if_moved(source, fetched)
        except (FetchError, NotAFeed, ParserCrashed) as failure:
            status, http_status = "error", getattr(failure, "http_status", http_status)
            error = describe(failure)
            await self._write(source, self._failure(source, failure), [])
            await self._hold_site_if_asked(source, failure)
        except Exception as failure:  # a bug must cost one source, not the cycle
            if self.polls.unusable(failure):
                raise  # not the source's failure: the cycle stops, and its command says why
            log.exception("poll failed source=%s url=%s", source.name, url)
            error = f"internal error: {type(failure).__name__}: {describe(failure)}"
            status = "error"
            with contextlib.suppress(Exception):  # back off even from our own bugs
                await self._write(source, self._failure(source, failure), [])
        elapsed = int((time.perf_counter() - started) * 1000)
        level = logging.WARNING if error else logging.INFO
        log.log(level, "polled source=%s url=%s status=%s http=%s new=%d elapsed_ms=%d error=%s",
                source.name, url, status, http_status, new, elapsed, error)  # fmt: skip
        return PollOutcome(source.name, url, status, http_status, new, elapsed, error)

    async def _fetch(self, source: PollTarget) -> Fetched:
        return await self.fetcher.fetch(
            source.url,
            etag=source.etag,
            last_modified=source.last_modified,
            guard=not source.trusted,
            fetch_timeout=source.fetch_timeout_seconds,
        )

    async def _read(
        self, source: PollTarget, fetched: Fetched, parsing: "Parsing | None"
    ) -> tuple[str, list[Entry], dict[str, Any]]:
        """The status, the entries, and what to remember of the body: its hash, and the
        digests of its items (so the next parse skips them). `parsing`: the body's parse,
        when an early poll started it."""
        if fetched.body is None:
            return "not_modified", [], {}
        body_hash = hashlib.sha256(fetched.body).hexdigest()
        if body_hash == source.body_hash:
            return "unchanged", [], {}
        parsed = await (
            parsing
            or self.parsers.parse(
                fetched.body, fetched.content_type, fetched.url, known=source.item_digests
            )
        )
        if parsed.warning:
            log.warning("source=%s url=%s %s", source.name, shown_url(source.url), parsed.warning)
        return "ok", parsed.entries, {"body_hash": body_hash, "item_digests": parsed.item_digests}

    def _success(
        self, source: PollTarget, fetched: Fetched, body: dict[str, Any]
    ) -> dict[str, Any]:
        now = self.clock()
        next_poll = self._held(
            source, polling.after_success(now, source.interval, source.url, fetched.max_age)
        )
        return {
            "etag": fetched.etag or source.etag,
            "last_modified": fetched.last_modified or source.last_modified,
            **body,
            "last_polled_at": now,
            "last_success_at": now,
            "last_status": fetched.status,
            "last_error": None,
            "moved_to": fetched.url if fetched.moved else None,
            "consecutive_failures": 0,
            "failing_since": None,
            "next_poll_at": next_poll,
        }

    def _failure(self, source: PollTarget, failure: Exception) -> dict[str, Any]:
        now = self.clock()
        failures = source.consecutive_failures + 1
        retry_after = getattr(failure, "retry_after", None)
        http_status = getattr(failure, "http_status", None)
        gone = http_status == polling.GONE
        return {
            "last_polled_at": now,
            "last_status": http_status,
            "last_error": describe(failure),
            "consecutive_failures": failures,
            "failing_since": source.failing_since or now,
            "next_poll_at": self._held(
                source,
                polling.after_failure(now, source.interval, failures, retry_after, gone=gone),
            ),
        }

    def _held(self, source: PollTarget, next_poll: datetime) -> datetime:
        """`next_poll`, or later if the source's site asked to be left alone until then."""
        if not self._site_holds:  # the everyday case, without parsing the URL
            return next_poll
        hold = self._site_holds.get(polling.site_of(source.url))
        return next_poll if hold is None else max(next_poll, hold)

    async def _hold_site_if_asked(self, source: PollTarget, failure: Exception) -> None:
        """A 429 or 503 with a Retry-After holds back every source on the same site."""
        retry_after = getattr(failure, "retry_after", None)
        if retry_after is None:  # the fetcher keeps it from a 429 or 503 alone
            return
        site, until = polling.site_of(source.url), polling.retry_time(self.clock(), retry_after)
        held_until = self._site_holds.get(site)
        if held_until is not None and until <= held_until:
            return  # held as long already, and the store told
        self._site_holds[site] = until
        held = await asyncio.to_thread(self.polls.hold_site, site, until)
        status = getattr(failure, "http_status", None)
        log.warning("site=%s asked to wait (HTTP %s): its %d sources wait until %s",
                    site, status, held, until.isoformat(timespec="seconds"))  # fmt: skip

    async def _write(
        self, source: PollTarget, changes: dict[str, Any], entries: list[Entry]
    ) -> int:
        return await self._writes.write(_Write(source.id, changes, entries))

    def _store(self, writes: Sequence["_Write"]) -> list[int]:
        """Stores several sources' stories and states in one transaction; new story counts."""
        batch = [(write.source_id, write.changes, write.entries) for write in writes]
        return self.polls.store(batch, self.clock(), self.backlog_age)


def _say_if_moved(source: PollTarget, fetched: Fetched) -> None:
    """A feed found moved is logged once, not at every poll: its row keeps where to
    (`moved_to`, shown by `status` and `/feeds status`). Its redirects are followed
    meanwhile, each poll asking the old address first."""
    if fetched.moved and fetched.url != source.moved_to:
        log.warning("source=%s url=%s moved permanently to %s: give the source its new address",
                    source.name, shown_url(source.url), shown_url(fetched.url))  # fmt: skip


def _interleave_hosts(sources: list[PollTarget]) -> list[PollTarget]:
    """Orders sources round-robin by host, so the per-host limit never idles the others."""
    by_host: dict[str, list[PollTarget]] = {}
    for source in sources:
        by_host.setdefault(urlsplit(source.url).hostname or "", []).append(source)
    rounds = zip_longest(*by_host.values())
    return [s for s in chain.from_iterable(rounds) if s is not None]
