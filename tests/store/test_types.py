"""Times go in and come out as aware UTC on both backends."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlmodel import select

from bot.store.db import Store
from bot.store.tables import Source


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
