"""Discord scheduled events for followed exact-date releases (opt-in: /settings events)."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import discord
from sqlmodel import select

from bot.config.schema import Defaults, FeedsConfig
from bot.domain.airtime import AirTime
from bot.domain.release import Precision, ReleaseKind
from bot.store.db import Store
from bot.store.events import EventLinkRepo
from bot.store.guilds import GuildSettingsRepo
from bot.store.releases import ReleaseRepo, air_time_of
from bot.store.tables import EventLink, Release, Show

log = logging.getLogger(__name__)
EVENT_CAP = 100  # Discord's limit of scheduled events per guild
EVENING = time(20)  # when a release's air time is unknown
LENGTH = timedelta(hours=1)


@dataclass(frozen=True)
class Wanted:
    release_id: int
    name: str
    start: datetime
    location: str

    @property
    def made_for(self) -> str:
        """What the event link remembers: the start in UTC to the minute, so a new day, air
        time or guild zone all edit the event."""
        return self.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def wanted_events(
    store: Store, guild_id: int, defaults: Defaults, today: date
) -> list[Wanted] | None:
    """The events the guild should have, nearest first (None when it has events off)."""
    with store.session() as session:
        prefs = GuildSettingsRepo(session).effective(guild_id, defaults)
        if not prefs.events_enabled:
            return None
        cancelled = set(
            session.exec(
                select(Release.show_id).where(Release.kind == ReleaseKind.CANCELLATION)
            ).all()
        )
        rows = ReleaseRepo(session).upcoming(
            today, today + timedelta(days=365), followed_only=True, guild_id=guild_id
        )
    zone = ZoneInfo(prefs.timezone)
    wanted = []
    for release, show in rows:
        if (
            release.precision != Precision.DAY
            or release.window_start is None
            or release.show_id in cancelled
        ):
            continue
        assert release.id is not None and release.date_value is not None
        air = air_time_of(release) or AirTime(EVENING, None)
        at = air.on(release.window_start, zone)
        wanted.append(Wanted(release.id, _name(release, show), at, release.platform or "TV"))
    return sorted(wanted, key=lambda w: w.start)[:EVENT_CAP]


async def sync_events(
    guild: discord.Guild, store: Store, defaults: Defaults
) -> tuple[int, int, int]:
    """Creates, moves and deletes the guild's events to match the calendar; returns counts."""
    today = datetime.now(UTC).date()
    wanted = await asyncio.to_thread(wanted_events, store, guild.id, defaults, today)
    links = await asyncio.to_thread(_links, store, guild.id)
    keep = {w.release_id: w for w in wanted or []}
    created = moved = deleted = 0
    for release_id, link in links.items():
        if release_id not in keep:
            await _delete(guild, link.event_id)
            await asyncio.to_thread(_drop, store, guild.id, release_id)
            deleted += 1
    for want in keep.values():
        existing = links.get(want.release_id)
        if existing is None:
            event = await guild.create_scheduled_event(
                name=want.name, start_time=want.start, end_time=want.start + LENGTH,
                entity_type=discord.EntityType.external, location=want.location,
                privacy_level=discord.PrivacyLevel.guild_only,
            )  # fmt: skip
            created += 1
        elif existing.date_value != want.made_for:
            event = await guild.fetch_scheduled_event(existing.event_id)
            event = await event.edit(
                start_time=want.start, end_time=want.start + LENGTH, location=want.location
            )
            moved += 1
        else:
            continue
        await asyncio.to_thread(_put, store, guild.id, want, event.id)
    if created or moved or deleted:
        log.info(
            "events guild=%s created=%d moved=%d deleted=%d", guild.id, created, moved, deleted
        )
    return created, moved, deleted


def events_job(
    client: discord.Client, store: Store, config: FeedsConfig
) -> Callable[[], Awaitable[None]]:
    """The scheduler's events job: every guild, each failure logged and the rest carried on."""

    async def sync_all() -> None:
        for guild in client.guilds:
            try:
                await sync_events(guild, store, config.defaults)
            except Exception:
                log.exception("events sync failed guild=%s", guild.id)

    return sync_all


def _name(release: Release, show: Show) -> str:
    season = f" S{release.season}" if release.season else ""
    return f"{show.title}{season} {release.kind}"[:100]


async def _delete(guild: discord.Guild, event_id: int) -> None:
    try:
        event = await guild.fetch_scheduled_event(event_id)
        await event.delete()
    except discord.NotFound:
        pass  # someone deleted it by hand already


def _links(store: Store, guild_id: int) -> dict[int, EventLink]:
    with store.session() as session:
        return EventLinkRepo(session).of_guild(guild_id)


def _put(store: Store, guild_id: int, want: Wanted, event_id: int) -> None:
    with store.session() as session:
        EventLinkRepo(session).put(guild_id, want.release_id, event_id, want.made_for)


def _drop(store: Store, guild_id: int, release_id: int) -> None:
    with store.session() as session:
        EventLinkRepo(session).drop(guild_id, release_id)
