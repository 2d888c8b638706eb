"""When on its day a release airs, as the news writes it ("9/8c", "9 p.m. ET", "21:00")."""

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

# The zone names TV listings use, as IANA zones. Listings give the East Coast time first,
# so "9/8c" is 9 p.m. in New York.
ZONES = {
    "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
    "eastern": "America/New_York", "c": "America/New_York",
    "ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago",
    "central": "America/Chicago",
    "mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver",
    "mountain": "America/Denver",
    "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "gmt": "Europe/London", "bst": "Europe/London", "uk": "Europe/London",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
}  # fmt: skip
_SHORT = {
    "America/New_York": "ET", "America/Chicago": "CT", "America/Denver": "MT",
    "America/Los_Angeles": "PT", "Europe/London": "UK", "Australia/Sydney": "AET",
}  # fmt: skip


@dataclass(frozen=True)
class AirTime:
    at: time
    zone: str | None  # IANA name; None when the story gave no zone: read in the guild's

    def on(self, day: date, fallback: tzinfo) -> datetime:
        """The moment it airs on `day`, in its own zone or else in `fallback`."""
        return datetime.combine(day, self.at, tzinfo=ZoneInfo(self.zone) if self.zone else fallback)

    def text(self) -> str:
        """ "9 p.m. ET", "8:30 p.m.", "midnight PT"."""
        hour, minute = self.at.hour, self.at.minute
        if (hour, minute) == (0, 0):
            clock = "midnight"
        elif (hour, minute) == (12, 0):
            clock = "noon"
        else:
            shown = hour % 12 or 12
            clock = f"{shown}:{minute:02d}" if minute else str(shown)
            clock += " a.m." if hour < 12 else " p.m."
        zone = _SHORT.get(self.zone, self.zone) if self.zone else None
        return f"{clock} {zone}" if zone else clock
