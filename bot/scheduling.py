"""APScheduler 3.x wiring: which process runs which job, stable job ids, and why each
timing policy is what it is."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.domain.guild import TimedSlot
from bot.leader import Leadership
from bot.notify.countdown import GRACE
from bot.service import Service, guarded

log = logging.getLogger(__name__)

# coalesce: after downtime a job runs once, not once per missed interval (six hours down
# polls each source once). max_instances=1: a slow run never overlaps the next.
# misfire_grace_time: a run that is late by up to a minute still happens; later ones are
# skipped, which is safe because every job works from the database's state, not its slot:
# a source is polled from its next_poll_at. Countdown and digest jobs fire at the local
# times guilds chose and may run up to GRACE late (a blocked loop, a slow start): the posts
# themselves are only made while today's hour is that recent, never for a day that is
# over. The jobs live in memory, so after downtime nothing misfires: the new leader runs
# one catch-up round of timed posts at once, which sends today's countdown if its hour
# passed less than GRACE ago and nothing for the days missed.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
DELIVER_EVERY, UPKEEP_EVERY, RELOAD_EVERY = 5, 3600, 3  # seconds
# How often a process checks it still leads, or tries to take the lead: a dead leader's
# work moves to another process within this (PostgreSQL frees its lock at once).
LEAD_EVERY = 15
POLL_PREFIX, TIMED_PREFIX = "poll:", "timed:"
# The leader's jobs: these, one per source (poll:) and one per local time (timed:).
LEADER_JOBS = ("upkeep", "timed_posts_catch_up")

# A job the Discord edge adds (it needs the client): a coroutine, its period and its id.
ExtraJob = tuple[Callable[[], Awaitable[None]], int, str]


class Jobs:
    """The scheduled jobs of one process. Every process delivers its shards' posts and
    watches feeds.yaml; the leader (bot.leader) also polls each source, queues countdowns
    and digests at the local times guilds chose, and keeps the calendar."""

    def __init__(
        self, service: Service, leadership: Leadership, extra: Sequence[ExtraJob] = ()
    ) -> None:
        self.service = service
        self.leadership = leadership
        self.leading = False
        self.scheduler = AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
        now = datetime.now(UTC)
        self._every(service.deliver, DELIVER_EVERY, "deliver", now)
        self._every(self.reload_config, RELOAD_EVERY, "reload_config", now + timedelta(seconds=1))
        self._every(self.lead, LEAD_EVERY, "lead", now)
        for job, seconds, job_id in extra:
            self._every(job, seconds, job_id, now)

    @property
    def running(self) -> bool:
        return self.scheduler.running

    def start(self) -> None:
        """Call from the running event loop (setup_hook, or the console's main)."""
        self.scheduler.start()

    async def close(self, grace: float = 10.0) -> None:
        """No new runs start; the send in flight finishes (up to `grace` seconds) and
        unsent claims go back to the outbox; other running jobs are cancelled (they work in
        transactions, so nothing half-done stays). The lead goes to another process."""
        if self.scheduler.running:
            self.scheduler.pause()
            await self.service.drain(grace)
            self.scheduler.shutdown(wait=False)  # cancels what still runs
        await asyncio.to_thread(self.leadership.release)

    async def lead(self) -> None:
        """Takes or keeps the lead and runs the leader's jobs while it holds it."""
        await guarded("lead", self._lead)

    async def reload_config(self) -> None:
        if await self.service.reload_config() and self.leading:
            await guarded("sync_polls", self.sync_polls)

    async def sync_polls(self) -> None:
        """One job per enabled source, at the source's interval, first run when the
        source is due. Sources added, removed or changed (feeds.yaml, Discord) follow."""
        plans = {f"{POLL_PREFIX}{p.source_id}": p for p in await self.service.poll_plans()}
        self._remove_unwanted(POLL_PREFIX, plans)
        now = datetime.now(UTC)
        for job_id, plan in plans.items():
            interval = timedelta(seconds=plan.interval_seconds)
            first = max(now, plan.next_poll_at or now)
            job = self.scheduler.get_job(job_id)
            if job is None:
                self.scheduler.add_job(
                    self._poll, IntervalTrigger(seconds=plan.interval_seconds, timezone=UTC),
                    args=[plan.source_id], id=job_id, next_run_time=first,
                )  # fmt: skip
            elif job.trigger.interval != interval:
                job.modify(trigger=IntervalTrigger(seconds=plan.interval_seconds, timezone=UTC),
                           next_run_time=first)  # fmt: skip

    async def sync_timed(self) -> None:
        """One cron job per local time at which countdowns or digests fall due; a guild's
        new time zone or hour, or a new digest, gets its job at the next lead round."""
        slots = {_timed_id(slot): slot for slot in await self.service.timed_slots()}
        self._remove_unwanted(TIMED_PREFIX, slots)
        for job_id, slot in slots.items():
            if self.scheduler.get_job(job_id) is None:
                zone = ZoneInfo(slot.timezone)
                trigger = CronTrigger(day_of_week=slot.weekday, hour=slot.at.hour,
                                      minute=slot.at.minute, timezone=zone)  # fmt: skip
                self.scheduler.add_job(self.service.timed_posts, trigger, id=job_id,
                                       misfire_grace_time=int(GRACE.total_seconds()))  # fmt: skip

    async def _lead(self) -> None:
        leading = await asyncio.to_thread(self.leadership.hold)
        if leading and not self.leading:
            log.info("leading: this process polls the feeds and keeps the calendar")
            now = datetime.now(UTC)
            self._every(self.service.upkeep, UPKEEP_EVERY, "upkeep", now)
            self.scheduler.add_job(self.service.timed_posts, "date", run_date=now,
                                   id="timed_posts_catch_up", replace_existing=True)  # fmt: skip
        elif self.leading and not leading:
            log.warning("lead lost: another process polls the feeds now")
            for job in self.scheduler.get_jobs():
                if job.id in LEADER_JOBS or job.id.startswith((POLL_PREFIX, TIMED_PREFIX)):
                    job.remove()
        self.leading = leading
        if leading:  # also picks up sources and guild settings changed from Discord
            await self.sync_polls()
            await self.sync_timed()

    def _remove_unwanted(self, prefix: str, wanted: Mapping[str, object]) -> None:
        for job in self.scheduler.get_jobs():
            if job.id.startswith(prefix) and job.id not in wanted:
                job.remove()

    async def _poll(self, source_id: int) -> None:
        next_poll = await self.service.poll_source(source_id)
        job = self.scheduler.get_job(f"{POLL_PREFIX}{source_id}")
        if job is not None and next_poll is not None:
            # Backoff, Retry-After and max-age move the next run off the plain interval.
            job.modify(next_run_time=max(next_poll, datetime.now(UTC)))

    def _every(
        self, job: Callable[[], Awaitable[None]], seconds: int, job_id: str, first: datetime
    ) -> None:
        self.scheduler.add_job(job, IntervalTrigger(seconds=seconds, timezone=UTC), id=job_id,
                               next_run_time=first, replace_existing=True)  # fmt: skip


def _timed_id(slot: TimedSlot) -> str:
    """timed:Europe/Berlin:09:00 (daily countdowns) or timed:Europe/Berlin:4:18:30 (Fridays)."""
    day = "" if slot.weekday is None else f"{slot.weekday}:"
    return f"{TIMED_PREFIX}{slot.timezone}:{day}{slot.at:%H:%M}"
