"""Countdowns: at each guild's local hour, one post per channel for the followed releases
that are a milestone number of days away. Pure: the clock and the data are passed in."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.airtime import AirTime
from bot.domain.dates import ReleaseDate
from bot.notify.plan import date_fields
from bot.store.outbox import NewPost

# After downtime, today's countdown is still posted if its hour passed less than this ago;
# a day that is over never gets one.
GRACE = timedelta(hours=4)
_VERBS = {"premiere": "premieres", "return": "returns", "finale": "finale airs"}


@dataclass(frozen=True)
class GuildClock:
    guild_id: int
    timezone: str
    hour: time


@dataclass(frozen=True)
class Upcoming:
    """A followed exact-date release, as a channel sees it."""

    channel_id: int
    role_id: int | None
    show: str
    season: int
    kind: str
    day: date
    platform: str | None
    air: AirTime | None = None


def countdown_day(now: datetime, guild: GuildClock, grace: timedelta = GRACE) -> date | None:
    """The local day whose countdown is due at `now`, if any."""
    zone = ZoneInfo(guild.timezone)
    local = now.astimezone(zone)
    at = datetime.combine(local.date(), guild.hour, tzinfo=zone)
    return local.date() if at <= local < at + grace else None


def countdown_text(item: Upcoming, days: int) -> str:
    """ "Picard S2 returns in 12 days - Thu, Mar 3 at 9 p.m. ET on Paramount+"."""
    return _phrase(item.show, item.season, item.kind, item.day, item.platform, item.air, days)


@lru_cache(maxsize=4096)  # a countdown pass says the same few things in thousands of channels
def _phrase(show: str, season: int, kind: str, day: date, platform: str | None,
            air: AirTime | None, days: int) -> str:  # fmt: skip
    number = f" S{season}" if season else ""
    verb = _VERBS.get(kind, kind)
    when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
    at = f" at {air.text()}" if air else ""
    on = f" on {platform}" if platform else ""
    return f"{show}{number} {verb} {when} - {day:%a, %b} {day.day}{at}{on}"


@lru_cache(maxsize=4096)
def _day_fields(day: date, air: AirTime | None) -> dict[str, Any]:
    """The date of an item, computed once per release day: a countdown pass gives the same
    few releases to thousands of channels. Shared between posts, so never mutated."""
    return date_fields(ReleaseDate.parse(day.isoformat()), air)


def countdown_posts(
    day: date, guild: GuildClock, items: Iterable[Upcoming], milestones: Sequence[int]
) -> list[NewPost]:
    """One post per channel grouping its releases at a milestone on `day`."""
    by_channel: dict[int, list[tuple[int, Upcoming]]] = {}
    for item in items:
        days = (item.day - day).days
        if days in milestones:
            by_channel.setdefault(item.channel_id, []).append((days, item))
    posts = []
    for channel_id, due in sorted(by_channel.items()):
        due.sort(key=lambda pair: (pair[0], pair[1].show))
        role = next((item.role_id for _, item in due if item.role_id), None)
        posts.append(
            NewPost(
                dedupe_key=f"countdown:{channel_id}:{day.isoformat()}",
                guild_id=guild.guild_id,
                channel_id=channel_id,
                kind="countdown",
                payload={
                    "kind": "countdown",
                    "day": day.isoformat(),
                    "role_id": role,
                    "items": [
                        {
                            "text": countdown_text(item, days),
                            "days": days,
                            "date": _day_fields(item.day, item.air),
                        }
                        for days, item in due
                    ],
                },
            )
        )
    return posts
