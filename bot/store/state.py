"""Bot state repository: a few named values kept between runs."""

from sqlmodel import Session

from bot.store.tables import BotState, utcnow


class StateRepo:
    """Contract: one value per key; reading a key never written gives None."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> str | None:
        row = self.session.get(BotState, key)
        return row.value if row else None

    def set(self, key: str, value: str) -> None:
        row = self.session.get(BotState, key) or BotState(key=key, value=value)
        row.value, row.updated_at = value, utcnow()
        self.session.add(row)
        self.session.flush()
