"""Stories repository: feed entries, stored once per source."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from bot.feeds.parse import Entry
from bot.store.tables import Story

_BATCH = 500


class StoryRepo:
    """Contract: storing returns only the stories that were not stored before (per source)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add_new(
        self, source_id: int, entries: Sequence[Entry], seen_at: datetime, backlog_age: timedelta
    ) -> list[int]:
        """Stores the entries the source has not had before; returns the new stories' ids.

        An entry without a date is dated `seen_at`. One first seen more than `backlog_age`
        after its publication is backlog: it may update the calendar but never alerts.
        """
        rows = [
            {
                "source_id": source_id,
                "key": e.key,
                "fingerprint": e.fingerprint,
                "url": e.url,
                "title": e.title,
                "summary": e.summary,
                "published_at": e.published or seen_at,
                "first_seen_at": seen_at,
                "backlog": e.published is not None and seen_at - e.published > backlog_age,
            }
            for e in entries
        ]
        new: list[int] = []
        for start in range(0, len(rows), _BATCH):
            statement = self._insert_if_new().values(rows[start : start + _BATCH])
            result = self.session.execute(statement.returning(col(Story.id)))
            new.extend(result.scalars().all())
        return new

    def _insert_if_new(self) -> Insert:
        bind = self.session.get_bind()
        dialect = postgresql if bind.dialect.name == "postgresql" else sqlite
        return dialect.insert(Story).on_conflict_do_nothing(index_elements=["source_id", "key"])
