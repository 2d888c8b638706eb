"""`premiere-bot status` reads the state of a running bot from the database."""

import json
from datetime import UTC, datetime, time, timedelta

from bot.config import parse_config
from bot.status import read_status
from bot.store.db import Store
from bot.store.guilds import GuildSettingsRepo
from bot.store.outbox import NewPost, OutboxRepo
from bot.store.sync import apply_config
from bot.store.tables import Source, Story

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
CONFIG = parse_config(
    """\
defaults: {timezone: Europe/London, countdown_hour: "09:00"}
shows: [{title: Severance}]
subscriptions:
  - {guild: 1, channel: 10, shows: [Severance]}
  - {guild: 2, channel: 20, shows: [Severance]}
""",
    "feeds.yaml",
)


def test_status(store: Store) -> None:
    with store.session() as session:
        apply_config(session, CONFIG, NOW)
        GuildSettingsRepo(session).update(2, timezone="America/Los_Angeles", countdown_time=time(6))
        ok = Source(name="Fine", url="https://fine/", interval_seconds=900, last_polled_at=NOW)
        ok.next_poll_at = NOW + timedelta(minutes=15)
        ok.moved_to = "https://token@fine.example/feed"  # its redirects' end, shown as logged
        shaky = Source(
            name="Shaky", url="https://shaky/", interval_seconds=900, last_error="HTTP 500"
        )
        shaky.consecutive_failures, shaky.failing_since = 2, NOW - timedelta(hours=1)
        shaky.next_poll_at = NOW + timedelta(minutes=7)  # backing off, yet the next polled
        dead = Source(name="Dead", url="https://dead/", interval_seconds=900, last_error="timeout")
        dead.consecutive_failures, dead.failing_since = 12, NOW - timedelta(days=4)
        dead.next_poll_at = NOW + timedelta(hours=20)  # retried daily
        gone = Source(name="Gone", url="https://gone/", interval_seconds=900)
        gone.last_status, gone.last_error = 410, "HTTP 410 Gone"
        gone.consecutive_failures, gone.failing_since = 1, NOW - timedelta(hours=1)
        gone.next_poll_at = NOW + timedelta(hours=23)  # broken at its first answer
        session.add_all([ok, shaky, dead, gone])
        # Healthy, but answering nothing new: one for three weeks, one ever since it was added.
        quiet = Source(name="Quiet", url="https://quiet/", interval_seconds=900)
        silent = Source(name="Silent", url="https://silent/", interval_seconds=900)
        quiet.created_at = silent.created_at = NOW - timedelta(days=40)
        quiet.next_poll_at = silent.next_poll_at = NOW + timedelta(hours=1)
        session.add_all([quiet, silent])
        session.flush()
        for days, source in [(21, quiet), (30, quiet), (1, ok)]:
            seen = NOW - timedelta(days=days)
            session.add(Story(source_id=source.id, key=f"k{days}", fingerprint="f", title="t",
                              published_at=seen, first_seen_at=seen))  # fmt: skip
        outbox = OutboxRepo(session)
        outbox.enqueue(
            [NewPost("a", 1, 10, "alert", {}), NewPost("b", 1, 10, "alert", {})],
            NOW - timedelta(minutes=30),
        )
        [failed] = outbox.enqueue([NewPost("c", 1, 10, "alert", {})], NOW)
        outbox.failed(failed, "403")
    with store.session() as session:
        status = read_status(session, NOW, CONFIG.defaults)
    assert [(s.name, s.state) for s in status.sources] == [
        ("Dead", "broken"), ("Fine", "healthy"), ("Gone", "broken"), ("Quiet", "healthy"),
        ("Shaky", "failing"), ("Silent", "healthy"),
    ]  # fmt: skip
    assert (status.pending, status.failed_posts) == (2, 1)
    assert status.oldest_pending == NOW - timedelta(minutes=30)
    assert status.last_poll == NOW
    # London's 09:00 has passed (12:00 UTC); Los Angeles' 06:00 is 14:00 UTC today
    assert status.next_countdown == datetime(2026, 11, 24, 14, tzinfo=UTC)
    assert status.lines() == [
        "sources: 3 healthy, 1 failing, 2 broken, 0 disabled",
        "  broken: Dead since 2026-11-20: timeout",
        "  broken: Gone since 2026-11-24: HTTP 410 Gone",
        "  failing: Shaky (2x): HTTP 500",
        "  moved permanently: Fine to https://***@fine.example/feed",
        "  quiet: Quiet: no new story since 2026-11-03",
        "  quiet: Silent: no story since it was added on 2026-10-15",
        "outbox: 2 waiting, oldest queued 2026-11-24 11:30 UTC, 1 failed",
        "last poll: 2026-11-24 12:00 UTC",
        "next poll: 2026-11-24 12:07 UTC (Shaky)",
        "next countdown: 2026-11-24 14:00 UTC",
    ]
    report = json.loads(json.dumps(status.as_json()))  # what `status --json` prints
    by_name = {source["name"]: source for source in report["sources"]}
    assert by_name["Gone"] == {
        "name": "Gone", "state": "broken", "error": "HTTP 410 Gone",
        "failing_since": "2026-11-24T11:00:00+00:00", "consecutive_failures": 1,
        "moved_to": None, "newest_story_at": None, "quiet": False,
    }  # fmt: skip
    assert (by_name["Quiet"]["quiet"], by_name["Quiet"]["newest_story_at"]) == (
        True, "2026-11-03T12:00:00+00:00",
    )  # fmt: skip
    assert by_name["Fine"]["moved_to"] == "https://***@fine.example/feed"
    assert report["outbox"] == {
        "waiting": 2, "oldest_waiting_since": "2026-11-24T11:30:00+00:00", "failed": 1,
    }  # fmt: skip
    assert report["next_poll"] == {"source": "Shaky", "at": "2026-11-24T12:07:00+00:00"}
    assert (report["last_poll"], report["next_countdown"]) == (
        "2026-11-24T12:00:00+00:00", "2026-11-24T14:00:00+00:00",
    )  # fmt: skip


def test_the_next_poll_is_the_one_the_cycles_take_next(store: Store) -> None:
    """A source never scheduled is due now, and so is one scheduled further ahead than any
    schedule goes (written while the clock ran a year ahead), as the cycles take them."""
    with store.session() as session:
        fine = Source(name="Fine", url="https://fine/", interval_seconds=900)
        fine.next_poll_at = NOW + timedelta(minutes=15)
        ahead = Source(name="Ahead", url="https://ahead/", interval_seconds=900)
        ahead.next_poll_at = NOW + timedelta(days=365)
        session.add_all([fine, ahead])
    with store.session() as session:
        assert read_status(session, NOW, CONFIG.defaults).next_poll == ("Ahead", NOW)
        session.merge(ahead).enabled = False
        session.add(Source(name="New", url="https://new/", interval_seconds=900))
    with store.session() as session:
        assert read_status(session, NOW, CONFIG.defaults).next_poll == ("New", NOW)


def test_status_of_a_bot_with_no_source(store: Store) -> None:
    with store.session() as session:
        lines = read_status(session, NOW, CONFIG.defaults).lines()
    assert lines == [
        "sources: 0 healthy, 0 failing, 0 broken, 0 disabled",
        "outbox: 0 waiting, 0 failed",
        "last poll: never",
        "next poll: none (no enabled source)",
        "next countdown: none (no follows)",
    ]
