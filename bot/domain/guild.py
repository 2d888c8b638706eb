"""A server's preferences, as the rest of the bot reads them."""

from dataclasses import dataclass
from datetime import time

from bot.domain.release import AlertMode


@dataclass(frozen=True)
class GuildPrefs:
    timezone: str
    countdown_time: time
    alert_mode: AlertMode
    events_enabled: bool
    admin_channel_id: int | None


@dataclass(frozen=True)
class TimedSlot:
    """A local time at which some guild's countdowns fall due (weekday None: daily) or
    some channel's weekly digest does (weekday 0 = Monday)."""

    timezone: str
    at: time
    weekday: int | None = None
