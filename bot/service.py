"""The bot's recurring work, as the scheduler runs it. Each job catches and logs its own
errors, so one failure never stops the loop."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.config.schema import FeedsConfig
from bot.feeds.fetch import Fetcher
from bot.feeds.parsing_pool import ParsingPool
from bot.feeds.poll import Poller
from bot.ingest import classify_new_stories
from bot.notify.countdown_job import queue_countdowns
from bot.notify.delivery import Delivery
from bot.notify.digest import queue_digests
from bot.notify.sender import Sender
from bot.store.db import Store

log = logging.getLogger(__name__)
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
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.poller = Poller(
            store, fetcher, parsers, backlog_age=config.defaults.backlog_age, clock=clock
        )
        self.delivery = Delivery(store, sender, worker=worker, clock=clock)

    async def poll(self) -> None:
        """Polls the due sources, then classifies what is new and queues its posts."""
        await _guarded("poll", self._poll)

    async def deliver(self) -> None:
        await _guarded("deliver", self._deliver)

    async def timed_posts(self) -> None:
        """Countdowns and digests whose local time has come."""
        await _guarded("timed_posts", self._timed_posts)

    async def _poll(self) -> None:
        outcomes = await self.poller.cycle()
        report = await asyncio.to_thread(classify_new_stories, self.store, self.clock())
        if outcomes or report.stories:
            errors = sum(o.status == "error" for o in outcomes)
            log.info("poll cycle sources=%d errors=%d new=%d facts=%d posts=%d", len(outcomes),
                     errors, sum(o.new for o in outcomes), report.facts, report.posts)  # fmt: skip

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


async def _guarded(name: str, job: Callable[[], Awaitable[None]]) -> None:
    try:
        await job()
    except Exception:
        log.exception("job failed job=%s", name)
