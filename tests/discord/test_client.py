"""The client's start-up: commands synced only when they changed, and kept across restarts."""

import pytest

from bot.discord_app.client import COMMANDS_KEY, PremiereBot
from bot.store.db import Store
from bot.store.state import StateRepo
from tests.discord.conftest import CONFIG


def command_puts(env) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands"))


async def test_commands_sync_once_and_not_again_after_a_restart(
    simcord_env, bot_store: Store
) -> None:  # type: ignore[no-untyped-def]
    assert command_puts(simcord_env) == 1
    with bot_store.session() as session:
        assert StateRepo(session).get(COMMANDS_KEY) is not None
    await simcord_env.restart_bot(PremiereBot(bot_store, CONFIG.defaults))
    assert command_puts(simcord_env) == 1  # same commands: no second sync
    names = {c.name for c in await simcord_env.bot.tree.fetch_commands()}
    assert {"follow", "unfollow", "following", "upcoming", "countdown", "show", "calendar",
            "premiere", "settings", "feeds"} <= names  # fmt: skip


async def test_changed_commands_are_synced(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    with bot_store.session() as session:
        StateRepo(session).set(COMMANDS_KEY, "an older command set")
    await simcord_env.restart_bot(PremiereBot(bot_store, CONFIG.defaults))
    assert command_puts(simcord_env) == 2


async def test_jobs_start_in_setup_hook_and_stop_with_the_client(
    simcord_env, bot_store: Store
) -> None:  # type: ignore[no-untyped-def]
    """The scheduler starts once per process (setup_hook, not on_ready) and stops in close().
    Its jobs are paused here: simcord settles the bot after every action, and real-time
    repeating jobs never settle. Delivery through the client is tested in test_sender,
    the jobs themselves in tests/test_jobs.py."""
    from bot.discord_app.sender import DiscordSender
    from bot.feeds.fetch import Fetcher
    from bot.feeds.parsing_pool import ParsingPool
    from bot.leader import Leadership
    from bot.scheduling import Jobs
    from bot.service import Service

    parsers = ParsingPool(workers=1)
    async with Fetcher.open() as fetcher:

        def jobs(client: PremiereBot) -> Jobs:
            service = Service(
                bot_store, CONFIG, DiscordSender(client), fetcher, parsers, worker="test"
            )
            made = Jobs(service, Leadership(bot_store.engine))
            for job in made.scheduler.get_jobs():
                job.pause()
            return made

        bot = PremiereBot(bot_store, CONFIG.defaults, jobs)
        await simcord_env.restart_bot(bot)
        assert bot.jobs is not None and bot.jobs.running
        # Every process delivers and watches feeds.yaml; the leader's jobs come with the lead.
        ids = {job.id for job in bot.jobs.scheduler.get_jobs()}
        assert ids == {"deliver", "reload_config", "lead"}
        await bot.close()
        assert not bot.jobs.running
    parsers.close()


@pytest.mark.simcord(shard_count=2)
async def test_shard_settings_reach_discord_py(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    """SHARD_COUNT=2 SHARD_IDS=1: this process connects shard 1 only, and sees only the
    guilds Discord routes to it."""
    from bot.domain.shards import GUILD_SHIFT

    guilds = []
    for _ in range(6):  # a millisecond apart: a guild id's shard comes from its timestamp
        guilds.append(simcord_env.create_guild())
        await simcord_env.advance_time(0.001)
    bot = PremiereBot(bot_store, CONFIG.defaults, shard_count=2, shard_ids=[1])
    await simcord_env.restart_bot(bot)
    assert (bot.shard_count, bot.shard_ids, sorted(bot.shards)) == (2, [1], [1])
    mine = {g.id for g in guilds if (g.id >> GUILD_SHIFT) % 2 == 1}
    assert 0 < len(mine) < len(guilds)  # the guilds fall on both shards
    assert {g.id for g in bot.guilds} == mine
