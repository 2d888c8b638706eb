"""Stories repository: feed entries, stored once per source."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from bot.feeds.parse import Entry
from bot.store.tables import Story


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
        if not entries:
            return []
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
        # executemany form: one cached statement that SQLAlchemy batches into multi-row
        # INSERTs ("insertmanyvalues"), several times faster than building .values(rows).
        statement = self._insert_if_new().returning(col(Story.id))
        return list(self.session.execute(statement, rows).scalars().all())

    def _insert_if_new(self) -> Insert:
        bind = self.session.get_bind()
        dialect = postgresql if bind.dialect.name == "postgresql" else sqlite
        return dialect.insert(Story).on_conflict_do_nothing(index_elements=["source_id", "key"])
