"""Guild settings with defaults, and the weekly digest."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.config import parse_config
from bot.domain.dates import ReleaseDate
from bot.notify.digest import digest_day, queue_digests
from bot.store.db import Store
from bot.store.digests import DigestRepo
from bot.store.guilds import GuildSettingsRepo
from bot.store.outbox import OutboxRepo
from bot.store.releases import NewFact, ReleaseRepo
from bot.store.shows import ShowRepo
from bot.store.sync import apply_config
from bot.store.tables import Outbox, Source, Story

CONFIG = parse_config(
    """\
defaults: {timezone: Europe/London, countdown_hour: "08:00", admin_channel: 99}
shows:
  - {title: Severance}
  - {title: The Bear}
  - {title: Silo}
subscriptions:
  - {guild: 1, channel: 10, shows: [Severance, The Bear, Silo]}
""",
    "feeds.yaml",
)


def test_effective_settings_fall_back_to_defaults(store: Store) -> None:
    with store.session() as session:
        guilds = GuildSettingsRepo(session)
        prefs = guilds.effective(5, CONFIG.defaults)
        assert (prefs.timezone, prefs.countdown_time, prefs.alert_mode, prefs.events_enabled,
                prefs.admin_channel_id) == ("Europe/London", time(8), "all", False, 99)  # fmt: skip
        guilds.update(5, timezone="Asia/Tokyo", alert_mode="dates", events_enabled=True)
        prefs = guilds.effective(5, CONFIG.defaults)
        assert (prefs.timezone, prefs.alert_mode, prefs.events_enabled) == (
            "Asia/Tokyo",
            "dates",
            True,
        )
        guilds.update(5, timezone=None)
        assert guilds.effective(5, CONFIG.defaults).timezone == "Europe/London"
        with pytest.raises(ValueError, match="not a guild setting"):
            guilds.update(5, colour="blue")


def test_digest_day_is_the_chosen_local_weekday() -> None:
    friday_morning = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # 09:30 in London
    assert digest_day(friday_morning, "Europe/London", 4, time(9)) == date(2026, 11, 27)
    assert digest_day(friday_morning, "Europe/London", 3, time(9)) is None
    assert digest_day(friday_morning, "Europe/London", 4, time(10)) is None


def test_weekly_digest_lists_two_weeks_and_the_approximate(store: Store) -> None:
    friday = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
    with store.session() as session:
        apply_config(session, CONFIG, friday - timedelta(days=7))
        source = Source(name="s", url="https://s/", interval_seconds=900)
        session.add(source)
        session.flush()
        story = Story(source_id=source.id or 0, key="k", fingerprint="f", title="t",
                      published_at=friday - timedelta(days=2))  # fmt: skip
        session.add(story)
        session.flush()
        releases = ReleaseRepo(session)
        for name, value in (
            ("Severance", "2026-12-05"),
            ("The Bear", "2027-01-20"),
            ("Silo", "2027-spring"),
        ):
            show = ShowRepo(session).find(name)
            assert show is not None and show.id is not None
            releases.apply(NewFact(show.id, 2, "premiere", ReleaseDate.parse(value), None,
                                   story.id or 0, source.id or 0, story.published_at))  # fmt: skip
        DigestRepo(session).set(1, 10, weekday=4, at=time(9))
    assert queue_digests(store, friday, CONFIG.defaults) == 1
    assert queue_digests(store, friday + timedelta(minutes=30), CONFIG.defaults) == 0
    with store.session() as session:
        [post] = OutboxRepo(session).claim("w", friday, 5)
        assert isinstance(post, Outbox) and post.dedupe_key == "digest:10:2026-11-27"
        assert [i["text"] for i in post.payload["exact"]] == ["Severance S2 premiere"]
        assert [i["date"]["text"] for i in post.payload["approximate"]] == ["Spring 2027"]
        assert DigestRepo(session).clear(10) and not DigestRepo(session).clear(10)
