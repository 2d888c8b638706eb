"""The countdown pass over every guild: two queries, then pure planning, then the outbox."""

from collections import defaultdict
from datetime import datetime, timedelta

from sqlmodel import col, select

from bot.config.schema import Defaults
from bot.domain.release import Precision, ReleaseKind
from bot.notify.countdown import GuildClock, Upcoming, countdown_day, countdown_posts
from bot.store.db import Store
from bot.store.outbox import NewPost, OutboxRepo
from bot.store.releases import air_time_of
from bot.store.tables import Follow, GuildSettings, Release, Show


def queue_countdowns(store: Store, now: datetime, defaults: Defaults) -> int:
    """Queues the countdowns due at `now` in every guild; returns how many were new."""
    milestones = defaults.countdown_milestones
    horizon = timedelta(days=max(milestones, default=0) + 1)
    with store.session() as session:
        settings = {g.guild_id: g for g in session.exec(select(GuildSettings)).all()}
        follows = session.exec(
            select(Follow.guild_id, Follow.channel_id, Follow.role_id, Follow.show_id).where(
                col(Follow.broken_reason).is_(None)
            )
        ).all()
        by_guild: dict[int, list[tuple[int, int | None, int]]] = defaultdict(list)
        for guild_id, channel_id, role_id, show_id in follows:
            by_guild[guild_id].append((channel_id, role_id, show_id))
        clocks = {g: _clock(g, settings.get(g), defaults) for g in by_guild}
        due = {g: day for g, clock in clocks.items() if (day := countdown_day(now, clock))}
        if not due:
            return 0
        first, last = min(due.values()), max(due.values()) + horizon
        releases: dict[int, list[tuple[Release, str]]] = defaultdict(list)
        query = (
            select(Release, Show.title)
            .join(Show)
            .where(
                Release.precision == Precision.DAY,
                col(Release.kind).in_(
                    [ReleaseKind.PREMIERE, ReleaseKind.RETURN, ReleaseKind.FINALE]
                ),
                col(Release.window_start) >= first,
                col(Release.window_start) <= last,
            )
        )
        for release, title in session.exec(query).all():
            releases[release.show_id].append((release, title))
        posts: list[NewPost] = []
        for guild_id, day in due.items():
            items = [
                Upcoming(
                    channel,
                    role,
                    title,
                    r.season,
                    r.kind,
                    r.window_start,
                    r.platform,
                    air_time_of(r),
                )
                for channel, role, show_id in by_guild[guild_id]
                for r, title in releases.get(show_id, [])
                if r.window_start is not None
            ]
            posts += countdown_posts(day, clocks[guild_id], items, milestones)
        return len(OutboxRepo(session).enqueue(posts, now))


def _clock(guild_id: int, settings: GuildSettings | None, defaults: Defaults) -> GuildClock:
    timezone = (settings.timezone if settings else None) or defaults.timezone
    hour = (settings.countdown_time if settings else None) or defaults.countdown_hour
    return GuildClock(guild_id, timezone, hour)
