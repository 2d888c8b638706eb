"""The bot's recurring work, as the scheduler runs it. Each job catches and logs its own
errors, so one failure never stops the loop."""

import asyncio
import hashlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session

from bot.config import ConfigError, load_config
from bot.config.schema import FeedsConfig
from bot.domain.guild import TimedSlot
from bot.domain.links import shown_url
from bot.domain.polling import GONE, believed_next_poll, is_broken
from bot.domain.shards import ShardSet
from bot.feeds.fetch import Fetcher
from bot.feeds.parsing_pool import ParsingPool
from bot.feeds.poll import Poller
from bot.ingest import classify_new_stories
from bot.notify.countdown_job import queue_countdowns
from bot.notify.delivery import Delivery
from bot.notify.digest import queue_digests
from bot.notify.sender import Sender
from bot.store.db import Store
from bot.store.guilds import GuildSettingsRepo
from bot.store.outbox import NewPost, OutboxRepo, notice
from bot.store.polls import PollSettings
from bot.store.releases import ReleaseRepo
from bot.store.sources import SyncReport
from bot.store.stories import StoryRepo
from bot.store.sync import apply_config
from bot.store.tables import Source

log = logging.getLogger(__name__)


def worker_name() -> str:
    """This process, as the outbox records who claimed a post: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


# Stories are kept this long for cross-source dedupe and /show; those a release cites stay.
STORY_RETENTION = timedelta(days=90)
REJECTED = "feeds.yaml was rejected; the last good one keeps running"
Clock = Callable[[], datetime]
T = TypeVar("T")


@dataclass(frozen=True)
class PollPlan:
    """What the scheduler needs to know of an enabled source to give it a poll job."""

    source_id: int
    interval_seconds: int
    next_poll_at: datetime | None


class Service:
    def __init__(
        self,
        store: Store,
        config: FeedsConfig,
        sender: Sender,
        fetcher: Fetcher,
        parsers: ParsingPool,
        *,
        worker: str,
        shards: ShardSet | None = None,
        config_path: Path | None = None,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.config = config
        self.config_path = config_path
        self._config_digest = _digest(config_path) if config_path else None
        self.clock = clock
        self.poller = Poller(
            store.polls, fetcher, parsers, backlog_age=config.defaults.backlog_age, clock=clock
        )
        self._use_settings(PollSettings.of(config.defaults))
        self.delivery = Delivery(
            store, sender, worker=worker, clock=clock, admin_channel=self._admin_channel,
            shards=shards,
        )  # fmt: skip
        # One classification at a time: polls finish concurrently, and each would
        # otherwise read the same unclassified stories.
        self._classifying = asyncio.Lock()
        self._delivering = asyncio.Lock()  # held while a delivery round runs; drain waits on it

    def _use_settings(self, settings: PollSettings) -> None:
        """feeds.yaml's backlog age, fetch timeout and body cap, for the polls from now on."""
        self.poller.backlog_age = settings.backlog_age
        self.poller.fetcher.set_limits(settings.fetch_timeout, settings.max_feed_size)

    async def poll_plans(self) -> list[PollPlan]:
        """The enabled sources, for their poll jobs."""

        def read() -> list[PollPlan]:
            now = self.clock()
            return [
                PollPlan(
                    s.id, s.interval_seconds, believed_next_poll(s.next_poll_at, now, s.interval)
                )
                for s in self.store.polls.to_poll(now, everything=True)
            ]

        return await asyncio.to_thread(read)

    async def timed_slots(self) -> set[TimedSlot]:
        """When countdowns and digests fall due, for their scheduled jobs."""

        def read() -> set[TimedSlot]:
            with self.store.session() as session:
                return GuildSettingsRepo(session).timed_slots(self.config.defaults)

        return await asyncio.to_thread(read)

    async def poll_source(self, source_id: int) -> datetime | None:
        """Polls one source, classifies what is new and queues its posts; returns when the
        source wants polling next (None when it is gone or the job failed)."""
        return await guarded(f"poll source_id={source_id}", lambda: self._poll_source(source_id))

    async def deliver(self) -> None:
        await guarded("deliver", self._deliver)

    async def timed_posts(self) -> None:
        """Countdowns and digests whose local time has come."""
        await guarded("timed_posts", self._timed_posts)

    async def reload_config(self) -> bool:
        """Applies feeds.yaml when it changed on disk; keeps the running one if it is invalid.
        Returns whether a new configuration was applied."""
        return bool(await guarded("reload_config", self._reload_config))

    async def _reload_config(self) -> bool:
        if self.config_path is None:
            return False
        digest = _digest(self.config_path)
        if digest is None or digest == self._config_digest:
            return False
        try:
            config = load_config(self.config_path)
        except ConfigError as error:
            self._config_digest = digest  # a file is rejected, and reported, once
            log.error("feeds.yaml rejected, the running configuration stays:\n%s", error)
            await asyncio.to_thread(self._report_rejected, error, digest)
            return False

        def apply() -> SyncReport:
            with self.store.session() as session:
                return apply_config(session, config, self.clock())

        report = await asyncio.to_thread(apply)
        # Only now: a file the database could not take (locked, unreachable) is tried again
        # at the next check, rather than left unapplied until someone edits it once more.
        self._config_digest = digest
        self.config = config
        self._use_settings(PollSettings.of(config.defaults))
        log.info("feeds.yaml reloaded sources_added=%s updated=%s disabled=%s",
                 report.added, report.updated, report.disabled)  # fmt: skip
        return True

    def _report_rejected(self, error: ConfigError, digest: str) -> None:
        channel = self.config.defaults.admin_channel
        if channel is None:
            return
        problems = "\n".join(str(p) for p in error.problems)
        post = notice(f"notice:config:{digest[:32]}", 0, channel, REJECTED, problems[:1500])
        with self.store.session() as session:
            OutboxRepo(session).enqueue([post], self.clock())

    async def upkeep(self) -> None:
        """Marks past releases aired and prunes old stories no release cites."""
        await guarded("upkeep", self._upkeep)

    async def _upkeep(self) -> None:
        now = self.clock()

        def work() -> tuple[int, int]:
            with self.store.session() as session:
                aired = ReleaseRepo(session).mark_aired(now.date())
                pruned = StoryRepo(session).prune(now - STORY_RETENTION)
                return aired, pruned

        aired, pruned = await asyncio.to_thread(work)
        if aired or pruned:
            log.info("upkeep aired=%d pruned_stories=%d", aired, pruned)

    async def _poll_source(self, source_id: int) -> datetime | None:
        polled_now = await self.poller.cycle(source_id=source_id)
        if not polled_now:
            # Gone, disabled, or not due: a `poll --once` beside this process holds it or
            # has polled it. The job waits for the next poll that poll wrote.
            held = await asyncio.to_thread(self._enabled_source, source_id)
            return held.next_poll_at if held else None
        async with self._classifying:
            report = await asyncio.to_thread(classify_new_stories, self.store, self.clock())
        if report.stories:
            # Every story left unread, whichever source stored it (another job's, when that
            # job's poll finished first and this one took the lock first): not this source's.
            log.info("classified stories=%d facts=%d posts=%d after_poll_of=%s",
                     report.stories, report.facts, report.posts, polled_now[0].source)  # fmt: skip
        polled = await asyncio.to_thread(self._enabled_source, source_id)
        if polled is not None:
            await asyncio.to_thread(self._report_source, polled)
        return polled.next_poll_at if polled else None

    def _enabled_source(self, source_id: int) -> Source | None:
        with self.store.session() as session:
            source = session.get(Source, source_id)
            return source if source is not None and source.enabled else None

    def _admin_channel(self, session: Session, guild_id: int) -> int | None:
        return GuildSettingsRepo(session).effective(guild_id, self.config.defaults).admin_channel_id

    def _report_source(self, source: Source) -> int:
        """Notices to the operator's admin channel about a source: one when a new source's
        first poll fails (a mistyped address, a page given for its feed), one per failing
        streak of a broken source (three days of failures, or a site that answered 410
        Gone), and one per address it moved to. Returns how many were queued (each key is
        queued once)."""
        channel = self.config.defaults.admin_channel
        if channel is None:
            return 0
        now = self.clock()
        failing = (
            _broken_notice(source, channel)
            if is_broken(source.failing_since, source.last_status, now)
            else _first_failure_notice(source, channel)
        )
        posts = [post for post in (failing, _moved_notice(source, channel)) if post is not None]
        if not posts:
            return 0
        with self.store.session() as session:
            return len(OutboxRepo(session).enqueue(posts, now))

    async def _deliver(self) -> None:
        async with self._delivering:
            while not self.delivery.stopping and (await self.delivery.run_once()).sent:
                pass

    async def drain(self, grace: float) -> None:
        """Stops delivering: the send in flight finishes (for up to `grace` seconds) and
        the posts claimed with it go back to the outbox, so a stop loses nothing."""
        self.delivery.stopping = True
        try:
            async with asyncio.timeout(grace):
                async with self._delivering:
                    pass
        except TimeoutError:
            log.warning("stopped with a send in flight; it is checked and retried at next start")

    async def _timed_posts(self) -> None:
        now = self.clock()
        countdowns = await asyncio.to_thread(
            queue_countdowns, self.store, now, self.config.defaults
        )
        digests = await asyncio.to_thread(queue_digests, self.store, now, self.config.defaults)
        if countdowns or digests:
            log.info("timed posts countdowns=%d digests=%d", countdowns, digests)


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        log.error("cannot read %s: %s", path, error)
        return None


async def guarded(name: str, job: Callable[[], Awaitable[T]]) -> T | None:
    """Runs a job, logging its failure instead of raising: the scheduler keeps going."""
    try:
        return await job()
    except Exception:
        log.exception("job failed job=%s", name)
        return None


def _first_failure_notice(source: Source, channel: int) -> NewPost | None:
    """For a source that has failed and never once succeeded: what it was told is likely
    wrong, and waiting three days for it to count as broken would only delay the fix."""
    if source.last_success_at is not None or not source.consecutive_failures:
        return None
    return notice(
        f"notice:first-poll-failed:{source.id}", 0, channel,
        f"The new feed {source.name!r} failed its first poll",
        f"{source.last_error}. Check its address in feeds.yaml; it is retried with backoff "
        f"meanwhile. {shown_url(source.url)}",
    )  # fmt: skip


def _broken_notice(source: Source, channel: int) -> NewPost:
    since = source.failing_since
    assert since is not None
    gone = source.last_status == GONE
    why = "The site answers that it is gone for good" if gone else "It has failed"
    return notice(
        f"notice:broken-source:{source.id}:{since:%Y%m%dT%H%M%S}", 0, channel,
        f"The feed {source.name!r} is broken",
        f"{why} since {since:%Y-%m-%d %H:%M} UTC: {source.last_error}. "
        f"It is retried daily. {shown_url(source.url)}",
    )  # fmt: skip


def _moved_notice(source: Source, channel: int) -> NewPost | None:
    if not source.moved_to:
        return None
    address = hashlib.sha256(source.moved_to.encode()).hexdigest()[:16]
    return notice(
        f"notice:moved-source:{source.id}:{address}", 0, channel,
        f"The feed {source.name!r} has moved",
        f"{shown_url(source.url)} redirects permanently to {shown_url(source.moved_to)}: "
        "give the source its new address in feeds.yaml.",
    )  # fmt: skip
