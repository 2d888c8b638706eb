"""A focused date grammar: the ways TV news writes a release date, resolved against the day
the story was published. Run only near a matched show, never over every word of every story."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.dates import ReleaseDate
from bot.domain.release import Precision

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
WEEKDAY = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?(?![a-z])\.?"
# Verbs that make a bare weekday a release day ("premieres Sunday").
RELEASE_VERB = (
    r"premieres?|returns?|debuts?|arrives?|airs?|drops?|launch(?:es)?|bows?|streams?|lands?|hits"
)
_SEASON_WORDS = {"spring": "spring", "summer": "summer", "fall": "fall", "autumn": "fall",
                 "winter": "winter"}  # fmt: skip

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<y>20\d\d)-(?P<m>\d{2})-(?P<d>\d{2})\b")),
    (
        "month_day",
        re.compile(
            rf"\b(?:{WEEKDAY},?\s+)?{MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d|:|\s*(?:a\.?m|p\.?m))"
            rf"(?:,?\s+(?P<year>20\d\d))?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "numeric",
        re.compile(r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?(?![\d/c])"),
    ),
    (
        "day_month",  # British order: "Saturday 3 October", "3rd October 2026"
        re.compile(
            rf"\b(?:{WEEKDAY},?\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{MONTH}"
            rf"(?:,?\s+(?P<year>20\d\d))?\b",
            re.IGNORECASE,
        ),
    ),
    ("relative_day", re.compile(r"\b(?P<word>tonight|today|tomorrow)\b", re.IGNORECASE)),
    (
        "weekday",
        re.compile(
            rf"\b(?P<which>this|next|on|this coming|{RELEASE_VERB}|season|finale|premiere)\s+"
            rf"(?P<weekday>{WEEKDAY})"
            rf"(?!,?\s+{MONTH}|,?\s+\d)",
            re.IGNORECASE,
        ),
    ),
    (
        "holiday",
        re.compile(
            r"\b(?:(?P<prep>on|for|by|until|this|before|after|over)\s+)?"
            r"(?P<holiday>christmas(?: day| eve)?|new year['’]?s (?:day|eve)"
            r"|thanksgiving(?: day)?|halloween|valentine['’]?s day|(?:the )?fourth of july"
            r"|july 4th|boxing day)\b",
            re.IGNORECASE,
        ),
    ),
    ("month_year", re.compile(rf"\b{MONTH}\s+(?P<year>20\d\d)\b", re.IGNORECASE)),
    (
        "relative_month",
        re.compile(
            r"\b(?P<which>next month|this month|later this month|end of the month)\b", re.IGNORECASE
        ),
    ),
    (
        "month",
        re.compile(
            rf"\b(?:in|this|next|until|by|for|to|early|late|mid-?|end of|coming)\s+"
            rf"{MONTH}\b(?!\s+\d)",
            re.IGNORECASE,
        ),
    ),
    (
        "season",
        re.compile(
            r"\b(?:(?P<which>this|next|early|late|later this|last|this past)\s+)?"
            r"(?P<season>spring|summer|fall|autumn|winter)"
            r"(?:\s+(?:of\s+)?(?P<year>20\d\d))?\b"
            # "after winter break", "its fall finale" (an episode's name): no date
            r"(?!\s+(?:break|hiatus|vacation|holidays?|finale)\b)",
            re.IGNORECASE,
        ),
    ),
    (
        "part_of_year",
        re.compile(
            r"\b(?P<part>early|mid|late|later|end of|beginning of|start of)[-\s]+"
            r"(?:(?P<year>20\d\d)|(?P<rel>this year|next year))\b",
            re.IGNORECASE,
        ),
    ),
    (
        "year_release",  # "a 2027 release", "its 2028 premiere"
        re.compile(
            r"\b(?P<year>20\d\d)\s+(?=(?:release|premiere|debut|launch|return)\b)", re.IGNORECASE
        ),
    ),
    (
        "month_release",  # "sets November premiere"
        re.compile(
            rf"\b{MONTH}\s+(?=(?:premiere|return|debut|launch|finale|release)\b)", re.IGNORECASE
        ),
    ),
    ("relative_year", re.compile(r"\b(?P<which>next year|this year)\b", re.IGNORECASE)),
    (
        "year",
        re.compile(
            r"\b(?:in|by|for|until|to|during|sometime in|coming|targets?|targeting|eyes|eyeing)"
            r"\s+(?P<year>20\d\d)\b",
            re.IGNORECASE,
        ),
    ),
]
# Words at least one of which a text must hold for a pattern to match: searching for them
# is far cheaper than the pattern's own scan, and most stories hold few kinds of date.
_DIGITS = tuple("0123456789")
_MONTH_STEMS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_TRIGGERS: dict[str, tuple[str, ...]] = {
    "iso": _DIGITS, "month_day": _DIGITS, "numeric": _DIGITS, "day_month": _DIGITS,
    "month_year": _DIGITS, "year_release": _DIGITS, "year": _DIGITS,
    "relative_day": ("tonight", "today", "tomorrow"),
    "weekday": ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
    "holiday": ("christmas", "new year", "thanksgiving", "halloween", "valentine", "july",
                "boxing"),
    "relative_month": ("month",), "month": _MONTH_STEMS, "month_release": _MONTH_STEMS,
    "season": ("spring", "summer", "fall", "autumn", "winter"),
    "part_of_year": ("early", "mid", "late", "end of", "beginning of", "start of"),
    "relative_year": ("year",),
}  # fmt: skip
# One compiled search per pattern for its words: one call instead of a loop over them.
_TRIGGER_SEARCH = {
    kind: re.compile("|".join(map(re.escape, words))).search for kind, words in _TRIGGERS.items()
}
_PARTS = {"early": "early", "beginning of": "early", "start of": "early", "mid": "mid",
          "late": "late", "later": "late", "end of": "late"}  # fmt: skip


CALENDAR_KINDS = frozenset(
    {"iso", "month_day", "day_month", "numeric", "month_year"}
)  # written as a date
# Dates that read as "when the news happened" unless a release verb stands beside them.
RELATIVE_KINDS = frozenset({"weekday", "relative_day"})
# How far behind the story an unyeared day may be and still be this year's (a past event):
# release dates are rarely given more than ten months ahead.
_RECENT_PAST = timedelta(days=45)


@dataclass(frozen=True)
class DateMention:
    date: ReleaseDate
    start: int  # character span in the text searched
    end: int
    rolled: bool  # no year was written, so one was chosen
    kind: str


def find_dates(text: str, published: date) -> list[DateMention]:
    """Every release-like date in `text`, most specific first where spans overlap."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    lowered = text.lower()
    for kind, pattern in _PATTERNS:
        if not _TRIGGER_SEARCH[kind](lowered):
            continue
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            try:
                resolved = _resolve(kind, match, published)
                if resolved is not None:
                    resolved[0].window()  # its days must exist too
            except (ValueError, OverflowError):
                resolved = None  # past year 9999 or before year 1: a story dated 9999-12-31
            if resolved is None:
                continue
            value, rolled = resolved
            taken.append((match.start(), match.end()))
            found.append(DateMention(value, match.start(), match.end(), rolled, kind))
    return sorted(found, key=lambda d: d.start)


def _resolve(kind: str, match: re.Match[str], published: date) -> tuple[ReleaseDate, bool] | None:
    groups = match.groupdict()
    if kind == "iso":
        return _day(published, int(groups["m"]), int(groups["d"]), int(groups["y"]))
    if kind in ("month_day", "day_month", "numeric"):
        if kind in ("month_day", "day_month"):
            month, day, year = (
                _MONTHS[groups["month"][:3].lower()],
                int(groups["day"]),
                groups["year"],
            )
        else:
            month, day, year = int(groups["m"]), int(groups["d"]), groups["y"]
            if year and len(year) == 2:
                year = "20" + year
        return _day(published, month, day, int(year) if year else None)
    if kind == "relative_day":
        offset = 1 if groups["word"].lower() == "tomorrow" else 0
        return _exact(published + timedelta(days=offset)), False
    if kind == "weekday":
        target = _WEEKDAYS[groups["weekday"][:3].lower()]
        ahead = (target - published.weekday()) % 7
        if groups["which"].lower() == "next":  # the weekday of the following week
            ahead = ahead + 7 if ahead < 7 - published.weekday() else ahead
        return _exact(published + timedelta(days=ahead)), True
    if kind == "holiday":
        if not groups["prep"]:
            return None  # "the Christmas episode": a description, not a date
        return _holiday(groups["holiday"].lower(), published), True
    if kind == "month_year":
        return ReleaseDate(
            Precision.MONTH, int(groups["year"]), _MONTHS[groups["month"][:3].lower()]
        ), False
    if kind == "relative_month":
        month = published.month + (1 if groups["which"].lower() == "next month" else 0)
        year = published.year + (month - 1) // 12
        return ReleaseDate(Precision.MONTH, year, (month - 1) % 12 + 1), False
    if kind in ("month", "month_release"):
        month = _MONTHS[groups["month"][:3].lower()]
        year = published.year + (1 if month < published.month else 0)
        return ReleaseDate(Precision.MONTH, year, month), True
    if kind == "season":
        return _season(groups, published)
    if kind == "part_of_year":
        year = (
            int(groups["year"])
            if groups["year"]
            else published.year + (1 if groups["rel"].lower() == "next year" else 0)
        )
        return ReleaseDate(Precision.SEASON, year, part=_PARTS[groups["part"].lower()]), False
    if kind == "relative_year":
        offset = 1 if groups["which"].lower() == "next year" else 0
        return ReleaseDate(Precision.YEAR, published.year + offset), False
    if kind in ("year", "year_release"):
        return ReleaseDate(Precision.YEAR, int(groups["year"])), False
    return None


def _exact(day: date) -> ReleaseDate:
    return ReleaseDate(Precision.DAY, day.year, day.month, day.day)


def _day(
    published: date, month: int, day: int, year: int | None
) -> tuple[ReleaseDate, bool] | None:
    if not 1 <= month <= 12:
        return None
    rolled = year is None
    if year is None:
        year = published.year
        # A date more than six weeks behind the story is next year's ("Jan. 8" in November);
        # a nearer one is a recent past event ("the week of Oct. 13-19" on Oct. 21), left there.
        # (Subtracting from `published` would underflow for a story dated in year 1.)
        if _valid(year, month, day) and published - date(year, month, day) > _RECENT_PAST:
            year += 1
    if not _valid(year, month, day):
        return None
    return _exact(date(year, month, day)), rolled


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _holiday(name: str, published: date) -> ReleaseDate:
    def upcoming(month: int, day: int) -> date:
        candidate = date(published.year, month, day)
        return candidate if candidate >= published else date(published.year + 1, month, day)

    if name.startswith("christmas eve"):
        return _exact(upcoming(12, 24))
    if name.startswith("christmas"):
        return _exact(upcoming(12, 25))
    if name.startswith("boxing"):
        return _exact(upcoming(12, 26))
    if "eve" in name and name.startswith("new year"):
        return _exact(upcoming(12, 31))
    if name.startswith("new year"):
        return _exact(upcoming(1, 1))
    if name.startswith("halloween"):
        return _exact(upcoming(10, 31))
    if name.startswith("valentine"):
        return _exact(upcoming(2, 14))
    if name.startswith("thanksgiving"):
        year = published.year if published <= _thanksgiving(published.year) else published.year + 1
        return _exact(_thanksgiving(year))
    return _exact(upcoming(7, 4))


def _thanksgiving(year: int) -> date:
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


def _season(groups: dict[str, str | None], published: date) -> tuple[ReleaseDate, bool]:
    season = _SEASON_WORDS[(groups["season"] or "").lower()]
    which = (groups["which"] or "").lower()
    if groups["year"]:
        return ReleaseDate(Precision.SEASON, int(groups["year"]), part=season), False
    year = published.year
    if which in ("last", "this past"):
        # The latest one already over ("down from last fall"): a past date, never a release.
        while (window := ReleaseDate(Precision.SEASON, year, part=season).window()) and (
            window[1] >= published
        ):
            year -= 1
        return ReleaseDate(Precision.SEASON, year, part=season), True
    if season == "winter":
        # The coming winter is named by the year it ends in.
        year += 1 if published.month >= 6 else 0
    else:
        _, end = ReleaseDate(Precision.SEASON, year, part=season).window() or (None, published)
        # "this fall" once fall is over is the one just gone ("filming wrapped this fall").
        if (end < published and which != "this") or which == "next":
            year += 1
    return ReleaseDate(Precision.SEASON, year, part=season), True
