"""The outbox: queued once, claimed by one worker, recovered after a crash."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.store.db import Store
from bot.store.outbox import INTERRUPTED, NewPost, OutboxRepo
from bot.store.tables import Outbox

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def post(key: str, channel: int = 10) -> NewPost:
    return NewPost(key, guild_id=1, channel_id=channel, kind="alert", payload={"headline": key})


def test_a_key_is_queued_once(store: Store) -> None:
    with store.session() as session:
        outbox = OutboxRepo(session)
        first = outbox.enqueue([post("alert:10:a"), post("alert:10:b")], NOW)
        again = outbox.enqueue([post("alert:10:a"), post("alert:10:c")], NOW)
        assert len(first) == 2 and len(again) == 1
        assert session.get(Outbox, again[0]).dedupe_key == "alert:10:c"  # type: ignore[union-attr]


def test_claim_takes_due_posts_in_order_and_only_once(store: Store) -> None:
    with store.session() as session:
        outbox = OutboxRepo(session)
        ids = outbox.enqueue([post(f"k{i}") for i in range(5)], NOW)
        outbox.retry(ids[1], "HTTP 503", NOW + timedelta(minutes=5))  # not due yet
    with store.session() as session:
        claimed = OutboxRepo(session).claim("w1", NOW, limit=3)
        assert [p.id for p in claimed] == [ids[0], ids[2], ids[3]]
        assert all(p.status == "sending" and p.attempts == 1 for p in claimed)
    with store.session() as session:
        assert [p.id for p in OutboxRepo(session).claim("w2", NOW, limit=10)] == [ids[4]]


def test_a_worker_claims_only_its_shards_guilds(store: Store) -> None:
    """Discord puts guild g on shard (g >> 22) % count; notices (guild 0) go with shard 0."""
    from bot.domain.shards import ShardSet

    # A guild id's high bits are its creation time: 5 << 22 is on shard 5 % 3 = 2.
    guilds = {"notice": 0, "shard1": (4 << 22) | 12345, "shard2": (5 << 22) | 999}
    with store.session() as session:
        OutboxRepo(session).enqueue(
            [
                NewPost(k, guild_id=g, channel_id=7, kind="alert", payload={})
                for k, g in guilds.items()
            ],
            NOW,
        )
    with store.session() as session:
        outbox = OutboxRepo(session)
        zero_and_one = outbox.claim("a", NOW, limit=10, shards=ShardSet(3, (0, 1)))
        assert sorted(p.dedupe_key for p in zero_and_one) == ["notice", "shard1"]
        assert outbox.claim("b", NOW, limit=10, shards=ShardSet(3, (0,))) == []
        [two] = outbox.claim("c", NOW, limit=10, shards=ShardSet(3, (2,)))
        assert two.dedupe_key == "shard2"


def test_stale_claims_come_back_marked_interrupted(store: Store) -> None:
    with store.session() as session:
        outbox = OutboxRepo(session)
        [post_id] = outbox.enqueue([post("k")], NOW)
        outbox.claim("dead worker", NOW, limit=1)
    with store.session() as session:
        outbox = OutboxRepo(session)
        assert outbox.release_stale(NOW + timedelta(seconds=30), timedelta(minutes=2)) == 0
        assert outbox.release_stale(NOW + timedelta(minutes=3), timedelta(minutes=2)) == 1
        [again] = outbox.claim("new worker", NOW + timedelta(minutes=3), limit=1)
        assert (again.id, again.last_error, again.attempts) == (post_id, INTERRUPTED, 2)


def test_two_workers_never_claim_the_same_post(store: Store, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serves one bot process; concurrent claiming is PostgreSQL's")
    with store.session() as session:
        OutboxRepo(session).enqueue([post(f"k{i}") for i in range(40)], NOW)
    barrier = threading.Barrier(2)
    claimed: dict[str, list[int]] = {}

    def worker(name: str) -> None:
        with store.session() as session:
            rows = OutboxRepo(session).claim(name, NOW, limit=25)
            claimed[name] = [r.id or 0 for r in rows]
            barrier.wait(timeout=10)  # both hold their claims open at the same time

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(claimed["a"]) & set(claimed["b"])
    assert len(claimed["a"]) + len(claimed["b"]) == 40
