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
