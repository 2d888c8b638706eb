"""Outbox repository: posts written down before they are sent, each at most once."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Table, bindparam, literal_column, update
from sqlmodel import Session, col, select

from bot.domain.shards import GUILD_SHIFT, ShardSet
from bot.store.insert_if_new import insert_if_new
from bot.store.tables import Outbox

_OUTBOX: Table = Outbox.__table__  # type: ignore[attr-defined]

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
INTERRUPTED = "interrupted while sending"  # the worker died between sending and recording


@dataclass(frozen=True)
class NewPost:
    dedupe_key: str  # e.g. alert:{channel}:{cluster}: the same post can never be queued twice
    guild_id: int
    channel_id: int
    kind: str
    payload: dict[str, Any]


def notice(dedupe_key: str, guild_id: int, channel_id: int, headline: str, excerpt: str) -> NewPost:
    """A message to a server's admins (guild 0: to the bot's operator) about the bot itself."""
    payload = {"kind": "notice", "headline": headline, "excerpt": excerpt}
    return NewPost(dedupe_key, guild_id, channel_id, "notice", payload)


class OutboxRepo:
    """Contract: a dedupe key is queued once; a claimed row belongs to one worker."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def enqueue(self, posts: Sequence[NewPost], now: datetime) -> list[int]:
        """Queues the posts whose keys are new; returns their ids."""
        if not posts:
            return []
        rows = [
            {
                "dedupe_key": p.dedupe_key,
                "guild_id": p.guild_id,
                "channel_id": p.channel_id,
                "kind": p.kind,
                "payload": p.payload,
            }
            for p in posts
        ]
        # What every row shares is written into the statement once, not bound per row:
        # a countdown pass queues 10,000 rows, and each bound value costs the driver time.
        statement = insert_if_new(self.session, _OUTBOX, ["dedupe_key"]).values(
            status=literal_column(f"'{PENDING}'"),
            attempts=literal_column("0"),
            next_attempt_at=bindparam("now", now),
            created_at=bindparam("now", now),
        )
        result = self.session.execute(statement.returning(_OUTBOX.c.id), rows)
        return list(result.scalars().all())

    def claim(
        self, worker: str, now: datetime, limit: int, shards: ShardSet | None = None
    ) -> list[Outbox]:
        """Takes up to `limit` due posts for `worker`, oldest first, of its shards' guilds
        (`shards`; None: every guild). On PostgreSQL rows another worker holds are skipped
        (FOR UPDATE SKIP LOCKED), so no two workers get one row."""
        query = select(Outbox).where(Outbox.status == PENDING, col(Outbox.next_attempt_at) <= now)
        if shards is not None:
            shift = literal_column(str(GUILD_SHIFT), Integer)  # PostgreSQL has no bigint >> bigint
            shard = col(Outbox.guild_id).bitwise_rshift(shift) % shards.count
            query = query.where(shard.in_(shards.ids))
        query = query.order_by(col(Outbox.next_attempt_at), col(Outbox.id)).limit(limit)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(self.session.exec(query).all())
        for row in rows:
            row.status, row.claimed_by, row.claimed_at = SENDING, worker, now
            row.attempts += 1
        self.session.flush()
        return rows

    def sent(self, post_id: int, message_id: int, now: datetime) -> None:
        self._set(post_id, status=SENT, message_id=message_id, sent_at=now, last_error=None)

    def retry(self, post_id: int, error: str, at: datetime) -> None:
        self._set(post_id, status=PENDING, next_attempt_at=at, last_error=error, claimed_by=None)

    def by_keys(self, keys: Sequence[str], *, for_update: bool = False) -> dict[str, Outbox]:
        """The queued or sent posts with these dedupe keys, by key; with `for_update` locked
        for this transaction on PostgreSQL (a worker's claim skips them meanwhile)."""
        if not keys:
            return {}
        query = select(Outbox).where(col(Outbox.dedupe_key).in_(set(keys)))
        if for_update:
            query = query.with_for_update()
        return {row.dedupe_key: row for row in self.session.exec(query).all()}

    def unclaim(self, post_ids: Sequence[int]) -> None:
        """Gives claimed posts back untried (the worker is stopping): due again at once."""
        if post_ids:
            self.session.execute(
                update(Outbox)
                .where(col(Outbox.id).in_(post_ids), col(Outbox.status) == SENDING)
                .values(status=PENDING, claimed_by=None, attempts=col(Outbox.attempts) - 1)
            )

    def failed(self, post_id: int, error: str) -> None:
        self._set(post_id, status=FAILED, last_error=error)

    def release_stale(self, now: datetime, after: timedelta) -> int:
        """Puts back posts a worker claimed but never finished (it crashed); returns how many.
        They are sent again with the same nonce, so Discord drops a copy it already has."""
        result = self.session.execute(
            update(Outbox)
            .where(col(Outbox.status) == SENDING, col(Outbox.claimed_at) < now - after)
            .values(status=PENDING, claimed_by=None, last_error=INTERRUPTED)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def abandon_channel(self, channel_id: int, reason: str) -> int:
        """Fails every unsent post for a channel that cannot be posted in; returns how many."""
        result = self.session.execute(
            update(Outbox)
            .where(col(Outbox.channel_id) == channel_id, col(Outbox.status).in_([PENDING, SENDING]))
            .values(status=FAILED, last_error=reason)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def _set(self, post_id: int, **values: Any) -> None:
        self.session.execute(update(Outbox).where(col(Outbox.id) == post_id).values(**values))
