"""Stories repository: feed entries, stored once per source."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, Table, delete, update
from sqlmodel import Session, col, select

from bot.feeds.entry import Entry
from bot.store.insert_if_new import insert_many_if_new
from bot.store.tables import ReleaseStory, Story

_STORY: Table = Story.__table__  # type: ignore[attr-defined]
_KEY = ("source_id", "key")
_CLOCK_SLACK = timedelta(days=1)  # how far ahead of us a site's clock may run
_COLUMNS = ("source_id", "key", "fingerprint", "url", "title", "summary", "published_at",
            "first_seen_at", "backlog")  # fmt: skip


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
    ) -> int:
        """Stores the entries the source has not had before; returns how many were new.

        An entry without a date, or dated more than a day after `seen_at` (a wrong clock or
        a year 9999), is dated `seen_at`. One first seen more than `backlog_age` after its
        publication is backlog: it may update the calendar but never alerts.
        """
        latest = seen_at + _CLOCK_SLACK
        published = [
            e.published if e.published and e.published <= latest else None for e in entries
        ]
        rows = (
            (source_id, e.key, e.fingerprint, e.url, e.title, e.summary, when or seen_at,
             seen_at, when is not None and seen_at - when > backlog_age)
            for e, when in zip(entries, published, strict=True)
        )  # fmt: skip
        return insert_many_if_new(self.session, _STORY, _KEY, _COLUMNS, rows) if entries else 0

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

    def mark_all_classified(self, when: datetime, condition: ColumnElement[bool]) -> int:
        """Marks every unread story read in one statement if `condition` holds as it runs;
        returns how many were marked."""
        statement = update(_STORY).where(_STORY.c.classified_at.is_(None), condition)
        return int(self.session.execute(statement.values(classified_at=when)).rowcount)  # type: ignore[attr-defined]

    def mark_classified(self, story_ids: Sequence[int], when: datetime) -> None:
        """Records that the classifier has read these stories."""
        if story_ids:  # through the table: the ORM would also look for them in the session
            self.session.execute(
                update(_STORY).where(_STORY.c.id.in_(story_ids)).values(classified_at=when)
            )
