"""`premiere-bot status`: what the running bot is doing, read from the database alone."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.config.schema import Defaults
from bot.domain.links import shown_url
from bot.domain.polling import is_broken, is_quiet
from bot.store.guilds import GuildSettingsRepo
from bot.store.outbox import FAILED, PENDING, SENDING
from bot.store.polls import PollStore
from bot.store.stories import StoryRepo
from bot.store.tables import Follow, Outbox, Source


@dataclass
class Status:
    healthy: list[str] = field(default_factory=list)
    failing: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)  # "name to new address"
    quiet: list[str] = field(default_factory=list)  # healthy, and no new story for two weeks
    pending: int = 0
    oldest_pending: datetime | None = None
    failed_posts: int = 0
    last_poll: datetime | None = None
    next_poll: tuple[str, datetime] | None = None  # which enabled source, and when
    next_countdown: datetime | None = None

    def lines(self) -> list[str]:
        out = [f"sources: {len(self.healthy)} healthy, {len(self.failing)} failing, "
               f"{len(self.broken)} broken, {len(self.disabled)} disabled"]  # fmt: skip
        out += [f"  broken: {line}" for line in self.broken]
        out += [f"  failing: {line}" for line in self.failing]
        out += [f"  moved permanently: {line}" for line in self.moved]
        out += [f"  quiet: {line}" for line in self.quiet]
        oldest = (
            f", oldest queued {self.oldest_pending:%Y-%m-%d %H:%M} UTC"
            if self.oldest_pending
            else ""
        )
        out.append(f"outbox: {self.pending} waiting{oldest}, {self.failed_posts} failed")
        out.append(
            f"last poll: {self.last_poll:%Y-%m-%d %H:%M} UTC"
            if self.last_poll
            else "last poll: never"
        )
        if self.next_poll:
            name, when = self.next_poll
            out.append(f"next poll: {when:%Y-%m-%d %H:%M} UTC ({name})")
        else:
            out.append("next poll: none (no enabled source)")
        upcoming = (
            f"{self.next_countdown:%Y-%m-%d %H:%M} UTC"
            if self.next_countdown
            else "none (no follows)"
        )
        out.append(f"next countdown: {upcoming}")
        return out


def read_status(session: Session, now: datetime, defaults: Defaults) -> Status:
    status = Status()
    newest = StoryRepo(session).newest_by_source()
    for source in session.exec(select(Source).order_by(col(Source.name))).all():
        if not source.enabled:
            status.disabled.append(source.name)
        elif is_broken(source.failing_since, source.last_status, now):
            status.broken.append(
                f"{source.name} since {source.failing_since:%Y-%m-%d}: {source.last_error}"
            )
        elif source.consecutive_failures:
            status.failing.append(
                f"{source.name} ({source.consecutive_failures}x): {source.last_error}"
            )
        else:
            status.healthy.append(source.name)
            added = source.created_at
            if is_quiet(seen := newest.get(source.id or 0), added, now):
                status.quiet.append(
                    f"{source.name}: no new story since {seen:%Y-%m-%d}"
                    if seen
                    else f"{source.name}: no story since it was added on {added:%Y-%m-%d}"
                )
        if source.enabled and source.moved_to:
            status.moved.append(f"{source.name} to {shown_url(source.moved_to)}")
        if source.last_polled_at and (
            status.last_poll is None or source.last_polled_at > status.last_poll
        ):
            status.last_poll = source.last_polled_at
    status.next_poll = PollStore.within(session).next_due(now)
    waiting = col(Outbox.status).in_([PENDING, SENDING])
    status.pending = session.exec(select(func.count()).select_from(Outbox).where(waiting)).one()
    status.oldest_pending = session.exec(select(func.min(Outbox.created_at)).where(waiting)).one()
    status.failed_posts = session.exec(
        select(func.count()).select_from(Outbox).where(Outbox.status == FAILED)
    ).one()
    guilds = GuildSettingsRepo(session)
    for guild_id in set(session.exec(select(Follow.guild_id)).all()):
        prefs = guilds.effective(guild_id, defaults)
        zone = ZoneInfo(prefs.timezone)
        local = now.astimezone(zone)
        at = datetime.combine(local.date(), prefs.countdown_time, tzinfo=zone)
        if at <= local:
            at = datetime.combine(
                local.date() + timedelta(days=1), prefs.countdown_time, tzinfo=zone
            )
        if status.next_countdown is None or at < status.next_countdown:
            status.next_countdown = at.astimezone(now.tzinfo)
    return status
