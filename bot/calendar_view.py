"""The calendar as people read it: lines, JSON, and an RFC 5545 file for calendar apps."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import icalendar

from bot import PROJECT_URL
from bot.domain.dates import ReleaseDate
from bot.domain.release import Precision, ReleaseStatus
from bot.store.releases import ReleaseRepo
from bot.store.tables import Release, Show


@dataclass(frozen=True)
class Entry:
    """One release with what the calendar knows about it."""

    release: Release
    show: Show
    sources: list[dict[str, Any]]
    changes: int

    @property
    def date(self) -> ReleaseDate:
        return ReleaseDate.parse(self.release.date_value)

    @property
    def title(self) -> str:
        season = f" S{self.release.season}" if self.release.season else ""
        on = f" on {self.release.platform}" if self.release.platform else ""
        return f"{self.show.title}{season} {self.release.kind}{on}"

    def as_json(self) -> dict[str, Any]:
        return {
            "show": self.show.title,
            "season": self.release.season or None,
            "kind": self.release.kind,
            "date": self.release.date_value,
            "date_precision": self.release.precision,
            "platform": self.release.platform,
            "status": self.release.status,
            "date_changes": self.changes,
            "sources": self.sources,
        }

    def line(self) -> str:
        when = self.release.date_value or "TBA"
        count = len(self.sources)
        return (
            f"{when:<12} {self.title}  ({self.release.status}; {count} source{'s' * (count != 1)})"
        )


def entries(
    releases: ReleaseRepo,
    today: date,
    days: int,
    *,
    followed_only: bool,
    guild_id: int | None = None,
) -> list[Entry]:
    """Releases from today to `days` ahead, exact dates first, approximate ones after."""
    end = today + timedelta(days=days)
    rows = releases.upcoming(today, end, followed_only=followed_only, guild_id=guild_id)
    result = []
    for release, show in rows:
        assert release.id is not None
        sources = [
            {
                "source": source.name,
                "title": story.title,
                "url": story.url,
                "published": story.published_at.isoformat(),
            }
            for story, source in releases.sources(release.id)
        ]
        result.append(Entry(release, show, sources, len(releases.history(release.id))))
    exact = [e for e in result if e.release.precision == Precision.DAY]
    return exact + [e for e in result if e.release.precision != Precision.DAY]


def ics(items: list[Entry]) -> bytes:
    """All-day events for exact dates; coarser dates are listed in the calendar's description."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", f"-//premiere-bot//{PROJECT_URL}//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "TV premieres")
    approximate = []
    for item in items:
        window = item.date.window()
        if item.release.precision != Precision.DAY or window is None:
            approximate.append(f"{item.title}: {item.release.date_value or 'TBA'}")
            continue
        event = icalendar.Event()
        event.add("uid", f"release-{item.release.id}@premiere-bot")  # stable across exports
        event.add("summary", item.title)
        event.add("dtstart", window[0])
        event.add("dtend", window[0] + timedelta(days=1))
        event.add("dtstamp", item.release.updated_at)
        event.add("sequence", item.changes)  # bumped by every date change
        confirmed = item.release.status == ReleaseStatus.CONFIRMED
        event.add("status", "CONFIRMED" if confirmed else "TENTATIVE")
        lines = [f"{s['source']}: {s['title']} {s['url'] or ''}".strip() for s in item.sources]
        event.add("description", "\n".join(lines))
        calendar.add_component(event)
    if approximate:
        calendar.add("x-wr-caldesc", "Not yet dated: " + "; ".join(approximate))
        calendar.add("description", "Not yet dated: " + "; ".join(approximate))
    return calendar.to_ical()
