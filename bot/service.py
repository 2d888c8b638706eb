"""The bot's recurring work, as the scheduler runs it. Each job catches and logs its own
errors, so one failure never stops the loop."""

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from bot.config import ConfigError, load_config
from bot.config.schema import FeedsConfig
from bot.domain.polling import is_broken
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
from bot.store.outbox import NewPost, OutboxRepo
from bot.store.releases import ReleaseRepo
from bot.store.sources import SourceRepo, SyncReport
from bot.store.stories import StoryRepo
from bot.store.sync import apply_config

log = logging.getLogger(__name__)
# Stories are kept this long for cross-source dedupe and /show; those a release cites stay.
STORY_RETENTION = timedelta(days=90)
REJECTED = "feeds.yaml was rejected; the last good one keeps running"
Clock = Callable[[], datetime]


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
        config_path: Path | None = None,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.config = config
        self.config_path = config_path
        self._config_digest = _digest(config_path) if config_path else None
        self.clock = clock
        self.poller = Poller(
            store, fetcher, parsers, backlog_age=config.defaults.backlog_age, clock=clock
        )
        self.delivery = Delivery(
            store, sender, worker=worker, clock=clock, admin_channel=self._admin_channel
        )

    async def poll(self) -> None:
        """Polls the due sources, then classifies what is new and queues its posts."""
        await _guarded("poll", self._poll)

    async def deliver(self) -> None:
        await _guarded("deliver", self._deliver)

    async def timed_posts(self) -> None:
        """Countdowns and digests whose local time has come."""
        await _guarded("timed_posts", self._timed_posts)

    async def reload_config(self) -> None:
        """Applies feeds.yaml when it changed on disk; keeps the running one if it is invalid."""
        await _guarded("reload_config", self._reload_config)

    async def _reload_config(self) -> None:
        if self.config_path is None:
            return
        digest = _digest(self.config_path)
        if digest is None or digest == self._config_digest:
            return
        self._config_digest = digest
        try:
            config = load_config(self.config_path)
        except ConfigError as error:
            log.error("feeds.yaml rejected, the running configuration stays:\n%s", error)
            await asyncio.to_thread(self._report_rejected, error, digest)
            return

        def apply() -> SyncReport:
            with self.store.session() as session:
                return apply_config(session, config, self.clock())

        report = await asyncio.to_thread(apply)
        self.config = config
        self.poller.backlog_age = config.defaults.backlog_age
        log.info("feeds.yaml reloaded sources_added=%s updated=%s disabled=%s",
                 report.added, report.updated, report.disabled)  # fmt: skip

    def _report_rejected(self, error: ConfigError, digest: str) -> None:
        channel = self.config.defaults.admin_channel
        if channel is None:
            return
        problems = "\n".join(str(p) for p in error.problems)
        notice = NewPost(
            dedupe_key=f"notice:config:{digest[:32]}",
            guild_id=0,
            channel_id=channel,
            kind="notice",
            payload={"kind": "notice", "headline": REJECTED, "excerpt": problems[:1500]},
        )
        with self.store.session() as session:
            OutboxRepo(session).enqueue([notice], self.clock())

    async def upkeep(self) -> None:
        """Marks past releases aired and prunes old stories no release cites."""
        await _guarded("upkeep", self._upkeep)

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

    async def _poll(self) -> None:
        outcomes = await self.poller.cycle()
        report = await asyncio.to_thread(classify_new_stories, self.store, self.clock())
        await asyncio.to_thread(self._report_broken_sources)
        if outcomes or report.stories:
            errors = sum(o.status == "error" for o in outcomes)
            log.info("poll cycle sources=%d errors=%d new=%d facts=%d posts=%d", len(outcomes),
                     errors, sum(o.new for o in outcomes), report.facts, report.posts)  # fmt: skip

    def _admin_channel(self, session: Session, guild_id: int) -> int | None:
        return GuildSettingsRepo(session).effective(guild_id, self.config.defaults).admin_channel_id

    def _report_broken_sources(self) -> int:
        """One notice per failing streak of a source that has been failing for three days."""
        channel = self.config.defaults.admin_channel
        if channel is None:
            return 0
        now = self.clock()
        with self.store.session() as session:
            notices = []
            for source in SourceRepo(session).all():
                since = source.failing_since
                if not source.enabled or since is None or not is_broken(since, now):
                    continue
                notices.append(
                    NewPost(
                        dedupe_key=f"notice:broken-source:{source.id}:{since:%Y%m%dT%H%M%S}",
                        guild_id=0,
                        channel_id=channel,
                        kind="notice",
                        payload={
                            "kind": "notice",
                            "headline": f"The feed {source.name!r} is broken",
                            "excerpt": f"It has failed since {since:%Y-%m-%d %H:%M} UTC: "
                            f"{source.last_error}. It is retried daily. {source.url}",
                        },
                    )
                )
            return len(OutboxRepo(session).enqueue(notices, now))

    async def _deliver(self) -> None:
        while (await self.delivery.run_once()).sent:
            pass

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


async def _guarded(name: str, job: Callable[[], Awaitable[None]]) -> None:
    try:
        await job()
    except Exception:
        log.exception("job failed job=%s", name)
