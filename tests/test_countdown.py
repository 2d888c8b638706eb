"""Countdown timing and wording, on a virtual clock across a DST change."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.domain.airtime import AirTime
from bot.notify.countdown import (
    GuildClock,
    Upcoming,
    countdown_day,
    countdown_posts,
    countdown_text,
)

NEW_YORK = GuildClock(1, "America/New_York", time(9))
PICARD = Upcoming(10, None, "Star Trek: Picard", 2, "return", date(2026, 3, 26), "Paramount+")


def test_due_at_the_local_hour_within_the_grace() -> None:
    # 14:00 UTC is 09:00 in New York in winter (UTC-5)
    assert countdown_day(datetime(2026, 3, 2, 13, 59, tzinfo=UTC), NEW_YORK) is None
    assert countdown_day(datetime(2026, 3, 2, 14, 0, tzinfo=UTC), NEW_YORK) == date(2026, 3, 2)
    assert countdown_day(datetime(2026, 3, 2, 17, 59, tzinfo=UTC), NEW_YORK) == date(2026, 3, 2)
    assert countdown_day(datetime(2026, 3, 2, 18, 0, tzinfo=UTC), NEW_YORK) is None  # too late


def test_once_a_day_at_nine_local_across_the_march_dst_change() -> None:
    fired: dict[date, datetime] = {}
    now = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    while now < datetime(2026, 3, 22, tzinfo=UTC):
        day = countdown_day(now, NEW_YORK)
        if day is not None:
            fired.setdefault(day, now)
        now += timedelta(minutes=15)
    assert len(fired) == 21
    assert fired[date(2026, 3, 7)].hour == 14  # before the change: UTC-5
    assert fired[date(2026, 3, 9)].hour == 13  # after it: UTC-4


def test_one_post_per_channel_with_its_milestones() -> None:
    other = Upcoming(10, 77, "Severance", 3, "premiere", date(2026, 3, 9), "Apple TV+")
    elsewhere = Upcoming(11, None, "Severance", 3, "premiere", date(2026, 3, 9), "Apple TV+")
    posts = countdown_posts(
        date(2026, 3, 2), NEW_YORK, [PICARD, other, elsewhere], (30, 14, 7, 3, 1, 0)
    )
    assert [(p.channel_id, p.dedupe_key) for p in posts] == [
        (10, "countdown:10:2026-03-02"), (11, "countdown:11:2026-03-02"),
    ]  # fmt: skip
    [first] = [p for p in posts if p.channel_id == 10]
    assert [i["days"] for i in first.payload["items"]] == [
        7
    ]  # Picard is 24 days away: no milestone
    assert first.payload["role_id"] == 77


def test_wording() -> None:
    assert (
        countdown_text(PICARD, 12)
        == "Star Trek: Picard S2 returns in 12 days - Thu, Mar 26 on Paramount+"
    )
    assert countdown_text(PICARD, 1).endswith("returns tomorrow - Thu, Mar 26 on Paramount+")
    assert " today - " in countdown_text(PICARD, 0)
    nine = replace(PICARD, air=AirTime(time(21), "America/New_York"))
    assert countdown_text(nine, 0).endswith("today - Thu, Mar 26 at 9 p.m. ET on Paramount+")
