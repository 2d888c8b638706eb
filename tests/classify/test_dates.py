"""The date grammar, resolved against a publication day (Tuesday 24 November 2026)."""

from datetime import date

import pytest

from bot.classify.dates import find_dates

PUBLISHED = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("returns Thursday, Jan. 12 at 9/8c", "2027-01-12"),  # November story: next January
        ("premieres March 3, 2027 on Paramount+", "2027-03-03"),
        ("premieres Dec. 3rd", "2026-12-03"),
        ("on 3/3", "2027-03-03"),
        ("on 12/18/26", "2026-12-18"),
        ("airs tonight", "2026-11-24"),
        ("arrives tomorrow", "2026-11-25"),
        ("this Sunday", "2026-11-29"),
        ("next Thursday", "2026-12-03"),
        ("on Wednesday", "2026-11-25"),
        ("on Christmas Day", "2026-12-25"),
        ("on New Year's Eve", "2026-12-31"),
        ("on Thanksgiving", "2026-11-26"),
        ("in March", "2027-03"),
        ("next month", "2026-12"),
        ("this month", "2026-11"),
        ("March 2027", "2027-03"),
        ("this fall", "2026-fall"),
        ("in the summer", "2027-summer"),  # over, so next year's
        ("wrapped this summer", "2026-summer"),  # "this" one over is the one just gone
        ("this winter", "2027-winter"),
        ("summer 2026", "2026-summer"),
        ("next spring", "2027-spring"),
        ("early 2027", "2027-early"),
        ("mid-2027", "2027-mid"),
        ("later this year", "2026-late"),
        ("early next year", "2027-early"),
        ("in 2027", "2027"),
        ("delayed to 2028", "2028"),
        ("next year", "2027"),
        ("premiered Nov. 20", "2026-11-20"),  # a week back stays in the past
        ("for the week of Oct. 13-19", "2026-10-13"),  # six weeks back is still this year's
        ("returns Oct. 1", "2027-10-01"),  # further back it is next year's
        ("down from last fall", "2025-fall"),  # the latest one already over
        ("this past summer", "2026-summer"),
        ("last winter", "2026-winter"),  # Dec. 2025 to Feb. 2026
        ("returns this winter after a break", "2027-winter"),
    ],
)
def test_dates(text: str, expected: str) -> None:
    assert [d.date.value for d in find_dates(text, PUBLISHED)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "you may see it",
        "at 9 p.m. ET",
        "open 24/7",
        "9/8c",
        "Feb. 30",
        "in the fall of Rome",
        "13/45",
    ],
)
def test_not_dates(text: str) -> None:
    assert [d.date.value for d in find_dates(text, PUBLISHED) if d.date.precision == "day"] == []


@pytest.mark.parametrize(
    "text", ["returns strong after winter break", "back from its summer hiatus", "its fall finale"]
)
def test_season_words_naming_a_break_or_an_episode_are_no_dates(text: str) -> None:
    assert find_dates(text, PUBLISHED) == []


def test_air_time_is_not_a_date_and_the_date_beside_it_is() -> None:
    found = find_dates("Thursday, Jan. 12 at 9/8c on NBC", PUBLISHED)
    assert [d.date.value for d in found] == ["2027-01-12"]


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        (date(1, 1, 1), ["0001-01-08", "0001-12", "0002"]),  # "last winter" would be year 0
        (date(9999, 12, 31), ["9999-winter", "9999-12"]),  # "Jan. 8", "next year": year 10000
    ],
)
def test_dates_beyond_the_calendar_are_skipped(published: date, expected: list[str]) -> None:
    # A story dated at the calendar's edge: dates past it are no dates, and what does fit is
    # still read.
    texts = "premieres Jan. 8 on Apple TV+, down from last winter, in December, next year"
    assert [d.date.value for d in find_dates(texts, published)] == expected
