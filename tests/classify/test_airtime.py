"""Air times: the forms listings use, and which time belongs to which release."""

from datetime import date, time
from pathlib import Path

import pytest

from bot.classify.airtime import find_air_times
from bot.classify.classifier import Classifier
from bot.classify.cli import load_catalogue
from bot.domain.airtime import AirTime

NY, LA, LONDON = "America/New_York", "America/Los_Angeles", "Europe/London"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("returns Thursday at 9/8c on NBC", AirTime(time(21), NY)),
        ("at 8:30/7:30c", AirTime(time(20, 30), NY)),
        ("premieres at 9 p.m. ET/PT", AirTime(time(21), NY)),
        ("airs 10:30 p.m. Pacific time", AirTime(time(22, 30), LA)),
        ("at 8pm", AirTime(time(20), None)),
        ("at 12 p.m. ET", AirTime(time(12), NY)),
        ("at 12 a.m.", AirTime(time(0), None)),
        ("at 9 Eastern", AirTime(time(21), NY)),
        ("from 21:00 GMT on BBC One", AirTime(time(21), LONDON)),
        ("at 20.30", AirTime(time(20, 30), None)),
        ("drops at midnight PT", AirTime(time(0), LA)),
        ("at 9 p.m. (ET)", AirTime(time(21), NY)),
    ],
)
def test_air_time_forms(text: str, expected: AirTime) -> None:
    assert [m.air for m in find_air_times(text)] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "on 3/3 at 9",  # no half of the day, no zone
        "the 12/11c slot",  # the next day's midnight: unclear
        "at 9:00",  # morning or evening?
        "season 2 et al",  # "et" is not a zone
        "at 13 p.m.",
        "episodes 9/10",
    ],
)
def test_not_air_times(text: str) -> None:
    assert find_air_times(text) == []


@pytest.mark.parametrize(
    ("air", "text"),
    [
        (AirTime(time(21), NY), "9 p.m. ET"),
        (AirTime(time(20, 30), None), "8:30 p.m."),
        (AirTime(time(0), LA), "midnight PT"),
        (AirTime(time(9, 5), "Asia/Tokyo"), "9:05 a.m. Asia/Tokyo"),
    ],
)
def test_air_time_text(air: AirTime, text: str) -> None:
    assert air.text() == text


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_catalogue(Path(__file__).parent / "shows.yaml"))


PUBLISHED = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("title", "summary", "expected"),
    [
        (
            "Chicago Fire Season 15 Returns Jan. 6",
            "The NBC drama comes back Wednesday, Jan. 6 at 9/8c.",
            [("Chicago Fire", "2027-01-06", AirTime(time(21), NY))],
        ),
        (
            "Abbott Elementary Season 6 Premiere Date Set",
            "ABC's comedy returns Feb. 3. New episodes air Wednesdays at 8:30 p.m. ET.",
            [("Abbott Elementary", "2027-02-03", AirTime(time(20, 30), NY))],
        ),
        (  # a time two sentences away belongs to something else
            "Matlock Season 3 Premieres Feb. 10 on CBS",
            "Kathy Bates returns. The cast talked to reporters. A panel follows at 10 a.m. PT.",
            [("Matlock", "2027-02-10", None)],
        ),
        (  # no day, no air time
            "Chicago Fire Returns in January at 9/8c",
            "NBC set the return for January.",
            [("Chicago Fire", "2027-01", None)],
        ),
    ],
)
def test_classifier_reads_air_time_beside_the_day(
    classifier: Classifier, title: str, summary: str, expected: list[tuple[str, str, AirTime]]
) -> None:
    facts = classifier.classify(title, summary, PUBLISHED).facts
    assert [(f.show.title, f.date.value, f.air_time) for f in facts] == expected
    assert all("air_time" not in f.as_json() for f in facts)  # the CLI's schema is fixed
