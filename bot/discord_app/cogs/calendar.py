"""/upcoming, /countdown, /show and /calendar: what the calendar knows, for everyone."""

import asyncio
import io
from datetime import UTC, date, datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.calendar_view import entries, ics
from bot.discord_app.cogs.common import UserError, catalogue_choices, send_lines, title_of
from bot.discord_app.render import (
    EMBED_LIMIT,
    FIELD_LIMIT,
    FIELDS_LIMIT,
    release_when,
    source_link,
)
from bot.domain.release import Precision
from bot.notify.countdown import Upcoming, countdown_text
from bot.store.db import Store
from bot.store.releases import ReleaseRepo, air_time_of
from bot.store.shows import ShowRepo

LIST_LIMIT = 25


class Calendar(commands.Cog):
    def __init__(self, store: Store) -> None:
        self.store = store

    @app_commands.command(description="Followed shows' releases in the coming days")
    @app_commands.describe(days="how far ahead (default 30)")
    @app_commands.guild_only()
    async def upcoming(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, 365] = 30
    ) -> None:
        assert interaction.guild is not None
        guild_id = interaction.guild.id

        def listing() -> list[str]:
            with self.store.session() as session:
                found = entries(
                    ReleaseRepo(session), _today(), days, followed_only=True, guild_id=guild_id
                )
            return [
                f"• {e.title} - {release_when(e.release.date_value, air_time_of(e.release))}"
                for e in found[:LIST_LIMIT]
            ]

        lines = await asyncio.to_thread(listing)
        if not lines:
            await interaction.response.send_message(
                f"Nothing followed here has a date in the next {days} days.", ephemeral=True
            )
            return
        await send_lines(interaction, [f"**Next {days} days**", *lines])

    @app_commands.command(description="How long until a show's next release")
    @app_commands.guild_only()
    async def countdown(self, interaction: discord.Interaction, show: str) -> None:
        title = title_of(show)

        def line() -> str | None:
            with self.store.session() as session:
                found = ShowRepo(session).find(title)
                if found is None or found.id is None:
                    return None
                releases = ReleaseRepo(session).of_show(found.id, _today())
                if not releases:
                    return f"**{found.title}**: no date yet."
                release = releases[0]
                if release.precision != Precision.DAY or release.window_start is None:
                    return f"**{found.title}**: {release_when(release.date_value)}."
                item = Upcoming(
                    0,
                    None,
                    found.title,
                    release.season,
                    release.kind,
                    release.window_start,
                    release.platform,
                    air_time_of(release),
                )
                return countdown_text(item, (release.window_start - _today()).days)

        text = await asyncio.to_thread(line)
        if text is None:
            raise UserError(f"I don't know a show called **{title}**.")
        await interaction.response.send_message(text)

    @app_commands.command(
        description="Everything known about a show: releases, date changes, sources"
    )
    @app_commands.guild_only()
    async def show(self, interaction: discord.Interaction, show: str) -> None:
        title = title_of(show)

        def describe() -> discord.Embed | None:
            with self.store.session() as session:
                found = ShowRepo(session).find(title)
                if found is None or found.id is None:
                    return None
                repo = ReleaseRepo(session)
                card = discord.Embed(title=found.title, description=found.network or None)
                releases = repo.all_of_show(found.id)
                # What Discord takes of one card, with room for the footer saying what is not.
                room = EMBED_LIMIT - len(found.title) - len(found.network or "") - 40
                for shown_count, release in enumerate(releases):
                    assert release.id is not None
                    season = f"Season {release.season} " if release.season else ""
                    shown = release_when(release.date_value, air_time_of(release))
                    lines = [f"{shown} · {release.status}"]
                    lines += [
                        f"moved {c.old_value or 'TBA'} → {c.new_value or 'TBA'}"
                        for c in repo.history(release.id)
                    ]
                    lines += [source_link(source.name, story.url)
                              for story, source in repo.sources(release.id)[:3]]  # fmt: skip
                    name, value = f"{season}{release.kind}", "\n".join(lines)[:FIELD_LIMIT]
                    room -= len(name) + len(value)
                    if room < 0 or shown_count == FIELDS_LIMIT:
                        card.set_footer(
                            text=f"{len(releases) - shown_count} more releases not shown"
                        )
                        break
                    card.add_field(name=name, value=value, inline=False)
                if not card.fields:
                    card.description = (
                        card.description or ""
                    ) + "\nNothing is known about its releases yet."
                return card

        card = await asyncio.to_thread(describe)
        if card is None:
            raise UserError(f"I don't know a show called **{title}**.")
        await interaction.response.send_message(embed=card)

    @app_commands.command(description="An .ics calendar of this server's followed releases")
    @app_commands.guild_only()
    async def calendar(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None
        guild_id = interaction.guild.id

        def build() -> tuple[bytes, int]:
            with self.store.session() as session:
                found = entries(
                    ReleaseRepo(session), _today(), 365, followed_only=True, guild_id=guild_id
                )
            return ics(found), len(found)

        data, count = await asyncio.to_thread(build)
        await interaction.response.send_message(
            f"{count} followed releases. Import the file into your calendar app.",
            file=discord.File(io.BytesIO(data), filename="premieres.ics"),
        )

    @countdown.autocomplete("show")
    @show.autocomplete("show")
    async def show_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await catalogue_choices(self.store, current)


def _today() -> date:
    return datetime.now(UTC).date()
