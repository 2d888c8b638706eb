"""`premiere-bot run`: the client, its slash commands, and the jobs delivering through it."""

import asyncio
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import discord

from bot.config.schema import FeedsConfig
from bot.discord_app.client import PremiereBot
from bot.discord_app.endpoints import configure
from bot.discord_app.events import events_job
from bot.discord_app.sender import DiscordSender
from bot.feeds.fetch import Fetcher
from bot.feeds.parsing_pool import ParsingPool
from bot.leader import Leadership
from bot.scheduling import Jobs
from bot.service import Service, worker_name
from bot.settings import Settings
from bot.store.db import Store
from bot.store.sync import apply_config


async def run_bot(store: Store, config: FeedsConfig, settings: Settings, config_path: Path) -> int:
    """The bot: the client, its slash commands, and the scheduled jobs delivering to it."""
    assert settings.discord_token is not None
    configure(settings.discord_api_base, settings.discord_gateway_url)
    with store.session() as session:
        apply_config(session, config, datetime.now(UTC))
    parsers = ParsingPool()
    try:
        async with Fetcher.open() as fetcher:

            def jobs(client: PremiereBot) -> Jobs:
                service = Service(
                    store, config, DiscordSender(client), fetcher, parsers,
                    worker=worker_name(), shards=settings.shards,
                    config_path=config_path,
                )  # fmt: skip
                events = events_job(client, store, config)
                return Jobs(service, Leadership(store.engine), [(events, 600, "events")])

            bot = PremiereBot(
                store, config.defaults, jobs,
                shard_count=settings.shard_count, shard_ids=settings.shard_ids,
            )  # fmt: skip
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
            async with bot:
                try:
                    await bot.start(settings.discord_token.get_secret_value())
                except discord.LoginFailure:
                    print("Discord refused the token: check DISCORD_TOKEN.", file=sys.stderr)
                    return 1
    finally:
        parsers.close()
        store.close()
    return 0
