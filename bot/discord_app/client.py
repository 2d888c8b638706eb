"""The discord.py client: minimal intents, no mentions by default, one error handler."""

import asyncio
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.config.schema import Defaults
from bot.discord_app.cogs.admin import Admin
from bot.discord_app.cogs.calendar import Calendar
from bot.discord_app.cogs.common import UserError
from bot.discord_app.cogs.follows import Follows
from bot.store.db import Store
from bot.store.state import StateRepo

if TYPE_CHECKING:
    from bot.scheduling import Jobs

log = logging.getLogger(__name__)
COMMANDS_KEY = "slash_commands_sha256"


# Builds the scheduled jobs once the client exists (they deliver through it).
JobsFactory = Callable[["PremiereBot"], "Jobs"]


class PremiereBot(commands.AutoShardedBot):
    """Sharded: with no shard settings it runs as many shards as Discord recommends; with
    SHARD_COUNT and SHARD_IDS several processes split them."""

    def __init__(
        self,
        store: Store,
        defaults: Defaults,
        jobs: JobsFactory | None = None,
        *,
        shard_count: int | None = None,
        shard_ids: Sequence[int] | None = None,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # no privileged intents: the bot reads no messages
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),  # a title with @everyone pings nobody
            shard_count=shard_count,
            # None means every shard; discord.py's annotation leaves its own default out.
            shard_ids=list(shard_ids) if shard_ids is not None else None,  # type: ignore[arg-type]
        )
        self.store = store
        self.defaults = defaults
        self._jobs = jobs
        self.jobs: Jobs | None = None
        self.tree.error(self.on_app_command_error)

    async def setup_hook(self) -> None:
        # Cogs and jobs start here, once per process; on_ready fires again on every reconnect.
        await self.add_cog(Follows(self.store))
        await self.add_cog(Calendar(self.store))
        await self.add_cog(Admin(self.store, self.defaults))
        await self.sync_commands()
        if self._jobs is not None:
            self.jobs = self._jobs(self)
            self.jobs.start()

    async def close(self) -> None:
        if self.jobs is not None:
            await self.jobs.close()  # before the connection goes: the last send may finish
        await super().close()

    async def sync_commands(self) -> bool:
        """Syncs the slash commands only when they changed since the last sync: Discord
        limits how often a bot may rewrite them. Returns whether it synced."""
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

        def stored() -> str | None:
            with self.store.session() as session:
                return StateRepo(session).get(COMMANDS_KEY)

        if await asyncio.to_thread(stored) == digest:
            return False
        await self.tree.sync()

        def remember() -> None:
            with self.store.session() as session:
                StateRepo(session).set(COMMANDS_KEY, digest)

        await asyncio.to_thread(remember)
        log.info("slash commands synced commands=%d", len(payload))
        return True

    async def on_app_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Users get a short, specific message; the log gets the traceback."""
        if isinstance(error, UserError):
            message = str(error)
        elif isinstance(error, app_commands.MissingPermissions):
            message = "You need the Manage Server permission for that."
        elif isinstance(error, app_commands.NoPrivateMessage):
            message = "That command works in a server, not in direct messages."
        else:
            log.error(
                "command failed command=%s",
                getattr(interaction.command, "name", "?"),
                exc_info=error,
            )
            message = "Something went wrong on my side; it has been logged."
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
