"""Stories through the classifier into the calendar and the outbox, in one transaction."""

from datetime import UTC, datetime, time, timedelta

from sqlmodel import col, select

from bot.config import parse_config
from bot.ingest import classify_new_stories
from bot.store.db import Store
from bot.store.sync import apply_config
from bot.store.tables import Outbox, Release, Story

# Follows are stamped with the real clock, so the stories come after it: an hour after the
# module is imported, however long the suite takes to reach these tests.
NOW = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
PREMIERE = (NOW + timedelta(days=100)).date()
MOVED = PREMIERE + timedelta(days=7)
CONFIG = """\
sources:
  - {name: One, url: "https://one.example/rss"}
  - {name: Two, url: "https://two.example/rss"}
shows:
  - {title: "Star Trek: Picard", aliases: [Picard], network: Paramount+}
subscriptions:
  - {guild: 1, channel: 10, shows: [Picard]}
"""


def add_story(store: Store, source: int, key: str, title: str, *, minutes: int = 0,
              backlog: bool = False) -> None:  # fmt: skip
    with store.session() as session:
        seen = NOW + timedelta(minutes=minutes, seconds=30)
        session.add(Story(source_id=source, key=key, fingerprint=key * 8, title=title,
                          published_at=NOW + timedelta(minutes=minutes), first_seen_at=seen,
                          backlog=backlog))  # fmt: skip


def outbox(store: Store) -> list[Outbox]:
    with store.session() as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))).all())


def test_alert_once_then_date_change(store: Store) -> None:
    with store.session() as session:
        apply_config(session, parse_config(CONFIG, "feeds.yaml"), NOW - timedelta(days=1))
    add_story(
        store, 1, "a",
        f"Star Trek: Picard Season 2 Returns {PREMIERE:%B %-d, %Y} at 9/8c on Paramount+",
    )  # fmt: skip
    add_story(
        store, 2, "b", f"'Picard' Season 2 Returns {PREMIERE:%B %-d, %Y} on Paramount+", minutes=5
    )
    report = classify_new_stories(store, NOW + timedelta(hours=1))
    assert (report.stories, report.facts, report.posts) == (2, 2, 1)  # the second site adds nothing
    [alert] = outbox(store)
    assert (alert.channel_id, alert.kind) == (10, "alert")
    assert alert.payload["headline"] == f"Picard S2 returns {PREMIERE:%b %-d} on Paramount+"
    assert alert.payload["date"]["time"] == "9 p.m. ET"  # the air time travels with the date
    # The second site joined the waiting alert instead of alerting again.
    assert (alert.payload["source"], alert.payload["also"]) == (
        "One",
        [{"source": "Two", "url": None}],
    )
    with store.session() as session:
        [release] = session.exec(select(Release)).all()
        assert (release.air_time, release.time_zone) == (time(21), "America/New_York")

    add_story(store, 1, "c", f"Star Trek: Picard Season 2 Moves to {MOVED:%B %-d, %Y}", minutes=60)
    report = classify_new_stories(store, NOW + timedelta(hours=2))
    kinds = [p.kind for p in outbox(store)]
    assert kinds == ["alert", "alert", "change"]
    change = outbox(store)[-1]
    assert (
        change.payload["headline"] == f"Picard S2 moves to {MOVED:%b %-d} (was {PREMIERE:%b %-d})"
    )
    with store.session() as session:
        [release] = session.exec(select(Release)).all()
        assert (release.date_value, release.status) == (MOVED.isoformat(), "announced")

    assert classify_new_stories(store, NOW + timedelta(hours=3)).stories == 0  # read once


def test_backlog_updates_the_calendar_but_never_alerts(store: Store) -> None:
    with store.session() as session:
        apply_config(session, parse_config(CONFIG, "feeds.yaml"), NOW - timedelta(days=1))
    add_story(
        store, 1, "a", f"Star Trek: Picard Season 2 Returns {PREMIERE:%B %-d, %Y}", backlog=True
    )
    report = classify_new_stories(store, NOW)
    assert (report.facts, report.posts) == (1, 0)
    with store.session() as session:
        assert session.exec(select(Release.date_value)).all() == [PREMIERE.isoformat()]


def test_a_later_site_edits_the_posted_alert_once(store: Store) -> None:
    from bot.store.outbox import OutboxRepo

    with store.session() as session:
        apply_config(session, parse_config(CONFIG, "feeds.yaml"), NOW - timedelta(days=1))
    news = f"Star Trek: Picard Season 2 Returns {PREMIERE:%B %-d, %Y} on Paramount+"
    add_story(store, 1, "a", news)
    classify_new_stories(store, NOW)
    [alert] = outbox(store)
    with store.session() as session:
        OutboxRepo(session).sent(alert.id or 0, 555, NOW)  # posted as message 555

    add_story(
        store, 2, "b", f"'Picard' Season 2 Returns {PREMIERE:%B %-d} on Paramount+", minutes=5
    )
    add_story(store, 1, "c", f"Picard season 2 returns {PREMIERE:%B %-d}", minutes=6)  # One again
    report = classify_new_stories(store, NOW + timedelta(minutes=10))
    assert report.posts == 1
    [_, edit] = outbox(store)
    assert (edit.kind, edit.channel_id, edit.payload["edits"]) == ("edit", 10, alert.dedupe_key)
    assert [other["source"] for other in edit.payload["also"]] == ["Two"]
    assert edit.payload["headline"] == alert.payload["headline"]  # the same alert, grown
    [posted, _] = outbox(store)
    assert posted.payload["also"] == edit.payload["also"]  # later joins build on it


def test_with_no_show_to_match_stories_are_marked_read_without_reading_them(
    store: Store,
) -> None:
    no_shows = "sources:\n  - {name: One, url: 'https://one.example/rss'}\n"
    with store.session() as session:
        apply_config(session, parse_config(no_shows, "feeds.yaml"), NOW - timedelta(days=1))
    add_story(store, 1, "a", f"Star Trek: Picard Season 2 Returns {PREMIERE:%B %-d, %Y}")
    add_story(store, 1, "b", "Something else entirely", minutes=1)
    report = classify_new_stories(store, NOW + timedelta(hours=1))
    assert (report.stories, report.facts, report.posts) == (2, 0, 0)
    with store.session() as session:
        stamps = session.exec(select(Story.classified_at)).all()
    assert stamps == [NOW + timedelta(hours=1)] * 2

    # Once a show is in the catalogue, new stories are read again.
    with store.session() as session:
        apply_config(session, parse_config(CONFIG, "feeds.yaml"), NOW)
    add_story(store, 1, "c", f"Star Trek: Picard Season 2 Moves to {MOVED:%B %-d, %Y}", minutes=2)
    report = classify_new_stories(store, NOW + timedelta(hours=2))
    assert (report.stories, report.facts) == (1, 1)


def test_a_repost_under_its_own_headline_joins_the_alert_of_the_story_it_links_to(
    store: Store,
) -> None:
    """Stored as a poll stores them: an aggregator's story with a headline of its own that
    links to One's story is the same news, so it joins One's alert (story without a fact)."""
    from bot.domain.links import story_link
    from bot.feeds.entry import Entry
    from bot.feeds.parse import fingerprint

    with store.session() as session:
        apply_config(session, parse_config(CONFIG, "feeds.yaml"), NOW - timedelta(days=1))

    def entry(key: str, title: str, link: str) -> Entry:
        url, same_page = story_link(link)
        return Entry(key, fingerprint(title), url, title, "", NOW, same_page)

    first = entry(
        "a",
        "Star Trek: Picard cast looks back on the final season",
        "https://one.example/picard-cast/",
    )
    repost = entry("b", "Patrick Stewart and the Star Trek: Picard crew say goodbye",
                   "http://www.one.example/picard-cast?utm_source=agg")  # fmt: skip
    elsewhere = entry(
        "c", "Star Trek: Picard props go to auction", "https://one.example/"
    )  # a home page
    store.polls.store([(1, {}, [first])], NOW, timedelta(hours=24))
    store.polls.store(
        [(2, {}, [repost, elsewhere])], NOW + timedelta(minutes=5), timedelta(hours=24)
    )
    classify_new_stories(store, NOW + timedelta(minutes=10))
    alerts = [post.payload for post in outbox(store)]
    assert [(a["title"], a["source"], a.get("also", [])) for a in alerts] == [
        (first.title, "One", [{"source": "Two", "url": repost.url}]),
        (elsewhere.title, "Two", []),
    ]
