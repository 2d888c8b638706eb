"""The weekly digest: on a channel's chosen local weekday and time, the next 14 days of
followed releases plus the ones only known approximately."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from bot.config.schema import Defaults
from bot.domain.dates import ReleaseDate
from bot.domain.release import Precision, ReleaseKind
from bot.notify.countdown import GuildClock, countdown_day
from bot.notify.plan import date_fields
from bot.store.db import Store
from bot.store.digests import DigestRepo
from bot.store.guilds import GuildSettingsRepo
from bot.store.outbox import NewPost, OutboxRepo
from bot.store.tables import Follow, Release, Show

AHEAD = timedelta(days=14)
_SHOWN = (ReleaseKind.PREMIERE, ReleaseKind.RETURN, ReleaseKind.FINALE)


def digest_day(now: datetime, timezone: str, weekday: int, at: time) -> date | None:
    """The local day whose digest is due at `now` (the chosen weekday, at or after `at`)."""
    day = countdown_day(now, GuildClock(0, timezone, at))
    return day if day is not None and day.weekday() == weekday else None


def digest_post(
    guild_id: int, channel_id: int, day: date, releases: Iterable[tuple[Release, str]]
) -> NewPost:
    exact, approximate = [], []
    for release, title in sorted(releases, key=lambda r: (r[0].window_start or day, r[1])):
        when = ReleaseDate.parse(release.date_value)
        season = f" S{release.season}" if release.season else ""
        text = f"{title}{season} {release.kind}" + (
            f" on {release.platform}" if release.platform else ""
        )
        if when.precision == Precision.DAY and release.window_start is not None:
            if day <= release.window_start <= day + AHEAD:
                exact.append({"text": text, "date": date_fields(when)})
        elif when.precision != Precision.TBA:
            approximate.append({"text": text, "date": date_fields(when)})
    return NewPost(
        dedupe_key=f"digest:{channel_id}:{day.isoformat()}",
        guild_id=guild_id,
        channel_id=channel_id,
        kind="digest",
        payload={
            "kind": "digest",
            "day": day.isoformat(),
            "exact": exact,
            "approximate": approximate,
        },
    )


def queue_digests(store: Store, now: datetime, defaults: Defaults) -> int:
    """Queues the digests due at `now`; returns how many were new."""
    with store.session() as session:
        posts = []
        guilds = GuildSettingsRepo(session)
        for digest in DigestRepo(session).all():
            zone = guilds.effective(digest.guild_id, defaults).timezone
            day = digest_day(now, zone, digest.weekday, digest.at)
            if day is not None:
                releases = _followed_releases(session, digest.channel_id, day)
                posts.append(digest_post(digest.guild_id, digest.channel_id, day, releases))
        return len(OutboxRepo(session).enqueue(posts, now))


def _followed_releases(session: Session, channel_id: int, day: date) -> list[tuple[Release, str]]:
    followed = select(Follow.show_id).where(Follow.channel_id == channel_id)
    query = (
        select(Release, Show.title)
        .join(Show)
        .where(
            col(Release.show_id).in_(followed),
            col(Release.kind).in_(_SHOWN),
            col(Release.window_end) >= day,
        )
    )
    return list(session.exec(query).all())
