"""Stories repository: feed entries once stored (a poll stores them: bot/store/polls.py)."""

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Table, delete, func, update
from sqlmodel import Session, col, select

from bot.store.tables import ReleaseStory, Story

_STORY: Table = Story.__table__  # type: ignore[attr-defined]


class Unread(NamedTuple):
    """A story as the classifier reads it."""

    id: int
    title: str
    summary: str
    published_at: datetime


class StoryRepo:
    """Contract: the classifier reads each story once; a story a release cites is kept."""

    def __init__(self, session: Session) -> None:
        self.session = session

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

    def newest_by_source(self) -> dict[int, datetime]:
        """When each source's newest story was first seen (sources without one are left out)."""
        newest = func.max(Story.first_seen_at)
        rows = self.session.exec(select(Story.source_id, newest).group_by(col(Story.source_id)))
        return {source_id: seen for source_id, seen in rows if seen is not None}

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
