"""Calendar upkeep: past releases become aired; old uncited stories are pruned."""

from datetime import UTC, datetime, timedelta

from sqlmodel import col, select

from bot.domain.dates import ReleaseDate
from bot.store.db import Store
from bot.store.releases import NewFact, ReleaseRepo
from bot.store.stories import StoryRepo
from bot.store.tables import Release, Show, Source, Story

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def test_aired_and_pruned(store: Store) -> None:
    with store.session() as session:
        show = Show(title="X", title_key="x")
        source = Source(name="s", url="https://s/", interval_seconds=900)
        session.add_all([show, source])
        session.flush()
        old_cited, old_uncited, recent = (
            Story(
                source_id=source.id or 0,
                key=k,
                fingerprint=k,
                title=k,
                published_at=NOW,
                first_seen_at=NOW - timedelta(days=days),
                classified_at=NOW,
            )
            for k, days in (("a", 200), ("b", 200), ("c", 1))
        )
        session.add_all([old_cited, old_uncited, recent])
        session.flush()
        releases = ReleaseRepo(session)
        for season, value in ((1, "2026-11-20"), (2, "2027-03-03")):
            when = ReleaseDate.parse(value)
            fact = NewFact(show.id or 0, season, "premiere", when, None, old_cited.id or 0,
                           source.id or 0, NOW - timedelta(days=200))  # fmt: skip
            releases.apply(fact)
    with store.session() as session:
        assert ReleaseRepo(session).mark_aired(NOW.date()) == 1
        assert ReleaseRepo(session).mark_aired(NOW.date()) == 0
        assert StoryRepo(session).prune(NOW - timedelta(days=90)) == 1
    with store.session() as session:
        statuses = session.exec(
            select(Release.season, Release.status).order_by(col(Release.season))
        ).all()
        assert [tuple(s) for s in statuses] == [(1, "aired"), (2, "announced")]
        assert sorted(session.exec(select(Story.key)).all()) == ["a", "c"]
