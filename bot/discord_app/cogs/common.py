"""What the cogs share: the user-facing error, show-name checks, show-name autocomplete,
long answers."""

import asyncio
from collections.abc import Sequence

import discord
from discord import app_commands

from bot.domain.names import fold
from bot.store.db import Store
from bot.store.shows import ShowRepo

NAME_LIMIT = 100
MESSAGE_LIMIT = 2000  # characters of one message's content, Discord's limit


class UserError(app_commands.AppCommandError):
    """Something the user can fix; shown to them as it is, ephemerally."""


def title_of(show: str) -> str:
    title = show.strip()
    if not title:
        raise UserError("Give the show's title.")
    if len(title) > NAME_LIMIT:
        raise UserError(
            f"That name is {len(title)} characters long; show titles are at most {NAME_LIMIT}."
        )
    return title


async def catalogue_choices(store: Store, current: str) -> list[app_commands.Choice[str]]:
    """Catalogue titles starting with what was typed, then those containing it (25 at most)."""
    typed = fold(current)

    def names() -> list[str]:
        with store.session() as session:
            titles = [show.title for show, _ in ShowRepo(session).catalogue()]
        starts = [t for t in titles if fold(t).startswith(typed)]
        inside = [t for t in titles if typed in fold(t) and t not in starts]
        return (starts + inside)[:25]

    return [app_commands.Choice(name=n, value=n) for n in await asyncio.to_thread(names)]


async def send_lines(
    interaction: discord.Interaction, lines: Sequence[str], *, ephemeral: bool = False
) -> None:
    """Answers with `lines` in as few messages as Discord's limit allows, no line split
    between two (one longer than a whole message is cut): the first answers the command,
    the others follow it. One message over the limit is refused whole, and the command
    failed ("following" 60 long titles)."""
    messages: list[str] = []
    for line in lines:
        line = line[:MESSAGE_LIMIT]
        if messages and len(messages[-1]) + 1 + len(line) <= MESSAGE_LIMIT:
            messages[-1] += "\n" + line
        else:
            messages.append(line)
    first, *rest = messages
    await interaction.response.send_message(first, ephemeral=ephemeral)
    for text in rest:
        await interaction.followup.send(text, ephemeral=ephemeral)
