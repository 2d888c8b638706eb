"""Delivery through the outbox with a fake Discord: nothing lost, nothing doubled."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.notify.delivery import Delivery, retry_delay
from bot.notify.sender import SendError, nonce_for
from bot.store.db import Store
from bot.store.follows import FollowRepo, NewFollow
from bot.store.outbox import NewPost, OutboxRepo
from bot.store.tables import Outbox, Show


class FakeDiscord:
    """Channels that keep messages; a nonce already used in a channel returns the first
    message instead of posting again (what Discord does with enforce_nonce)."""

    def __init__(self, channels: list[int]) -> None:
        self.messages: dict[int, list[tuple[int, dict[str, Any], str]]] = {c: [] for c in channels}
        self.faults: dict[int, list[SendError]] = {}
        self.next_id = 1000
        self.remembers_nonces = True

    async def send(self, channel_id: int, payload: dict[str, Any], nonce: str) -> int:
        if self.faults.get(channel_id):
            raise self.faults[channel_id].pop(0)
        if channel_id not in self.messages:
            raise SendError("403 Forbidden: Missing Access", permanent=True)
        for message_id, _, used in self.messages[channel_id]:
            if used == nonce and self.remembers_nonces:
                return message_id
        self.next_id += 1
        self.messages[channel_id].append((self.next_id, payload, nonce))
        return self.next_id

    async def edit(
        self, channel_id: int, message_id: int, payload: dict[str, Any], nonce: str
    ) -> None:
        if self.faults.get(channel_id):
            raise self.faults[channel_id].pop(0)
        messages = self.messages[channel_id]
        [index] = [i for i, (m, _, _) in enumerate(messages) if m == message_id]
        messages[index] = (message_id, payload, nonce)

    async def already_sent(self, channel_id: int, nonce: str) -> int | None:
        return next((m for m, _, n in self.messages.get(channel_id, []) if n == nonce), None)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def queue(store: Store, *posts: tuple[str, int]) -> list[int]:
    with store.session() as session:
        return OutboxRepo(session).enqueue(
            [NewPost(key, 1, channel, "alert", {"headline": key}) for key, channel in posts],
            datetime(2026, 11, 24, 9, tzinfo=UTC),
        )


def row(store: Store, post_id: int) -> Outbox:
    with store.session() as session:
        found = session.get(Outbox, post_id)
        assert found is not None
        return found


async def test_posts_are_sent_in_order_and_recorded(store: Store) -> None:
    discord, clock = FakeDiscord([10]), Clock()
    ids = queue(store, ("a", 10), ("b", 10), ("c", 10))
    report = await Delivery(store, discord, worker="w", clock=clock).run_once()
    assert report.sent == 3
    assert [p["headline"] for _, p, _ in discord.messages[10]] == ["a", "b", "c"]
    assert [row(store, i).message_id for i in ids] == [1001, 1002, 1003]
    assert (await Delivery(store, discord, worker="w", clock=clock).run_once()).sent == 0


async def test_transient_errors_retry_with_backoff(store: Store) -> None:
    discord, clock = FakeDiscord([10]), Clock()
    discord.faults[10] = [
        SendError("HTTP 500", permanent=False),
        SendError("timeout", permanent=False),
    ]
    [post_id] = queue(store, ("a", 10))
    delivery = Delivery(store, discord, worker="w", clock=clock, jitter=lambda: 0.5)
    assert (await delivery.run_once()).retried == 1
    assert row(store, post_id).next_attempt_at == clock.now + timedelta(seconds=30)
    clock.now += timedelta(seconds=29)
    assert (await delivery.run_once()).retried == 0  # not due yet
    clock.now += timedelta(seconds=1)
    assert (await delivery.run_once()).retried == 1
    assert row(store, post_id).next_attempt_at == clock.now + timedelta(minutes=1)
    clock.now += timedelta(minutes=1)
    assert (await delivery.run_once()).sent == 1
    assert len(discord.messages[10]) == 1 and row(store, post_id).status == "sent"


async def test_a_channel_the_bot_cannot_post_in_fails_alone(store: Store) -> None:
    discord, clock = FakeDiscord([20]), Clock()  # channel 10 is gone
    with store.session() as session:
        show = Show(title="X", title_key="x")
        session.add(show)
        session.flush()
        FollowRepo(session).follow(NewFollow(1, 10, show.id or 0))
    ids = queue(store, ("a", 10), ("b", 20), ("c", 10))
    report = await Delivery(store, discord, worker="w", clock=clock).run_once()
    assert (report.sent, report.failed) == (1, 1)
    assert [row(store, i).status for i in ids] == ["failed", "sent", "failed"]
    assert "Missing Access" in (row(store, ids[2]).last_error or "")
    with store.session() as session:
        [(follow, _)] = FollowRepo(session).in_channel(10)
        assert follow.broken_reason == "403 Forbidden: Missing Access"


@pytest.mark.parametrize(
    "remembers_nonces", [True, False], ids=["within-nonce-window", "hours-later"]
)
async def test_crash_between_sending_and_recording_does_not_double_post(
    store: Store, monkeypatch: pytest.MonkeyPatch, remembers_nonces: bool
) -> None:
    discord, clock = FakeDiscord([10]), Clock()
    discord.remembers_nonces = remembers_nonces
    [post_id] = queue(store, ("alert:10:cluster-1", 10))

    def killed(*args: object) -> None:
        raise SystemExit("killed between send and record")

    monkeypatch.setattr(Delivery, "_record_batch", killed)
    with pytest.raises(SystemExit):
        await Delivery(store, discord, worker="dying", clock=clock).run_once()
    assert len(discord.messages[10]) == 1 and row(store, post_id).status == "sending"
    monkeypatch.undo()

    clock.now += timedelta(hours=6)  # the bot comes back much later
    report = await Delivery(store, discord, worker="restarted", clock=clock).run_once()
    assert report.sent == 1
    assert len(discord.messages[10]) == 1  # nothing doubled
    assert row(store, post_id).message_id == discord.messages[10][0][0]
    assert discord.messages[10][0][2] == nonce_for("alert:10:cluster-1")


async def test_stopping_finishes_the_send_in_flight_and_gives_the_rest_back(store: Store) -> None:
    discord, clock = FakeDiscord([10]), Clock()
    ids = queue(store, ("k1", 10), ("k2", 10), ("k3", 10))
    delivery = Delivery(store, discord, worker="stopping", clock=clock)
    send = discord.send

    async def send_while_stopping(channel_id: int, payload: dict[str, Any], nonce: str) -> int:
        delivery.stopping = True  # SIGTERM arrives while this post is on its way
        return await send(channel_id, payload, nonce)

    discord.send = send_while_stopping  # type: ignore[method-assign]
    assert (await delivery.run_once()).sent == 1
    assert [row(store, i).status for i in ids] == ["sent", "pending", "pending"]
    assert [row(store, i).attempts for i in ids] == [1, 0, 0]  # given back untried

    discord.send = send  # type: ignore[method-assign]
    report = await Delivery(store, discord, worker="next", clock=clock).run_once()
    assert report.sent == 2  # at once: no stale claim to wait out
    assert [m[2] for m in discord.messages[10]] == [nonce_for(k) for k in ("k1", "k2", "k3")]


def queue_edit(store: Store, target: str, channel: int, also: str) -> int:
    from bot.notify.plan import edit_post

    alert = {"headline": target, "source": "One", "also": [{"source": also, "url": None}]}
    with store.session() as session:
        [post_id] = OutboxRepo(session).enqueue([edit_post(target, 1, channel, alert)],
                                                datetime(2026, 11, 24, 9, tzinfo=UTC))  # fmt: skip
        return post_id


async def test_an_edit_rewrites_the_posted_alert_and_waits_for_it(store: Store) -> None:
    discord, clock = FakeDiscord([10]), Clock()
    [alert_id] = queue(store, ("alert:10:x", 10))
    delivery = Delivery(store, discord, worker="w", clock=clock)
    # An edit queued while its alert is still on its way waits for the message.
    with store.session() as session:
        OutboxRepo(session).claim("other worker", clock.now, limit=1)
    edit_id = queue_edit(store, "alert:10:x", 10, "Two")
    assert (await delivery.run_once()).retried == 1
    assert row(store, edit_id).status == "pending" and "not posted yet" in (
        row(store, edit_id).last_error or ""
    )

    with store.session() as session:
        OutboxRepo(session).retry(alert_id, "back", clock.now)  # the other worker let it go
    clock.now += timedelta(hours=1)
    while (await delivery.run_once()).sent:
        pass
    [(message_id, payload, nonce)] = discord.messages[10]  # one message, edited in place
    assert payload["also"] == [{"source": "Two", "url": None}]
    assert nonce == nonce_for("alert:10:x")  # the footer keeps the alert's own reference
    assert row(store, edit_id).message_id == message_id == row(store, alert_id).message_id


async def test_a_failed_edit_never_breaks_the_channel(store: Store) -> None:
    discord, clock = FakeDiscord([10]), Clock()
    queue(store, ("alert:10:x", 10))
    delivery = Delivery(store, discord, worker="w", clock=clock)
    await delivery.run_once()
    edit_id = queue_edit(store, "alert:10:x", 10, "Two")
    discord.faults[10] = [SendError("404 Unknown Message", permanent=True)]  # deleted by a mod
    assert (await delivery.run_once()).failed == 1
    assert row(store, edit_id).status == "failed"
    [later] = queue(store, ("alert:10:y", 10))
    assert (await delivery.run_once()).sent == 1 and row(store, later).status == "sent"
    never = queue_edit(store, "alert:10:never-queued", 10, "Two")
    assert (await delivery.run_once()).failed == 1 and row(store, never).status == "failed"


def test_retry_delays_grow_and_are_capped() -> None:
    assert [retry_delay(n, 0.5) for n in (1, 2, 3)] == [
        timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)
    ]  # fmt: skip
    assert retry_delay(30, 0.5) == timedelta(hours=1)
    assert (
        timedelta(seconds=24) <= retry_delay(1, 0.0) < retry_delay(1, 1.0) <= timedelta(seconds=36)
    )


def test_nonces_are_stable_and_fit_discord() -> None:
    assert nonce_for("alert:1:x") == nonce_for("alert:1:x") != nonce_for("alert:1:y")
    assert 0 < len(nonce_for("k" * 500)) <= 25


async def test_a_lost_channel_is_reported_once_to_the_admin_channel(store: Store) -> None:
    discord, clock = FakeDiscord([99]), Clock()  # 10 is gone, 99 is the admins' channel
    queue(store, ("a", 10))
    delivery = Delivery(
        store, discord, worker="w", clock=clock, admin_channel=lambda session, guild: 99
    )
    await delivery.run_once()  # fails on 10, queues the notice
    queue(store, ("b", 10))
    await delivery.run_once()  # delivers the notice; b fails again but is not reported twice
    [(_, notice, _)] = discord.messages[99]
    assert notice["kind"] == "notice" and "<#10>" in notice["headline"]
