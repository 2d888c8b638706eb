"""What to post, as pure functions: story alerts and date-change posts for followers.

Dedupe keys make each post at most once whatever restarts happen: an alert is keyed by the
fact it states (the same news from ten sources alerts once) or, for a story without a fact,
by its cross-source fingerprint.
"""

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from bot.domain.airtime import AirTime
from bot.domain.dates import ReleaseDate
from bot.domain.release import AlertMode, Precision
from bot.store.outbox import NewPost

EXCERPT = 280
# A date with no time is shown at noon UTC: <t:..:D> then reads as the same calendar day
# in every time zone from UTC-11 to UTC+11.
_DISPLAY_TIME = time(12)


@dataclass(frozen=True)
class Follower:
    guild_id: int
    channel_id: int
    since: datetime
    mode: AlertMode
    role_id: int | None = None


@dataclass(frozen=True)
class FactNews:
    show: str
    headline: str
    event: str
    season: int | None
    date: ReleaseDate
    platform: str | None
    air_time: AirTime | None = None


@dataclass(frozen=True)
class StoryNews:
    """A newly classified story, as alerts need it."""

    story_id: int
    title: str
    url: str | None
    summary: str
    source: str
    published: datetime
    first_seen: datetime
    backlog: bool
    fingerprint: str
    shows: Mapping[int, Sequence[FactNews]]  # show id -> the facts stated about it (may be none)


def date_fields(when: ReleaseDate, air: AirTime | None = None) -> dict[str, Any]:
    """How a post carries a date: a Unix time for exact days (Discord shows it in each
    reader's zone), words for the rest ("fall 2026"). With an air time in a known zone the
    Unix time is the moment it airs; without a zone the time travels as words."""
    fields: dict[str, Any] = {"value": when.value, "precision": str(when.precision)}
    window = when.window()
    if when.precision == Precision.DAY and window is not None:
        if air is not None and air.zone is not None:
            fields["timestamp"] = int(air.on(window[0], UTC).timestamp())
            fields["timed"] = True
        else:
            moment = datetime.combine(window[0], _DISPLAY_TIME)
            fields["timestamp"] = calendar.timegm(moment.timetuple())
        if air is not None:
            fields["time"] = air.text()
    else:
        fields["text"] = when.text().removeprefix("in ").capitalize() or "TBA"
    return fields


def alert_posts(news: StoryNews, followers: Mapping[int, Iterable[Follower]]) -> list[NewPost]:
    """One alert per channel following a show the story is about, for stories first seen
    after the channel began following. Backlog never alerts."""
    if news.backlog:
        return []
    posts = []
    for show_id, facts in news.shows.items():
        for follower in followers.get(show_id, ()):
            if follower.since > news.first_seen:
                continue
            if follower.mode == AlertMode.DATES and not facts:
                continue
            cluster = _cluster(show_id, facts, news.fingerprint)
            posts.append(
                NewPost(
                    dedupe_key=f"alert:{follower.channel_id}:{cluster}",
                    guild_id=follower.guild_id,
                    channel_id=follower.channel_id,
                    kind="alert",
                    payload=_alert_payload(news, facts, follower),
                )
            )
    return posts


def joined(alert: dict[str, Any], report: dict[str, Any]) -> dict[str, Any] | None:
    """The alert with another site's report of the same news added to its sources ("also"),
    or None when that site is on it already."""
    also = alert.get("also", [])
    source = report.get("source")
    if source == alert.get("source") or any(other["source"] == source for other in also):
        return None
    return {**alert, "also": [*also, {"source": source, "url": report.get("url")}]}


def edit_post(key: str, guild_id: int, channel_id: int, alert: dict[str, Any]) -> NewPost:
    """An edit of the sent alert `key` to show its sources now (one per source added)."""
    return NewPost(
        dedupe_key=f"edit:{key}:{len(alert.get('also', []))}",
        guild_id=guild_id,
        channel_id=channel_id,
        kind="edit",
        payload={**alert, "edits": key},
    )


def change_posts(
    show: str,
    headline: str,
    release_id: int,
    history_id: int,
    old: ReleaseDate,
    new: ReleaseDate,
    followers: Iterable[Follower],
) -> list[NewPost]:
    """ "Picard S2 moves to Mar 10 (was Mar 3)" for every channel following the show."""
    text = f"{headline} (was {old.text().removeprefix('in ') or 'TBA'})"
    return [
        NewPost(
            dedupe_key=f"change:{f.channel_id}:{release_id}:{history_id}",
            guild_id=f.guild_id,
            channel_id=f.channel_id,
            kind="change",
            payload={
                "kind": "change",
                "show": show,
                "headline": text,
                "date": date_fields(new),
                "was": date_fields(old),
                "role_id": f.role_id,
            },
        )
        for f in followers
    ]


def _cluster(show_id: int, facts: Sequence[FactNews], fingerprint: str) -> str:
    if not facts:
        return f"story:{fingerprint[:32]}"
    fact = facts[0]
    return f"fact:{show_id}:{fact.event}:{fact.season or 0}:{fact.date.value or 'tba'}"


def _alert_payload(
    news: StoryNews, facts: Sequence[FactNews], follower: Follower
) -> dict[str, Any]:
    fact = facts[0] if facts else None
    payload: dict[str, Any] = {
        "kind": "alert",
        "headline": fact.headline if fact else news.title,
        "title": news.title,
        "url": news.url,
        "source": news.source,
        "published": news.published.isoformat(),
        "excerpt": _excerpt(news.summary),
        "role_id": follower.role_id,
    }
    if fact is not None:
        payload |= {
            "show": fact.show,
            "platform": fact.platform,
            "date": date_fields(fact.date, fact.air_time),
        }
    return payload


def _excerpt(summary: str) -> str:
    if len(summary) <= EXCERPT:
        return summary
    cut = summary[: EXCERPT - 1].rsplit(" ", 1)[0]
    return cut + "…"
