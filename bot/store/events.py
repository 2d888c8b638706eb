"""Event links repository: which Discord scheduled event stands for which release."""

from sqlmodel import Session, select

from bot.store.tables import EventLink


class EventLinkRepo:
    """Contract: a guild has at most one event per release."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def of_guild(self, guild_id: int) -> dict[int, EventLink]:
        rows = self.session.exec(select(EventLink).where(EventLink.guild_id == guild_id)).all()
        return {row.release_id: row for row in rows}

    def put(self, guild_id: int, release_id: int, event_id: int, date_value: str) -> None:
        row = self.session.get(EventLink, (guild_id, release_id)) or EventLink(
            guild_id=guild_id, release_id=release_id, event_id=event_id, date_value=date_value
        )
        row.event_id, row.date_value = event_id, date_value
        self.session.add(row)
        self.session.flush()

    def drop(self, guild_id: int, release_id: int) -> None:
        row = self.session.get(EventLink, (guild_id, release_id))
        if row is not None:
            self.session.delete(row)
            self.session.flush()
