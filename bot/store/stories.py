"""Stories repository: feed entries, stored once per source."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Table, delete, update
from sqlmodel import Session, col, select

from bot.feeds.entry import Entry
from bot.store.insert_if_new import insert_if_new
from bot.store.tables import ReleaseStory, Story

# Inserting through the table (Core), not the model: a fifth less CPU per story, and a cold
# poll stores tens of thousands of them.
_STORY: Table = Story.__table__  # type: ignore[attr-defined]
_KEY = ["source_id", "key"]


class Unread(NamedTuple):
    """A story as the classifier reads it."""

    id: int
    title: str
    summary: str
    published_at: datetime


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

    def unclassified(self, limit: int) -> list[Unread]:
        """Stories the classifier has not read yet, oldest first: only what it reads, as
        plain rows (most stories name no followed show and need nothing more)."""
        c = _STORY.c
        query = (
            select(c.id, c.title, c.summary, c.published_at)
            .where(c.classified_at.is_(None))
            .order_by(c.id)
            .limit(limit)
        )
        return [Unread(*row) for row in self.session.execute(query)]

    def by_ids(self, story_ids: Sequence[int]) -> dict[int, Story]:
        """The stories with these ids, in the order they were stored."""
        if not story_ids:
            return {}
        query = select(Story).where(col(Story.id).in_(story_ids)).order_by(col(Story.id))
        return {story.id: story for story in self.session.exec(query) if story.id is not None}

    def mark_classified(self, story_ids: Sequence[int], when: datetime) -> None:
        """Records that the classifier has read these stories."""
        if story_ids:  # through the table: the ORM would also look for them in the session
            self.session.execute(
                update(_STORY).where(_STORY.c.id.in_(story_ids)).values(classified_at=when)
            )
