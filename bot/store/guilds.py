"""Guild settings repository: what each server chose; feeds.yaml defaults fill the rest."""

from typing import Any

from sqlmodel import Session, select

from bot.config.schema import Defaults
from bot.domain.guild import GuildPrefs, TimedSlot
from bot.domain.release import AlertMode
from bot.store.tables import Digest, GuildSettings, utcnow

_CHOICES = frozenset(
    {"timezone", "countdown_time", "alert_mode", "events_enabled", "admin_channel_id"}
)


class GuildSettingsRepo:
    """Contract: a row holds only what the guild chose; `effective` adds the defaults."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def effective(self, guild_id: int, defaults: Defaults) -> GuildPrefs:
        row = self.session.get(GuildSettings, guild_id)
        return GuildPrefs(
            timezone=(row and row.timezone) or defaults.timezone,
            countdown_time=(row and row.countdown_time) or defaults.countdown_hour,
            alert_mode=AlertMode((row and row.alert_mode) or AlertMode.ALL),
            events_enabled=bool(row and row.events_enabled),
            admin_channel_id=(row and row.admin_channel_id) or defaults.admin_channel,
        )

    def timed_slots(self, defaults: Defaults) -> set[TimedSlot]:
        """Every local time at which a guild's countdowns or a channel's digest fall due
        (guilds without settings use the defaults' time). Two queries, whatever the count."""
        rows = {row.guild_id: row for row in self.session.exec(select(GuildSettings)).all()}

        def zone(guild_id: int) -> str:
            row = rows.get(guild_id)
            return (row and row.timezone) or defaults.timezone

        slots = {TimedSlot(defaults.timezone, defaults.countdown_hour)}
        for row in rows.values():
            slots.add(
                TimedSlot(
                    row.timezone or defaults.timezone, row.countdown_time or defaults.countdown_hour
                )
            )
        for digest in self.session.exec(select(Digest)).all():
            slots.add(TimedSlot(zone(digest.guild_id), digest.at, digest.weekday))
        return slots

    def update(self, guild_id: int, **choices: Any) -> GuildSettings:
        """Records the guild's choices (None puts a setting back to the default)."""
        unknown = set(choices) - _CHOICES
        if unknown:
            raise ValueError(f"not a guild setting: {', '.join(sorted(unknown))}")
        row = self.session.get(GuildSettings, guild_id) or GuildSettings(guild_id=guild_id)
        for name, value in choices.items():
            setattr(row, name, value if name != "events_enabled" else bool(value))
        row.updated_at = utcnow()
        self.session.add(row)
        self.session.flush()
        return row
