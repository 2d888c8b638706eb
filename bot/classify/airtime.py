"""Air times in TV news: "9/8c", "9 p.m. ET/PT", "8:30pm", "at 9 Eastern", "at 21:00",
"at midnight PT". Only read beside a release's day (see the classifier)."""

import re
from dataclasses import dataclass
from datetime import time

from bot.domain.airtime import ZONES, AirTime

# Zone abbreviations are matched in capitals only: "ET" is a zone, "et" is not.
_ZONE = (
    r"(?:\s*\(?(?P<zone>(?-i:E[SD]?T|C[SD]?T|M[SD]?T|P[SD]?T|GMT|BST|AE[SD]T)"
    r"|eastern|central|mountain|pacific|UK)\b(?:\s+time)?)?"
)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # "9/8c", "8:30/7:30c": Eastern first, Central after; listings mean the evening.
    (
        "listing",
        re.compile(r"\b(?P<h>\d{1,2})(?::(?P<m>[0-5]\d))?\s*/\s*\d{1,2}(?::[0-5]\d)?\s*c\b", re.I),
    ),
    (
        "clock",
        re.compile(
            rf"\b(?P<h>\d{{1,2}})(?:[:.](?P<m>[0-5]\d))?\s*(?P<half>[ap])\.?\s?m\b\.?{_ZONE}", re.I
        ),
    ),
    ("named", re.compile(rf"\b(?P<word>midnight|noon){_ZONE}", re.I)),
    # "at 9 Eastern": an hour and a zone, no a.m./p.m.: prime time.
    (
        "zoned_hour",
        re.compile(
            r"\bat\s+(?P<h>\d{1,2})(?::(?P<m>[0-5]\d))?\s+"
            r"(?P<zone>(?-i:E[SD]?T|C[SD]?T|P[SD]?T)|eastern|central|pacific)\b",
            re.I,
        ),
    ),
    # "at 21:00", "from 20.30 GMT": a 24-hour clock, evening hours only ("at 9:00" is unclear).
    ("24h", re.compile(rf"\b(?:at|from)\s+(?P<h>1[3-9]|2[0-3])[:.](?P<m>[0-5]\d)\b{_ZONE}", re.I)),
]


@dataclass(frozen=True)
class TimeMention:
    air: AirTime
    start: int  # character span in the text searched
    end: int


def find_air_times(text: str) -> list[TimeMention]:
    """Every air time in `text`, in order; overlapping forms count once."""
    found: list[TimeMention] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            if any(match.start() < m.end and m.start < match.end() for m in found):
                continue
            at = _clock(kind, match.groupdict())
            if at is not None:
                air = AirTime(at, _zone(kind, match.groupdict().get("zone")))
                found.append(TimeMention(air, match.start(), match.end()))
    return sorted(found, key=lambda m: m.start)


def _clock(kind: str, groups: dict[str, str | None]) -> time | None:
    if kind == "named":
        return time(0) if (groups["word"] or "").lower() == "midnight" else time(12)
    hour, minute = int(groups["h"] or 0), int(groups["m"] or 0)
    if kind == "clock":
        if not 1 <= hour <= 12:
            return None
        pm = (groups["half"] or "").lower() == "p"
        hour = hour % 12 + (12 if pm else 0)
    elif kind in ("listing", "zoned_hour"):
        if not 1 <= hour <= 11:
            return None  # "12/11c" would be the next day's midnight: too unclear to use
        hour += 12
    return time(hour, minute)


def _zone(kind: str, written: str | None) -> str | None:
    if kind == "listing":
        return ZONES["c"]
    return ZONES.get(written.lower()) if written else None
