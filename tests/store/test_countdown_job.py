"""The countdown pass in the store: weeks of days in milliseconds, restarts, no stale posts."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.config import parse_config
from bot.domain.dates import ReleaseDate
from bot.notify.countdown_job import queue_countdowns
from bot.store.db import Store
from bot.store.releases import NewFact, ReleaseRepo
from bot.store.shows import ShowRepo
from bot.store.sync import apply_config
from bot.store.tables import Outbox, Source, Story

CONFIG = parse_config(
    """\
defaults:
  timezone: America/New_York
  countdown_hour: "09:00"
shows:
  - {title: "Star Trek: Picard", aliases: [Picard]}
subscriptions:
  - {guild: 1, channel: 10, shows: [Picard]}
""",
    "feeds.yaml",
)
PREMIERE = date(2026, 4, 10)
NEW_YORK = ZoneInfo("America/New_York")


def prepare(store: Store) -> None:
    with store.session() as session:
        apply_config(session, CONFIG, datetime(2026, 3, 1, tzinfo=UTC))
        show = ShowRepo(session).find("Picard")
        assert show is not None and show.id is not None
        source = Source(name="s", url="https://s/", interval_seconds=900)
        session.add(source)
        session.flush()
        story = Story(source_id=source.id or 0, key="k", fingerprint="f", title="t",
                      published_at=datetime(2026, 3, 1, tzinfo=UTC))  # fmt: skip
        session.add(story)
        session.flush()
        when = ReleaseDate.parse(PREMIERE.isoformat())
        fact = NewFact(show.id, 2, "premiere", when, "Paramount+", story.id or 0, source.id or 0,
                       story.published_at)  # fmt: skip
        ReleaseRepo(session).apply(fact)


def posted_days(store: Store) -> list[str]:
    with store.session() as session:
        rows = session.exec(
            select(Outbox).where(Outbox.kind == "countdown").order_by(col(Outbox.id))
        ).all()
        return [r.payload["day"] for r in rows]


def test_a_month_of_countdowns_at_the_milestones(store: Store) -> None:
    prepare(store)
    day = date(2026, 3, 8)  # the DST change in New York
    while day <= PREMIERE + timedelta(days=1):
        for local in (time(8, 59), time(9, 0), time(9, 30), time(12, 0), time(22, 0)):
            now = datetime.combine(day, local, tzinfo=NEW_YORK).astimezone(UTC)
            queue_countdowns(store, now, CONFIG.defaults)
        day += timedelta(days=1)
    expected = [PREMIERE - timedelta(days=n) for n in (30, 14, 7, 3, 1, 0)]
    assert posted_days(store) == [d.isoformat() for d in expected]


def test_after_six_hours_down_no_stale_countdown(store: Store) -> None:
    prepare(store)
    milestone = PREMIERE - timedelta(days=7)
    back_at = datetime.combine(milestone, time(15, 5)).replace(tzinfo=UTC) + timedelta(hours=4)
    assert queue_countdowns(store, back_at, CONFIG.defaults) == 0  # 09:00 passed six hours ago
    next_day = datetime.combine(milestone + timedelta(days=4), time(13, 30), tzinfo=UTC)
    assert queue_countdowns(store, next_day, CONFIG.defaults) == 1  # 09:30 local: the 3-day post
    assert queue_countdowns(store, next_day + timedelta(minutes=5), CONFIG.defaults) == 0
    assert posted_days(store) == [(PREMIERE - timedelta(days=3)).isoformat()]
