"""The calendar in the store: one release per slot, its history, its sources, its status."""

from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select

from bot.domain.airtime import AirTime
from bot.domain.calendar import Change
from bot.domain.dates import ReleaseDate
from bot.store.db import Store
from bot.store.releases import NewFact, ReleaseRepo, air_time_of
from bot.store.tables import Release, Show, Source, Story

T0 = datetime(2026, 11, 24, 12, tzinfo=UTC)


def setup(store: Store) -> tuple[int, list[int], list[int]]:
    """A show, two sources, and four stories (two per source)."""
    with store.session() as session:
        show = Show(title="Severance", title_key="severance")
        sources = [
            Source(name=f"s{i}", url=f"https://s{i}.example/", interval_seconds=900) for i in (1, 2)
        ]
        session.add(show)
        session.add_all(sources)
        session.flush()
        stories = [
            Story(source_id=src.id or 0, key=f"k{i}", fingerprint=f"f{i}", title=f"story {i}",
                  published_at=T0 + timedelta(hours=i))
            for i, src in enumerate([sources[0], sources[0], sources[1], sources[1]])
        ]  # fmt: skip
        session.add_all(stories)
        session.flush()
        return show.id or 0, [s.id or 0 for s in sources], [s.id or 0 for s in stories]


def fact(show: int, story: int, source: int, value: str | None, *, event: str = "premiere",
         season: int | None = 3, hours: int = 0,
         air: AirTime | None = None) -> NewFact:  # fmt: skip
    return NewFact(show, season, event, ReleaseDate.parse(value), "Apple TV+", story, source,
                   T0 + timedelta(hours=hours), air)  # fmt: skip


def test_new_refined_moved_with_history(store: Store) -> None:
    show, sources, stories = setup(store)
    with store.session() as session:
        repo = ReleaseRepo(session)
        first = repo.apply(fact(show, stories[0], sources[0], "2027-03"))
        refined = repo.apply(fact(show, stories[1], sources[0], "2027-03-05", hours=1))
        moved = repo.apply(
            fact(show, stories[2], sources[1], "2027-03-12", event="date_change", hours=2)
        )
        assert [a.change for a in (first, refined, moved)] == [
            Change.NEW,
            Change.REFINED,
            Change.MOVED,
        ]
        assert first.release_id == refined.release_id == moved.release_id
        [change] = repo.history(moved.release_id)
        assert (change.old_value, change.new_value, change.story_id) == (
            "2027-03-05",
            "2027-03-12",
            stories[2],
        )
        release = session.get(Release, moved.release_id)
        assert release is not None
        assert (release.date_value, release.precision) == ("2027-03-12", "day")
        assert (release.window_start, release.window_end) == (date(2027, 3, 12), date(2027, 3, 12))
        assert [story.id for story, _ in repo.sources(moved.release_id)] == stories[:3]


def test_confirmed_by_two_independent_sources(store: Store) -> None:
    show, sources, stories = setup(store)
    with store.session() as session:
        repo = ReleaseRepo(session)
        applied = repo.apply(fact(show, stories[0], sources[0], "2027-03-05"))
        repo.apply(fact(show, stories[1], sources[0], "2027-03-05", hours=1))
        release = session.get(Release, applied.release_id)
        assert release is not None and release.status == "announced"  # one source, twice
        repo.apply(fact(show, stories[2], sources[1], "2027-03-05", hours=2))
        assert release.status == "confirmed"


def test_manual_entry_wins_over_news(store: Store) -> None:
    show, sources, stories = setup(store)
    with store.session() as session:
        repo = ReleaseRepo(session)
        applied = repo.apply(fact(show, stories[0], sources[0], "2027-03-05"))
        release = session.get(Release, applied.release_id)
        assert release is not None
        release.manual = True
        later = repo.apply(
            fact(show, stories[1], sources[0], "2027-04-01", event="date_change", hours=5)
        )
        assert later.change == Change.IGNORED and release.date_value == "2027-03-05"


def test_second_part_is_its_own_release(store: Store) -> None:
    show, sources, stories = setup(store)
    with store.session() as session:
        repo = ReleaseRepo(session)
        part1 = repo.apply(fact(show, stories[0], sources[0], "2027-06-11", event="premiere"))
        part2 = repo.apply(
            fact(show, stories[1], sources[0], "2027-07-09", event="return", hours=1)
        )
        same = repo.apply(fact(show, stories[2], sources[1], "2027-06-11", event="return", hours=2))
        assert part1.release_id != part2.release_id and same.release_id == part1.release_id
        kinds = {r.kind for r in session.exec(select(Release)).all()}
        assert kinds == {"premiere", "return"}


def test_upcoming_lists_exact_dates_then_approximate(store: Store) -> None:
    show, sources, stories = setup(store)
    with store.session() as session:
        repo = ReleaseRepo(session)
        repo.apply(fact(show, stories[0], sources[0], "2027-03-05", season=3))
        repo.apply(fact(show, stories[1], sources[0], "2027", season=4))
        repo.apply(fact(show, stories[2], sources[1], "2026-01-05", season=2))  # long past
        rows = repo.upcoming(date(2026, 11, 24), date(2027, 12, 31), followed_only=False)
        assert [(r.season, r.date_value) for r, _ in rows] == [(4, "2027"), (3, "2027-03-05")]
        assert repo.upcoming(date(2026, 11, 24), date(2027, 12, 31), followed_only=True) == []


def test_air_time_follows_the_day_it_was_given_for(store: Store) -> None:
    show, sources, stories = setup(store)
    nine = AirTime(time(21), "America/New_York")
    with store.session() as session:
        repo = ReleaseRepo(session)
        first = repo.apply(fact(show, stories[0], sources[0], "2027-03-05", air=nine))
        release = session.get(Release, first.release_id)
        assert release is not None and air_time_of(release) == nine
        # An older story with another day and time changes neither.
        repo.apply(fact(show, stories[1], sources[0], "2027-03-01", hours=-48,
                        air=AirTime(time(20), None)))  # fmt: skip
        assert air_time_of(release) == nine
        # A move without a time keeps the slot; a later story with a time sets it.
        repo.apply(fact(show, stories[2], sources[1], "2027-03-12", event="date_change", hours=2))
        assert (release.date_value, air_time_of(release)) == ("2027-03-12", nine)
        later = AirTime(time(22), "America/New_York")
        repo.apply(fact(show, stories[3], sources[1], "2027-03-12", hours=3, air=later))
        assert air_time_of(release) == later
    with store.session() as session:  # and it is stored, zone included
        stored = session.get(Release, first.release_id)
        assert stored is not None and air_time_of(stored) == later
