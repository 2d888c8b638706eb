"""Release dates as the news gives them: a day, a month, a season of a year, a year, or TBA."""

import calendar
from dataclasses import dataclass
from datetime import date

from bot.domain.release import Precision

SEASONS = ("spring", "summer", "fall", "winter")
YEAR_PARTS = ("early", "mid", "late")
_MONTH_ABBR = (
    "",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
# First and last month of each season or part of a year. Winter YYYY is the winter that
# *ends* in YYYY (Dec YYYY-1 to Feb YYYY), which is how TV schedules name it.
_SPANS = {
    "spring": (3, 5),
    "summer": (6, 8),
    "fall": (9, 11),
    "winter": (12, 2),
    "early": (1, 4),
    "mid": (5, 8),
    "late": (9, 12),
}


@dataclass(frozen=True)
class ReleaseDate:
    precision: Precision
    year: int | None = None
    month: int | None = None
    day: int | None = None
    part: str | None = None  # a season or part of the year, for season precision

    @classmethod
    def tba(cls) -> "ReleaseDate":
        return cls(Precision.TBA)

    @property
    def value(self) -> str | None:
        """The classify output form: 2026-03-03, 2026-03, 2026-fall, 2026, or None (TBA)."""
        if self.precision == Precision.DAY:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.precision == Precision.MONTH:
            return f"{self.year:04d}-{self.month:02d}"
        if self.precision == Precision.SEASON:
            return f"{self.year:04d}-{self.part}"
        if self.precision == Precision.YEAR:
            return f"{self.year:04d}"
        return None

    @classmethod
    def parse(cls, value: str | None) -> "ReleaseDate":
        """The inverse of `value`."""
        if not value:
            return cls.tba()
        head, _, rest = value.partition("-")
        year = int(head)
        if not rest:
            return cls(Precision.YEAR, year)
        if rest in _SPANS:
            return cls(Precision.SEASON, year, part=rest)
        month, _, day = rest.partition("-")
        if day:
            return cls(Precision.DAY, year, int(month), int(day))
        return cls(Precision.MONTH, year, int(month))

    def window(self) -> tuple[date, date] | None:
        """The first and last day the release may fall on (None when TBA)."""
        if self.year is None:
            return None
        year = self.year
        if self.precision == Precision.DAY:
            assert self.month and self.day
            day = date(year, self.month, self.day)
            return day, day
        if self.precision == Precision.MONTH:
            assert self.month
            return date(year, self.month, 1), _month_end(year, self.month)
        if self.precision == Precision.SEASON:
            assert self.part
            first, last = _SPANS[self.part]
            start_year = year - 1 if first > last else year
            return date(start_year, first, 1), _month_end(year, last)
        return date(year, 1, 1), date(year, 12, 31)

    def text(self) -> str:
        """Short words for a headline: "Mar 3", "in March", "in fall 2026", "in 2027"."""
        if self.precision == Precision.DAY:
            assert self.month
            return f"{_MONTH_ABBR[self.month]} {self.day}"
        if self.precision == Precision.MONTH:
            assert self.month
            return f"in {calendar.month_name[self.month]}"
        if self.precision == Precision.SEASON:
            return f"in {self.part} {self.year}"
        if self.precision == Precision.YEAR:
            return f"in {self.year}"
        return ""


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])
