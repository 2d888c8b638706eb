"""When sources are polled next: spread, backoff, Retry-After, max-age, broken."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.polling import (
    CLAIM_LEASE,
    after_failure,
    after_success,
    is_broken,
    is_due,
    is_quiet,
    next_slot,
    retry_time,
    site_of,
    spread_offset,
)

NOW = datetime(2026, 11, 24, 12, 0, 7, tzinfo=UTC)
QUARTER = timedelta(minutes=15)


def test_sources_are_spread_over_the_interval() -> None:
    offsets = {spread_offset(f"https://site{i}.example/feed", QUARTER) for i in range(200)}
    assert len(offsets) > 150  # not all at once
    assert all(timedelta(0) <= o < QUARTER for o in offsets)


@given(url=st.text(min_size=1), minutes=st.integers(1, 24 * 60), seconds=st.integers(0, 10**8))
def test_next_slot_is_within_one_interval_and_stable(url: str, minutes: int, seconds: int) -> None:
    interval = timedelta(minutes=minutes)
    now = NOW + timedelta(seconds=seconds)
    slot = next_slot(now, interval, url)
    assert now < slot <= now + interval
    assert next_slot(slot - timedelta(microseconds=1), interval, url) == slot


@pytest.mark.parametrize(
    ("failures", "retry_after", "delay"),
    [
        (1, None, timedelta(minutes=30)),
        (2, None, timedelta(hours=1)),
        (5, None, timedelta(hours=8)),
        (7, None, timedelta(hours=24)),
        (400, None, timedelta(hours=24)),
        (1, timedelta(hours=3), timedelta(hours=3)),
        (1, timedelta(seconds=5), timedelta(minutes=30)),
        (1, timedelta(days=9), timedelta(hours=24)),
    ],
)
def test_backoff(failures: int, retry_after: timedelta | None, delay: timedelta) -> None:
    assert after_failure(NOW, QUARTER, failures, retry_after) == NOW + delay


@pytest.mark.parametrize(
    ("max_age", "earliest"),
    [
        (None, None),
        (timedelta(seconds=30), None),
        (timedelta(minutes=40), timedelta(minutes=40)),
        (timedelta(days=1), timedelta(hours=1)),
    ],
)
def test_max_age_is_honoured_up_to_four_intervals(
    max_age: timedelta | None, earliest: timedelta | None
) -> None:
    nxt = after_success(NOW, QUARTER, "https://a.example/", max_age)
    slot = next_slot(NOW, QUARTER, "https://a.example/")
    assert nxt == (max(slot, NOW + earliest) if earliest else slot)


def test_broken_after_three_days_or_at_once_when_gone() -> None:
    assert not is_broken(None, None, NOW)
    assert not is_broken(NOW - timedelta(days=2, hours=23), 503, NOW)
    assert is_broken(NOW - timedelta(days=3), 503, NOW)
    assert is_broken(NOW, 410, NOW)
    assert not is_broken(None, 410, NOW)  # a 410 answered before the feed came back


def test_quiet_after_two_weeks_without_a_new_story() -> None:
    added = NOW - timedelta(days=100)
    assert not is_quiet(NOW - timedelta(days=13, hours=23), added, NOW)
    assert is_quiet(NOW - timedelta(days=14), added, NOW)
    assert is_quiet(None, added, NOW)  # never a story, for months
    assert not is_quiet(None, NOW - timedelta(days=2), NOW)  # added two days ago


@pytest.mark.parametrize("failures", [1, 2, 9])
def test_a_gone_feed_is_retried_daily_from_the_first_answer(failures: int) -> None:
    assert after_failure(NOW, QUARTER, failures, gone=True) == NOW + timedelta(hours=24)


@given(
    interval=st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=30)),
    max_age=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    failures=st.integers(min_value=1, max_value=40),
    retry_after=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
    gone=st.booleans(),
)
def test_no_schedule_sets_a_next_poll_that_would_be_taken_for_a_wrong_clock(
    interval: timedelta,
    max_age: timedelta | None,
    failures: int,
    retry_after: timedelta | None,
    gone: bool,
) -> None:
    """A next poll further ahead than any schedule sets counts as due (a clock since set
    back wrote it); so every time a schedule does set is waited for."""
    for scheduled in (
        after_success(NOW, interval, "https://a.example/", max_age),
        after_failure(NOW, interval, failures, retry_after, gone=gone),
        NOW + CLAIM_LEASE,
    ):
        assert not is_due(scheduled, NOW, interval)
        assert is_due(scheduled, scheduled, interval)


@pytest.mark.parametrize(
    ("ahead", "due"),
    [
        (None, True),
        (timedelta(0), True),
        (timedelta(hours=23), False),  # a day's backoff
        (timedelta(days=2), True),  # no schedule waits that long for a 15-minute source
        (timedelta(days=365), True),  # a clock that ran a year ahead, set right since
    ],
)
def test_a_next_poll_too_far_ahead_to_believe_is_due(ahead: timedelta | None, due: bool) -> None:
    assert is_due(None if ahead is None else NOW + ahead, NOW, QUARTER) is due


@pytest.mark.parametrize(
    ("one", "other", "same"),
    [
        ("https://deadline.com/v/tv/feed/", "https://Deadline.com:443/feed/", True),
        ("http://site.example/a", "http://site.example:80/b?x=1", True),
        ("https://user:secret@site.example/a", "https://site.example/b", True),
        ("https://site.example/a", "http://site.example/a", False),  # another port, too
        ("https://site.example/a", "https://www.site.example/a", False),
        ("http://127.0.0.1:8080/a", "http://127.0.0.1:8081/a", False),
        ("http://127.0.0.1:8080/a", "http://localhost:8080/a", False),
    ],
)
def test_a_site_is_its_scheme_host_and_port(one: str, other: str, same: bool) -> None:
    assert (site_of(one) == site_of(other)) is same


def test_a_site_asks_to_wait_no_longer_than_the_longest_backoff() -> None:
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert retry_time(now, timedelta(minutes=10)) == now + timedelta(minutes=10)
    assert retry_time(now, timedelta(days=30)) == now + timedelta(hours=24)
    assert site_of("http://site.example:99999/a") == "http://site.example:99999/a"
