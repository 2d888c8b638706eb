"""`premiere-bot run`: the bot on Discord, or with `--console` everything but Discord."""

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    config_and_store,
    config_path,
    imports_done,
)

if TYPE_CHECKING:
    from bot.config import FeedsConfig
    from bot.settings import Settings
    from bot.store.db import Store

log = logging.getLogger("bot")


def run(args: argparse.Namespace, settings: "Settings") -> int:
    if settings.discord_token is None and not args.console:
        print(
            "premiere-bot run needs a Discord bot token: set DISCORD_TOKEN in the environment "
            "or in .env (see README.md, 'Discord application').\n"
            "To try feeds.yaml without Discord, run `premiere-bot run --console`.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    ready = config_and_store(args, settings)
    if ready is None:
        return EXIT_INVALID
    config, store = ready
    import asyncio

    if args.console:
        return asyncio.run(_console(store, config, settings, config_path(args, settings)))
    from bot.discord_app.runner import run_bot

    imports_done()
    return asyncio.run(run_bot(store, config, settings, config_path(args, settings)))


async def _console(store: "Store", config: "FeedsConfig", settings: "Settings", path: Path) -> int:
    """Everything but Discord: polls, classifies, and prints each post as it would appear."""
    import asyncio
    import signal
    from datetime import UTC, datetime

    from bot.feeds.fetch import Fetcher
    from bot.feeds.parsing_pool import ParsingPool
    from bot.leader import Leadership
    from bot.notify.console import ConsoleSender
    from bot.scheduling import Jobs
    from bot.service import Service, worker_name
    from bot.store.sync import apply_config

    imports_done()
    with store.session() as session:
        apply_config(session, config, datetime.now(UTC))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    parsers = ParsingPool()
    try:
        async with Fetcher.open() as fetcher:
            sender = ConsoleSender(sys.stdout)
            service = Service(
                store, config, sender, fetcher, parsers,
                worker=worker_name(), shards=settings.shards,
                config_path=path,
            )  # fmt: skip
            jobs = Jobs(service, Leadership(store.engine))
            jobs.start()
            log.info("running in console mode; Ctrl-C stops")
            await stop.wait()
            await jobs.close()
    finally:
        parsers.close()
        store.close()
    log.info("stopped")
    return EXIT_OK
