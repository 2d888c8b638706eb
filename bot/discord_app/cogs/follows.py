"""/follow, /unfollow and /following."""

import asyncio
from datetime import UTC, datetime

import discord
from discord import app_commands
from discord.ext import commands
from sqlmodel import Session

from bot.discord_app.render import release_when
from bot.domain.names import fold
from bot.store.db import Store
from bot.store.follows import FollowRepo, NewFollow
from bot.store.releases import ReleaseRepo
from bot.store.shows import ShowRepo

NAME_LIMIT = 100
NEEDED = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
)


class UserError(app_commands.AppCommandError):
    """Something the user can fix; shown to them as it is, ephemerally."""


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
        title = _title(show)
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel) or interaction.guild is None:
            raise UserError("Follow a show from a text channel of a server.")
        _can_post(target)
        guild_id, user_id = interaction.guild.id, interaction.user.id

        def record() -> tuple[str, bool, bool, str | None]:
            with self.store.session() as session:
                found, created = ShowRepo(session).add(title)
                assert found.id is not None
                _, new = FollowRepo(session).follow(
                    NewFollow(guild_id, target.id, found.id, user_id)
                )
                return found.title, created, new, _next_date(session, found.id)

        name, created, new, next_date = await asyncio.to_thread(record)
        lines = [
            f"Following **{name}** in {target.mention}."
            if new
            else f"{target.mention} already follows **{name}**.",
            f"Next: {next_date}." if next_date else "No date yet: you'll hear when there is one.",
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
        title = _title(show)
        target = channel or interaction.channel
        assert target is not None

        def remove() -> str | None:
            with self.store.session() as session:
                found = ShowRepo(session).find(title)
                if (
                    found is None
                    or found.id is None
                    or not FollowRepo(session).unfollow(target.id, found.id)
                ):
                    return None
                return found.title

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
                    f"• **{show.title}** - {_next_date(session, show.id or 0) or 'no date yet'}"
                    for _, show in FollowRepo(session).in_channel(target.id)
                ]

        lines = await asyncio.to_thread(listing)
        if not lines:
            await interaction.response.send_message(
                "This channel follows no shows yet. Try `/follow`.", ephemeral=True
            )
            return
        await interaction.response.send_message(f"<#{target.id}> follows:\n" + "\n".join(lines))

    @follow.autocomplete("show")
    @unfollow.autocomplete("show")
    async def show_names(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = fold(current)

        def names() -> list[str]:
            with self.store.session() as session:
                titles = [show.title for show, _ in ShowRepo(session).catalogue()]
            starts = [t for t in titles if fold(t).startswith(typed)]
            inside = [t for t in titles if typed in fold(t) and t not in starts]
            return (starts + inside)[:25]

        return [app_commands.Choice(name=n, value=n) for n in await asyncio.to_thread(names)]


def _title(show: str) -> str:
    title = show.strip()
    if not title:
        raise UserError("Give the show's title.")
    if len(title) > NAME_LIMIT:
        raise UserError(
            f"That name is {len(title)} characters long; show titles are at most {NAME_LIMIT}."
        )
    return title


def _can_post(channel: discord.TextChannel) -> None:
    missing = [
        label
        for name, label in NEEDED
        if not getattr(channel.permissions_for(channel.guild.me), name)
    ]
    if missing:
        raise UserError(
            f"I can't post in {channel.mention}: I'm missing {', '.join(missing)} there."
        )


def _next_date(session: Session, show_id: int) -> str | None:
    today = datetime.now(UTC).date()
    for release in ReleaseRepo(session).of_show(show_id, today):
        return release_when(release.date_value)
    return None
