"""`premiere-bot status`: what the running bot is doing, read from the database alone."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple
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


class SourceHealth(NamedTuple):
    """One source as `status` and `/feeds status` report it."""

    name: str
    state: str  # healthy | failing | broken | disabled
    error: str | None  # the last poll's (or why the source is disabled)
    failing_since: datetime | None
    failures: int  # in a row
    moved_to: str | None  # where its permanent redirects lead, shown without a password
    newest_story: datetime | None  # when its newest story was first seen
    quiet: bool  # healthy, with no new story for two weeks (polling.is_quiet)
    added: datetime
    last_polled: datetime | None
    last_success: datetime | None


@dataclass
class Status:
    sources: list[SourceHealth] = field(default_factory=list)  # in name order
    pending: int = 0
    oldest_pending: datetime | None = None
    failed_posts: int = 0
    last_poll: datetime | None = None
    next_poll: tuple[str, datetime] | None = None  # which enabled source, and when
    next_countdown: datetime | None = None

    def in_state(self, state: str) -> list[SourceHealth]:
        return [source for source in self.sources if source.state == state]

    def lines(self) -> list[str]:
        count = {state: len(self.in_state(state)) for state in STATES}
        out = [f"sources: {count['healthy']} healthy, {count['failing']} failing, "
               f"{count['broken']} broken, {count['disabled']} disabled"]  # fmt: skip
        out += [f"  broken: {s.name} since {s.failing_since:%Y-%m-%d}: {s.error}"
                for s in self.in_state("broken")]  # fmt: skip
        out += [f"  failing: {s.name} ({s.failures}x): {s.error}" for s in self.in_state("failing")]
        out += [
            f"  moved permanently: {s.name} to {s.moved_to}" for s in self.sources if s.moved_to
        ]
        out += [f"  quiet: {_quiet(s)}" for s in self.sources if s.quiet]
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

    def as_json(self) -> dict[str, Any]:
        """The same, for a monitoring script: times in ISO 8601 (UTC), absent ones null."""
        return {
            "sources": [
                {
                    "name": s.name,
                    "state": s.state,
                    "error": s.error,
                    "failing_since": _iso(s.failing_since),
                    "consecutive_failures": s.failures,
                    "moved_to": s.moved_to,
                    "newest_story_at": _iso(s.newest_story),
                    "quiet": s.quiet,
                }
                for s in self.sources
            ],
            "outbox": {
                "waiting": self.pending,
                "oldest_waiting_since": _iso(self.oldest_pending),
                "failed": self.failed_posts,
            },
            "last_poll": _iso(self.last_poll),
            "next_poll": (
                {"source": self.next_poll[0], "at": _iso(self.next_poll[1])}
                if self.next_poll
                else None
            ),
            "next_countdown": _iso(self.next_countdown),
        }


STATES = ("healthy", "failing", "broken", "disabled")


def _quiet(source: SourceHealth) -> str:
    if source.newest_story:
        return f"{source.name}: no new story since {source.newest_story:%Y-%m-%d}"
    return f"{source.name}: no story since it was added on {source.added:%Y-%m-%d}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def source_health(session: Session, now: datetime) -> list[SourceHealth]:
    """Every source's health, in name order."""
    newest = StoryRepo(session).newest_by_source()
    found = []
    for source in session.exec(select(Source).order_by(col(Source.name))).all():
        if not source.enabled:
            state, error = "disabled", source.disabled_reason
        elif is_broken(source.failing_since, source.last_status, now):
            state, error = "broken", source.last_error
        elif source.consecutive_failures:
            state, error = "failing", source.last_error
        else:
            state, error = "healthy", None
        story = newest.get(source.id or 0)
        found.append(SourceHealth(
            source.name, state, error, source.failing_since, source.consecutive_failures,
            shown_url(source.moved_to) if source.enabled and source.moved_to else None, story,
            state == "healthy" and is_quiet(story, source.created_at, now), source.created_at,
            source.last_polled_at, source.last_success_at,
        ))  # fmt: skip
    return found


def read_status(session: Session, now: datetime, defaults: Defaults) -> Status:
    status = Status(source_health(session, now))
    polled = [s.last_polled for s in status.sources if s.last_polled]
    status.last_poll = max(polled, default=None)
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
