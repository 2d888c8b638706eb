"""The client's start-up: commands synced only when they changed, and kept across restarts."""

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
