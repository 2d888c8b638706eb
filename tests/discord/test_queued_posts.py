"""Queued posts across a restart of the bot and the loss of a channel."""

from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from bot.discord_app.client import PremiereBot
from bot.discord_app.sender import DiscordSender
from bot.notify.delivery import Delivery
from bot.store.db import Store
from bot.store.follows import FollowRepo, NewFollow
from bot.store.outbox import NewPost, OutboxRepo
from bot.store.shows import ShowRepo
from bot.store.tables import Outbox
from tests.discord.conftest import CONFIG

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def queue(store: Store, channel_id: int, *keys: str) -> None:
    posts = [NewPost(k, 1, channel_id, "alert", {"kind": "alert", "headline": k}) for k in keys]
    with store.session() as session:
        OutboxRepo(session).enqueue(posts, NOW)


def statuses(store: Store) -> list[str]:
    with store.session() as session:
        return [o.status for o in session.exec(select(Outbox).order_by(col(Outbox.id))).all()]


async def test_a_restart_mid_delivery_loses_nothing_and_doubles_nothing(
    simcord_env,
    bot_store: Store,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    channel = simcord_env.create_guild().create_text_channel("tv")
    queue(bot_store, channel.id, "p1", "p2", "p3", "p4")
    first = Delivery(
        bot_store, DiscordSender(simcord_env.bot), worker="a", clock=lambda: NOW, batch=2
    )
    assert (await first.run_once()).sent == 2

    def killed(*args: object) -> None:
        raise SystemExit("killed between sending and recording")

    monkeypatch.setattr(Delivery, "_record_batch", killed)
    with pytest.raises(SystemExit):
        await first.run_once()  # p3 and p4 reach Discord, but are never recorded
    monkeypatch.undo()

    await simcord_env.restart_bot(PremiereBot(bot_store, CONFIG.defaults))
    later = datetime(2026, 11, 24, 12, 10, tzinfo=UTC)
    second = Delivery(bot_store, DiscordSender(simcord_env.bot), worker="b", clock=lambda: later)
    while (await second.run_once()).sent:
        pass
    assert [m.embeds[0].title for m in channel.history()] == ["p1", "p2", "p3", "p4"]
    assert statuses(bot_store) == ["sent"] * 4


async def test_a_channel_deleted_while_posts_are_queued(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    guild = simcord_env.create_guild()
    doomed, other = guild.create_text_channel("doomed"), guild.create_text_channel("other")
    with bot_store.session() as session:
        show = ShowRepo(session).find("Picard")
        assert show is not None and show.id is not None
        FollowRepo(session).follow(NewFollow(guild.id, doomed.id, show.id))
    queue(bot_store, doomed.id, "d1", "d2")
    queue(bot_store, other.id, "o1")
    await simcord_env.bot.get_channel(doomed.id).delete()
    report = await Delivery(
        bot_store, DiscordSender(simcord_env.bot), worker="w", clock=lambda: NOW
    ).run_once()
    assert (report.sent, report.failed) == (1, 1)
    assert statuses(bot_store) == ["failed", "failed", "sent"]
    assert [m.embeds[0].title for m in other.history()] == ["o1"]
    with bot_store.session() as session:
        [(follow, _)] = FollowRepo(session).in_channel(doomed.id)
        assert follow.broken_reason is not None and "404" in follow.broken_reason
