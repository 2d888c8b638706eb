"""The calendar's rules for a new date, as a table of cases."""

from datetime import UTC, datetime

import pytest

from bot.domain.calendar import Change, Known, decide, within
from bot.domain.dates import ReleaseDate

EARLIER = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def d(value: str | None) -> ReleaseDate:
    return ReleaseDate.parse(value)


def known(value: str | None, manual: bool = False, dated_by: datetime = EARLIER) -> Known:
    return Known(d(value), manual, dated_by)


@pytest.mark.parametrize(
    ("current", "incoming", "moved", "published", "change", "holds"),
    [
        (None, "2027-03-03", False, NOW, Change.NEW, "2027-03-03"),
        (known("2027-03"), "2027-03-03", False, NOW, Change.REFINED, "2027-03-03"),
        (known("2027-spring"), "2027-04", False, NOW, Change.REFINED, "2027-04"),
        (known("2027"), "2027-fall", False, NOW, Change.REFINED, "2027-fall"),
        (known(None), "2027-03-03", False, NOW, Change.REFINED, "2027-03-03"),
        (known("2027-03-03"), "2027-03", False, NOW, Change.SAME, "2027-03-03"),
        (known("2027-03-03"), "2027", False, NOW, Change.SAME, "2027-03-03"),
        (known("2027-03-03"), "2027-03-03", False, NOW, Change.SAME, "2027-03-03"),
        (known("2027-03-03"), None, False, NOW, Change.SAME, "2027-03-03"),
        (known("2027-03-03"), "2027-03-10", False, NOW, Change.MOVED, "2027-03-10"),
        (known("2027-03"), "2027-05", False, NOW, Change.MOVED, "2027-05"),
        (known("2027-03-03"), "2027-05", False, NOW, Change.IGNORED, "2027-03-03"),
        (known("2027-03-03"), "2028", True, NOW, Change.MOVED, "2028"),
        (
            known("2027-03-03"),
            "2027-03-10",
            False,
            datetime(2026, 10, 1, tzinfo=UTC),
            Change.IGNORED,
            "2027-03-03",
        ),
        (known("2027-03-03", manual=True), "2027-03-10", True, NOW, Change.IGNORED, "2027-03-03"),
    ],
)
def test_decide(
    current: Known | None,
    incoming: str,
    moved: bool,
    published: datetime,
    change: Change,
    holds: str,
) -> None:
    decision = decide(current, d(incoming), published, moved)
    assert (decision.change, decision.date.value) == (change, holds)


def test_precision_only_goes_up() -> None:
    """Whatever order stories arrive in, a refined date is never replaced by a vaguer one."""
    state: Known | None = None
    for value in ["2027", "2027-spring", "2027-03", "2027-03-03", "2027-03", "2027"]:
        decision = decide(state, d(value), NOW, moved=False)
        state = Known(decision.date, False, NOW)
    assert state is not None and state.date.value == "2027-03-03"


def test_within() -> None:
    assert within(d("2027-03-03"), d("2027-spring")) and within(d("2027-01-05"), d("2027-winter"))
    assert not within(d("2027-06-03"), d("2027-spring")) and within(d("2027"), d(None))
