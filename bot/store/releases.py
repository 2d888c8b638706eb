"""Releases repository: the calendar, its history, and the stories it was learnt from."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from bot.domain.airtime import AirTime
from bot.domain.calendar import Change, Known, decide, release_kind
from bot.domain.dates import ReleaseDate
from bot.domain.release import Precision, ReleaseKind, ReleaseStatus
from bot.store.tables import (
    Follow,
    Release,
    ReleaseChange,
    ReleaseStory,
    Show,
    Source,
    Story,
    utcnow,
)

# A "return" this long after the season's premiere is a second part, not the premiere itself.
_SECOND_PART_GAP_DAYS = 14


def air_time_of(release: Release) -> AirTime | None:
    """The release's air time, when a story gave one."""
    return AirTime(release.air_time, release.time_zone) if release.air_time else None


@dataclass(frozen=True)
class NewFact:
    """A fact as the calendar takes it, from a story of a source."""

    show_id: int
    season: int | None
    event: str
    date: ReleaseDate
    platform: str | None
    story_id: int
    source_id: int
    published: datetime
    air_time: AirTime | None = None


@dataclass(frozen=True)
class Applied:
    release_id: int
    change: Change
    old: ReleaseDate | None
    new: ReleaseDate
    history_id: int | None  # the ReleaseChange row when the date moved


class ReleaseRepo:
    """Contract: one release per (show, season, kind); every date it had is in its history."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def apply(self, fact: NewFact) -> Applied:
        """Updates the calendar with a fact, following the rules of bot.domain.calendar."""
        season = fact.season or 0
        kind = self._slot(fact.show_id, season, fact.event, fact.date)
        release = self.session.exec(
            select(Release).where(
                Release.show_id == fact.show_id, Release.season == season, Release.kind == kind
            )
        ).first()
        known = None
        if release is not None:
            known = Known(ReleaseDate.parse(release.date_value), release.manual, release.dated_at)
        decision = decide(known, fact.date, fact.published, moved=fact.event == "date_change")
        if release is None:
            release = Release(show_id=fact.show_id, season=season, kind=kind)
            self.session.add(release)
        old = known.date if known else None
        history_id = None
        if decision.change in (Change.NEW, Change.REFINED, Change.MOVED):
            self._set_date(release, decision.date, fact.published)
        if fact.platform and not release.manual:
            release.platform = fact.platform
        if fact.air_time and not release.manual and fact.date == decision.date:
            # A moved day keeps its known slot until a story gives a new one.
            release.air_time, release.time_zone = fact.air_time.at, fact.air_time.zone
        self.session.flush()
        assert release.id is not None
        if decision.change == Change.MOVED and old is not None:
            change = ReleaseChange(
                release_id=release.id,
                story_id=fact.story_id,
                old_value=old.value,
                old_precision=old.precision,
                new_value=decision.date.value,
                new_precision=decision.date.precision,
            )
            self.session.add(change)
            self.session.flush()
            history_id = change.id
        self._link(release.id, fact.story_id, fact.date)
        release.status = self._status(release)
        self.session.flush()
        return Applied(release.id, decision.change, old, decision.date, history_id)

    def set_manual(
        self, show_id: int, season: int, when: ReleaseDate, platform: str | None
    ) -> Applied:
        """A date entered by hand (/premiere set): it wins over news until cleared."""
        release = self.session.exec(
            select(Release).where(
                Release.show_id == show_id,
                Release.season == season,
                Release.kind == ReleaseKind.PREMIERE,
            )
        ).first()
        old = ReleaseDate.parse(release.date_value) if release else None
        if release is None:
            release = Release(show_id=show_id, season=season, kind=ReleaseKind.PREMIERE)
            self.session.add(release)
        self._set_date(release, when, utcnow())
        release.manual, release.status = True, ReleaseStatus.CONFIRMED
        if platform:
            release.platform = platform
        self.session.flush()
        assert release.id is not None
        history_id = None
        if old is not None and old != when:
            change = ReleaseChange(
                release_id=release.id,
                old_value=old.value,
                old_precision=old.precision,
                new_value=when.value,
                new_precision=when.precision,
                reason="manual",
            )
            self.session.add(change)
            self.session.flush()
            history_id = change.id
        kind = Change.NEW if old is None else Change.MOVED if history_id else Change.SAME
        return Applied(release.id, kind, old, when, history_id)

    def clear_manual(self, show_id: int, season: int) -> bool:
        """Lets news update the release again; False when nothing was entered by hand."""
        release = self.session.exec(
            select(Release).where(
                Release.show_id == show_id, Release.season == season, col(Release.manual).is_(True)
            )
        ).first()
        if release is None:
            return False
        release.manual = False
        release.status = self._status(release)
        self.session.flush()
        return True

    def mark_aired(self, today: date) -> int:
        """Marks dated releases whose last possible day has passed as aired; returns how many."""
        result = self.session.execute(
            update(Release)
            .where(
                col(Release.window_end) < today,
                col(Release.status) != ReleaseStatus.AIRED,
                col(Release.kind).in_(
                    [ReleaseKind.PREMIERE, ReleaseKind.RETURN, ReleaseKind.FINALE]
                ),
            )
            .values(status=ReleaseStatus.AIRED, updated_at=utcnow())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def upcoming(
        self, start: date, end: date, *, followed_only: bool, guild_id: int | None = None
    ) -> list[tuple[Release, Show]]:
        """Dated releases that may fall between `start` and `end`, by their first possible day."""
        query = (
            select(Release, Show)
            .join(Show)
            .where(
                col(Release.kind).in_(
                    [ReleaseKind.PREMIERE, ReleaseKind.RETURN, ReleaseKind.FINALE]
                ),
                col(Release.window_end) >= start,
                col(Release.window_start) <= end,
            )
        )
        if followed_only or guild_id is not None:
            followed = select(Follow.show_id)
            if guild_id is not None:
                followed = followed.where(Follow.guild_id == guild_id)
            query = query.where(col(Release.show_id).in_(followed))
        rows = self.session.exec(query).all()
        ranks = list(Precision)
        return sorted(
            rows,
            key=lambda r: (
                r[0].window_start or end,
                ranks.index(Precision(r[0].precision)),
                r[1].title,
            ),
        )

    def all_of_show(self, show_id: int) -> list[Release]:
        """Every release of the show, the calendar's and the news's, by season then kind."""
        query = select(Release).where(Release.show_id == show_id)
        return list(self.session.exec(query.order_by(col(Release.season), col(Release.kind))).all())

    def of_show(self, show_id: int, today: date) -> list[Release]:
        """The show's releases still ahead (or undated), soonest first."""
        query = select(Release).where(
            Release.show_id == show_id,
            col(Release.kind).in_([ReleaseKind.PREMIERE, ReleaseKind.RETURN, ReleaseKind.FINALE]),
            or_(col(Release.window_end).is_(None), col(Release.window_end) >= today),
        )
        rows = self.session.exec(query).all()
        return sorted(rows, key=lambda r: (r.window_start is None, r.window_start or today))

    def history(self, release_id: int) -> list[ReleaseChange]:
        """The release's date changes, oldest first."""
        query = select(ReleaseChange).where(ReleaseChange.release_id == release_id)
        return list(self.session.exec(query.order_by(col(ReleaseChange.id))).all())

    def sources(self, release_id: int) -> list[tuple[Story, Source]]:
        """The stories the release was learnt from, with their sources, oldest first."""
        query = (
            select(Story, Source)
            .join(ReleaseStory, col(ReleaseStory.story_id) == Story.id)
            .join(Source, col(Source.id) == Story.source_id)
            .where(ReleaseStory.release_id == release_id)
        )
        return list(self.session.exec(query.order_by(col(Story.published_at))).all())

    def _slot(self, show_id: int, season: int, event: str, when: ReleaseDate) -> ReleaseKind:
        kind = release_kind(event)
        if kind != ReleaseKind.RETURN:
            return kind
        premiere = self.session.exec(
            select(Release).where(
                Release.show_id == show_id,
                Release.season == season,
                Release.kind == ReleaseKind.PREMIERE,
            )
        ).first()
        window = when.window()
        if premiere is None or premiere.window_start is None or window is None:
            return ReleaseKind.PREMIERE  # "S2 returns Mar 3" is the season's premiere
        gap = (window[0] - premiere.window_start).days
        return ReleaseKind.RETURN if gap > _SECOND_PART_GAP_DAYS else ReleaseKind.PREMIERE

    def _set_date(self, release: Release, when: ReleaseDate, published: datetime) -> None:
        window = when.window()
        release.date_value, release.precision = when.value, when.precision
        release.window_start, release.window_end = window if window else (None, None)
        release.dated_at = published
        release.updated_at = utcnow()

    def _link(self, release_id: int, story_id: int, when: ReleaseDate) -> None:
        if self.session.get(ReleaseStory, (release_id, story_id)) is None:
            self.session.add(
                ReleaseStory(release_id=release_id, story_id=story_id, date_value=when.value)
            )
            self.session.flush()

    def _status(self, release: Release) -> str:
        """Confirmed by a manual entry or by two sources that give the current date."""
        if release.manual:
            return ReleaseStatus.CONFIRMED
        if release.precision == Precision.TBA:
            return ReleaseStatus.ANNOUNCED
        agreeing = self.session.exec(
            select(func.count(func.distinct(Story.source_id)))
            .join(ReleaseStory, col(ReleaseStory.story_id) == Story.id)
            .where(
                ReleaseStory.release_id == release.id,
                ReleaseStory.date_value == release.date_value,
            )
        ).one()
        return ReleaseStatus.CONFIRMED if agreeing >= 2 else ReleaseStatus.ANNOUNCED
