"""Commands for people with Manage Server: manual dates, server settings, feed health."""

import asyncio
import enum
import re
import zoneinfo
from datetime import UTC, date, datetime, time

import discord
from discord import app_commands
from discord.ext import commands

from bot.classify.dates import find_dates
from bot.config.schema import Defaults
from bot.discord_app.cogs.common import UserError, catalogue_choices, send_lines, title_of
from bot.discord_app.render import release_when
from bot.domain.dates import ReleaseDate
from bot.domain.release import AlertMode
from bot.status import SourceHealth, source_health
from bot.store.db import Store
from bot.store.digests import DigestRepo
from bot.store.guilds import GuildSettingsRepo
from bot.store.releases import ReleaseRepo
from bot.store.shows import ShowRepo

_ZONES = sorted(zoneinfo.available_timezones())
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?$")


class Weekday(enum.Enum):
    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"
    off = "off"


class Admin(commands.Cog):
    premiere = app_commands.Group(
        name="premiere",
        description="Enter release dates by hand (news never overrides them)",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )
    settings = app_commands.Group(
        name="settings",
        description="This server's time zone, countdown hour, alert mode and events",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )
    feeds = app_commands.Group(
        name="feeds",
        description="The news sources the bot reads",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, store: Store, defaults: Defaults) -> None:
        self.store = store
        self.defaults = defaults

    @premiere.command(name="set", description="Set a season's premiere date by hand")
    @app_commands.describe(date="e.g. 2027-03-03, March 3 2027, March 2027, fall 2027")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def premiere_set(
        self,
        interaction: discord.Interaction,
        show: str,
        season: app_commands.Range[int, 1, 99],
        date: str,
        platform: str | None = None,
    ) -> None:
        title = title_of(show)
        today = datetime.now(UTC).date()
        when = _read_date(date, today)
        window = when.window()
        if window is None or window[1] < today:
            raise UserError(f"{release_when(when.value)} has already passed.")

        def record() -> str:
            with self.store.session() as session:
                known, _ = ShowRepo(session).add(title)
                assert known.id is not None
                ReleaseRepo(session).set_manual(known.id, season, when, platform)
                return known.title

        name = await asyncio.to_thread(record)
        where = f" on {platform}" if platform else ""
        await interaction.response.send_message(
            f"**{name}** season {season} premieres {release_when(when.value)}{where} (set by hand)."
        )

    @premiere.command(name="clear", description="Let the news update a season's date again")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def premiere_clear(
        self, interaction: discord.Interaction, show: str, season: app_commands.Range[int, 1, 99]
    ) -> None:
        title = title_of(show)

        def clear() -> bool:
            with self.store.session() as session:
                known = ShowRepo(session).find(title)
                return bool(
                    known and known.id and ReleaseRepo(session).clear_manual(known.id, season)
                )

        if not await asyncio.to_thread(clear):
            raise UserError(f"No date was set by hand for **{title}** season {season}.")
        await interaction.response.send_message(
            f"**{title}** season {season} follows the news again."
        )

    @settings.command(name="timezone", description="The time zone of this server's countdowns")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def set_timezone(self, interaction: discord.Interaction, zone: str) -> None:
        if zone not in _ZONES:
            raise UserError(
                f"{zone!r} is not a time zone I know; pick one from the list (e.g. Europe/London)."
            )
        await self._update(interaction, f"Countdowns now use {zone}.", timezone=zone)

    @set_timezone.autocomplete("zone")
    async def zone_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.lower().replace(" ", "_")
        return [app_commands.Choice(name=z, value=z) for z in _ZONES if typed in z.lower()][:25]

    @settings.command(
        name="countdown-hour", description="The local time of the daily countdown (e.g. 9 or 18:30)"
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def set_countdown_hour(self, interaction: discord.Interaction, at: str) -> None:
        clock = _clock(at)
        await self._update(
            interaction, f"Countdowns now post at {clock:%H:%M}.", countdown_time=clock
        )

    @settings.command(name="mode", description="Alert on all news, or only on stories with dates")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def set_mode(self, interaction: discord.Interaction, mode: AlertMode) -> None:
        await self._update(interaction, f"Alert mode: {mode.value}.", alert_mode=mode.value)

    @settings.command(name="events", description="Create Discord scheduled events for exact dates")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def set_events(self, interaction: discord.Interaction, enabled: bool) -> None:
        state = "on" if enabled else "off"
        await self._update(interaction, f"Scheduled events are {state}.", events_enabled=enabled)

    @settings.command(name="digest", description="A weekly digest in this channel (or off)")
    @app_commands.describe(day="the weekday, or off", at="local time, e.g. 9 or 18:30")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def set_digest(
        self, interaction: discord.Interaction, day: Weekday, at: str = "9"
    ) -> None:
        assert interaction.guild is not None and interaction.channel is not None
        guild_id, channel_id = interaction.guild.id, interaction.channel.id
        clock = _clock(at)

        def save() -> None:
            with self.store.session() as session:
                digests = DigestRepo(session)
                if day == Weekday.off:
                    digests.clear(channel_id)
                else:
                    digests.set(guild_id, channel_id, list(Weekday).index(day), clock)

        await asyncio.to_thread(save)
        if day == Weekday.off:
            await interaction.response.send_message("No weekly digest here any more.")
        else:
            await interaction.response.send_message(
                f"A weekly digest will post here every {day.name.capitalize()} at {clock:%H:%M}."
            )

    @settings.command(
        name="admin-channel",
        description="Where problems (lost channels, broken feeds) are reported",
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def set_admin_channel(
        self, interaction: discord.Interaction, channel: discord.TextChannel
    ) -> None:
        await self._update(
            interaction,
            f"Problems will be reported in {channel.mention}.",
            admin_channel_id=channel.id,
        )

    @feeds.command(name="status", description="Each source with its last success and last error")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def feeds_status(self, interaction: discord.Interaction) -> None:
        now = datetime.now(UTC)

        def health() -> list[SourceHealth]:
            with self.store.session() as session:
                return source_health(session, now)

        rows = [_status_line(source) for source in await asyncio.to_thread(health)]
        await send_lines(
            interaction, rows or ["No sources: add some to feeds.yaml."], ephemeral=True
        )

    @premiere_set.autocomplete("show")
    @premiere_clear.autocomplete("show")
    async def show_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await catalogue_choices(self.store, current)

    async def _update(
        self, interaction: discord.Interaction, reply: str, **choices: object
    ) -> None:
        assert interaction.guild is not None
        guild_id = interaction.guild.id

        def save() -> None:
            with self.store.session() as session:
                GuildSettingsRepo(session).update(guild_id, **choices)

        await asyncio.to_thread(save)
        await interaction.response.send_message(reply)


def _status_line(source: SourceHealth) -> str:
    # What the site answered, as it was (an HTTP reason phrase is the site's).
    error = discord.utils.escape_markdown(source.error or "")
    if source.state == "disabled":
        state = f"off ({source.error})"
    elif source.state == "broken":
        state = f"BROKEN: {error}"
    elif source.state == "failing":
        state = f"failing ({source.failures}x): {error}"
    elif source.last_polled is None:
        state = "not polled yet"
    elif source.quiet:
        state = (
            f"quiet: no new story since {_when(source.newest_story)}"
            if source.newest_story
            else f"quiet: no story since it was added {_when(source.added)}"
        )
    else:
        state = "ok"
    if source.moved_to:  # in a code span: shown as it is, whatever characters it holds
        state += f", moved permanently to `{source.moved_to.replace('`', '%60')}`"
    last = _when(source.last_success) if source.last_success else "never"
    return f"• **{source.name}** - {state} · last success {last}"


def _when(moment: datetime) -> str:
    """A moment as Discord shows it in each reader's words: "3 days ago"."""
    return f"<t:{int(moment.timestamp())}:R>"


def _clock(text: str) -> time:
    match = _CLOCK.match(text.strip())
    if not match or int(match[1]) > 23 or int(match[2] or 0) > 59:
        raise UserError(f"{text!r} is not a time of day; write e.g. 9 or 18:30.")
    return time(int(match[1]), int(match[2] or 0))


def _read_date(text: str, today: date) -> ReleaseDate:
    """One date and nothing else: "2027-03-03", "March 3, 2027", "March 2027", "fall 2027"."""
    found = find_dates(text, today)
    rest = text[: found[0].start] + text[found[0].end :] if len(found) == 1 else text
    if len(found) != 1 or rest.strip(" ,.-"):
        raise UserError(f"I can't read {text!r} as a date; try 2027-03-03 or March 3, 2027.")
    return found[0].date
