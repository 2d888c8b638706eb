"""APScheduler 3.x wiring: stable job ids, and why each timing policy is what it is."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.service import Service

# coalesce: after downtime a job runs once, not once per missed interval (six hours down
# polls each due source once). max_instances=1: a slow cycle never overlaps the next.
# misfire_grace_time: a run that is late by up to a minute still happens; later ones are
# skipped, which is safe because every job works from the database's state, not its slot:
# polls pick sources whose next_poll_at has come, countdowns post only while today's hour
# is recent (bot.notify.countdown.GRACE) and never for a day that is over.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
POLL_EVERY, DELIVER_EVERY, TIMED_EVERY, UPKEEP_EVERY, RELOAD_EVERY = 30, 5, 60, 3600, 3  # seconds


# A job the Discord edge adds (it needs the client): a coroutine, its period and its id.
ExtraJob = tuple[Callable[[], Awaitable[None]], int, str]


def build_scheduler(service: Service, extra: Sequence[ExtraJob] = ()) -> AsyncIOScheduler:
    """Jobs start in the scheduler; call start() from the running event loop (setup_hook)."""
    scheduler = AsyncIOScheduler(timezone=UTC, job_defaults=JOB_DEFAULTS)
    now = datetime.now(UTC)
    scheduler.add_job(service.poll, "interval", seconds=POLL_EVERY, id="poll",
                      next_run_time=now, replace_existing=True)  # fmt: skip
    scheduler.add_job(service.deliver, "interval", seconds=DELIVER_EVERY, id="deliver",
                      next_run_time=now, replace_existing=True)  # fmt: skip
    scheduler.add_job(service.timed_posts, "interval", seconds=TIMED_EVERY, id="timed_posts",
                      next_run_time=now, replace_existing=True)  # fmt: skip
    scheduler.add_job(service.upkeep, "interval", seconds=UPKEEP_EVERY, id="upkeep",
                      next_run_time=now, replace_existing=True)  # fmt: skip
    scheduler.add_job(service.reload_config, "interval", seconds=RELOAD_EVERY, id="reload_config",
                      replace_existing=True)  # fmt: skip
    for job, seconds, job_id in extra:
        scheduler.add_job(job, "interval", seconds=seconds, id=job_id, next_run_time=now,
                          replace_existing=True)  # fmt: skip
    return scheduler
