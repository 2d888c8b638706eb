"""Sources repository: the feeds the bot polls and their polling state."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, or_, update
from sqlmodel import Session, col, select

from bot.config.schema import FeedsConfig
from bot.store.tables import Source

REMOVED_FROM_CONFIG = "removed from feeds.yaml"
DISABLED_IN_CONFIG = "enabled: false in feeds.yaml"
_SOURCE: Table = Source.__table__  # type: ignore[attr-defined]


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)


class SourceRepo:
    """Contract: feeds.yaml sources are matched by URL, so renaming one keeps its poll state."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def sync_config(self, config: FeedsConfig, now: datetime) -> SyncReport:
        """Makes the feeds.yaml sources match `config`; sources it no longer lists are disabled."""
        report = SyncReport()
        existing = {s.url: s for s in self.session.exec(select(Source)).all()}
        wanted = {s.url for s in config.sources}
        # Free the names of rows that are renamed or retired first: names are UNIQUE.
        by_name = {s.name: s for s in existing.values()}
        for source in config.sources:
            holder = by_name.get(source.name)
            if holder is not None and holder.url != source.url and holder.url not in wanted:
                holder.name = f"{holder.name} (retired #{holder.id})"
        self.session.flush()

        for source in config.sources:
            interval = int(config.interval_of(source).total_seconds())
            disabled = None if source.enabled else DISABLED_IN_CONFIG
            row = existing.get(source.url)
            if row is None:
                row = Source(name=source.name, url=source.url, interval_seconds=interval)
                row.disabled_reason, row.enabled, row.next_poll_at = disabled, source.enabled, now
                self.session.add(row)
                report.added.append(source.name)
                continue
            values = {
                "name": source.name,
                "interval_seconds": interval,
                "enabled": source.enabled,
                "origin": "config",
                "disabled_reason": disabled,
            }
            if row.disabled_reason not in (None, REMOVED_FROM_CONFIG, DISABLED_IN_CONFIG):
                del values["disabled_reason"]  # a reason set elsewhere is not feeds.yaml's
            changed = {name: v for name, v in values.items() if getattr(row, name) != v}
            if changed:
                report.updated.append(source.name)
            if not row.trusted:
                changed["trusted"] = True
            # Only what differs is set: a row given its own values again is still examined by
            # the flush, which doubled the cost of this sync (every poll runs it) at 1,000 feeds.
            for name, value in changed.items():
                setattr(row, name, value)

        for url, row in existing.items():
            if row.origin == "config" and url not in wanted and row.enabled:
                row.enabled, row.disabled_reason = False, REMOVED_FROM_CONFIG
                report.disabled.append(row.name)
        self.session.flush()
        return report

    def all(self) -> list[Source]:
        """Every source, in name order."""
        return list(self.session.exec(select(Source).order_by(col(Source.name))).all())

    def to_poll(self, now: datetime, *, everything: bool = False) -> list[Source]:
        """Enabled sources whose next poll time has come (all enabled ones with `everything`)."""
        query = select(Source).where(col(Source.enabled).is_(True))
        if not everything:
            due = or_(col(Source.next_poll_at).is_(None), col(Source.next_poll_at) <= now)
            query = query.where(due)
        return list(self.session.exec(query.order_by(col(Source.id))).all())

    def record(self, outcomes: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Writes the outcomes of polls onto their source rows, as one executemany per shape."""
        shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for source_id, changes in outcomes:
            shapes.setdefault(tuple(sorted(changes)), []).append(
                {"source_id": source_id, **changes}
            )
        for names, rows in shapes.items():
            # Through the table: the ORM's bulk update by primary key cost a quarter of a
            # millisecond per source, more than the HTTP request for an unchanged feed.
            statement = (
                update(_SOURCE)
                .where(_SOURCE.c.id == bindparam("source_id"))
                .values({name: bindparam(name) for name in names})
            )
            self.session.execute(statement, rows)

    def by_name(self, name: str) -> Source | None:
        """The source called `name`, if any."""
        return self.session.exec(select(Source).where(Source.name == name)).first()
