"""Times go in and come out as aware UTC on both backends."""

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError
from sqlmodel import select

from bot.feeds.entry import Entry
from bot.store.db import Store
from bot.store.tables import Source, Story


def test_aware_times_round_trip_as_utc(store: Store) -> None:
    new_york_evening = datetime(2026, 3, 8, 21, 30, tzinfo=timezone(timedelta(hours=-5)))
    with store.session() as session:
        session.add(
            Source(name="a", url="https://a/", interval_seconds=60, next_poll_at=new_york_evening)
        )
    with store.session() as session:
        loaded = session.exec(select(Source)).one()
    assert loaded.next_poll_at == new_york_evening
    assert loaded.next_poll_at is not None and loaded.next_poll_at.tzinfo == UTC
    assert loaded.next_poll_at.hour == 2  # 21:30 at UTC-5 is 02:30 UTC the next day
    assert loaded.created_at.tzinfo == UTC


def test_naive_times_are_refused(store: Store) -> None:
    with pytest.raises(StatementError, match="naive datetime"), store.session() as session:
        session.add(
            Source(
                name="a", url="https://a/", interval_seconds=60, next_poll_at=datetime(2026, 1, 1)
            )
        )
        session.flush()


def test_sqlite_times_are_one_text_format_on_every_write_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stories go in through the polls repository's plain SQL, everything else through
    SQLAlchemy: both must write the text SQLAlchemy reads and compares, and neither may lean
    on sqlite3's datetime adapter (deprecated since Python 3.12, and it drops zero
    microseconds, so equal times would compare unequal)."""
    monkeypatch.delitem(sqlite3.adapters, (datetime, sqlite3.PrepareProtocol))
    store = Store.open(f"sqlite:///{tmp_path / 'bot.db'}")
    on_the_hour = datetime(2026, 3, 9, 2, 30, tzinfo=UTC)
    entry = Entry("k", "f", "https://a/1", "Title", "", on_the_hour)
    try:
        with store.session() as session:
            source = Source(name="a", url="https://a/", interval_seconds=60)
            source.next_poll_at = on_the_hour
            session.add(source)
            session.flush()
            assert source.id is not None
        store.polls.store([(source.id, {}, [entry])], on_the_hour, timedelta(days=1))
        with store.session() as session:
            times = [*session.exec(text("SELECT next_poll_at FROM source")).one()]
            times += session.exec(text("SELECT published_at, first_seen_at FROM story")).one()
            assert session.exec(select(Story.published_at)).one() == on_the_hour
        assert set(times) == {"2026-03-09 02:30:00.000000"}
    finally:
        store.close()
