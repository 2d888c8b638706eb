"""Stories repository: feed entries, stored once per source."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Table, delete, update
from sqlmodel import Session, col, select

from bot.feeds.entry import Entry
from bot.store.insert_if_new import insert_if_new
from bot.store.tables import ReleaseStory, Story

# Inserting through the table (Core), not the model: a fifth less CPU per story, and a cold
# poll stores tens of thousands of them.
_STORY: Table = Story.__table__  # type: ignore[attr-defined]
_KEY = ["source_id", "key"]


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
        statement = insert_if_new(self.session, _STORY, _KEY).returning(_STORY.c.id)
        return list(self.session.execute(statement, rows).scalars().all())

    def prune(self, seen_before: datetime) -> int:
        """Deletes read stories first seen before `seen_before` that no release cites."""
        cited = select(ReleaseStory.story_id)
        result = self.session.execute(
            delete(Story).where(
                col(Story.first_seen_at) < seen_before,
                col(Story.classified_at).is_not(None),
                col(Story.id).not_in(cited),
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def unclassified(self, limit: int) -> list[Story]:
        """Stories the classifier has not read yet, oldest first."""
        query = select(Story).where(col(Story.classified_at).is_(None))
        return list(self.session.exec(query.order_by(col(Story.id)).limit(limit)).all())

    def mark_classified(self, story_ids: Sequence[int], when: datetime) -> None:
        """Records that the classifier has read these stories."""
        if story_ids:
            self.session.execute(
                update(Story).where(col(Story.id).in_(story_ids)).values(classified_at=when)
            )
