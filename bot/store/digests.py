"""Digests repository: which channels get a weekly digest, and when."""

from datetime import time

from sqlmodel import Session, select

from bot.store.tables import Digest


class DigestRepo:
    """Contract: a channel has at most one weekly digest."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def set(self, guild_id: int, channel_id: int, weekday: int, at: time) -> Digest:
        if not 0 <= weekday <= 6:
            raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
        row = self.session.get(Digest, channel_id) or Digest(
            channel_id=channel_id, guild_id=guild_id, weekday=weekday, at=at
        )
        row.guild_id, row.weekday, row.at = guild_id, weekday, at
        self.session.add(row)
        self.session.flush()
        return row

    def clear(self, channel_id: int) -> bool:
        """Stops the channel's digest; False when it had none."""
        row = self.session.get(Digest, channel_id)
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    def all(self) -> list[Digest]:
        return list(self.session.exec(select(Digest)).all())
