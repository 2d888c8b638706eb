"""/follow, /unfollow and /following."""

import asyncio
from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands
from sqlmodel import Session

from bot.discord_app.cogs.common import UserError, catalogue_choices, send_lines, title_of
from bot.discord_app.render import release_when
from bot.store.db import Store
from bot.store.follows import FollowRepo, NewFollow
from bot.store.releases import ReleaseRepo, air_time_of
from bot.store.shows import ShowRepo

NEEDED = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)


class Follows(commands.Cog):
    def __init__(self, store: Store) -> None:
        self.store = store

    @app_commands.command(description="Follow a show's news and dates in this or another channel")
    @app_commands.describe(show="the show's title", channel="where to post (default: here)")
    @app_commands.guild_only()
    async def follow(
        self,
        interaction: discord.Interaction,
        show: str,
        channel: discord.TextChannel | None = None,
    ) -> None:
        title = title_of(show)
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel) or interaction.guild is None:
            raise UserError("Follow a show from a text channel of a server.")
        _can_post(target)
        guild_id, user_id = interaction.guild.id, interaction.user.id

        def record() -> tuple[str, bool, bool, str | None]:
            with self.store.session() as session:
                found, created = ShowRepo(session).add(title)
                assert found.id is not None
                follow = NewFollow(guild_id, target.id, found.id, user_id)
                _, new = FollowRepo(session).follow(follow)
                return found.title, created, new, next_date(session, found.id)

        name, created, new, when = await asyncio.to_thread(record)
        lines = [
            f"Following **{name}** in {target.mention}."
            if new
            else f"{target.mention} already follows **{name}**.",
            f"Next: {when}." if when else "No date yet: you'll hear when there is one.",
        ]
        if created:
            lines.append("I didn't know this show, so I've added it to the catalogue.")
        await interaction.response.send_message("\n".join(lines), ephemeral=not new)

    @app_commands.command(description="Stop following a show in this or another channel")
    @app_commands.guild_only()
    async def unfollow(
        self,
        interaction: discord.Interaction,
        show: str,
        channel: discord.TextChannel | None = None,
    ) -> None:
        title = title_of(show)
        target = channel or interaction.channel
        assert target is not None

        def remove() -> str | None:
            with self.store.session() as session:
                found = ShowRepo(session).find(title)
                if found is None or found.id is None:
                    return None
                return found.title if FollowRepo(session).unfollow(target.id, found.id) else None

        removed = await asyncio.to_thread(remove)
        if removed is None:
            raise UserError(
                f"This channel doesn't follow **{title}**. `/following` lists what it does."
            )
        await interaction.response.send_message(
            f"Stopped following **{removed}** in <#{target.id}>."
        )

    @app_commands.command(
        description="The shows this or another channel follows, with their next dates"
    )
    @app_commands.guild_only()
    async def following(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        target = channel or interaction.channel
        assert target is not None

        def listing() -> list[str]:
            with self.store.session() as session:
                return [
                    f"• **{show.title}** - {next_date(session, show.id or 0) or 'no date yet'}"
                    for _, show in FollowRepo(session).in_channel(target.id)
                ]

        lines = await asyncio.to_thread(listing)
        if not lines:
            await interaction.response.send_message(
                "This channel follows no shows yet. Try `/follow`.", ephemeral=True
            )
            return
        await send_lines(interaction, [f"<#{target.id}> follows:", *lines])

    @follow.autocomplete("show")
    @unfollow.autocomplete("show")
    async def show_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await catalogue_choices(self.store, current)


def next_date(session: Session, show_id: int) -> str | None:
    """The show's next known release date as readers see it, if any."""
    for release in ReleaseRepo(session).of_show(show_id, datetime.now(UTC).date()):
        return release_when(release.date_value, air_time_of(release))
    return None


def _can_post(channel: discord.TextChannel) -> None:
    me = channel.guild.me
    missing = [label for name, label in NEEDED if not getattr(channel.permissions_for(me), name)]
    if missing:
        raise UserError(
            f"I can't post in {channel.mention}: I'm missing {', '.join(missing)} there."
        )
