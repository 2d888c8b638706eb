"""The delivery worker: takes due posts from the outbox, sends them, records the outcome."""

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from bot.domain.shards import ShardSet
from bot.notify.sender import Sender, SendError, nonce_for
from bot.store.db import Store
from bot.store.follows import FollowRepo
from bot.store.outbox import FAILED, INTERRUPTED, NewPost, OutboxRepo, notice
from bot.store.tables import Outbox

log = logging.getLogger(__name__)
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)


# The channel where a guild's admins hear about problems, if it has one.
AdminChannel = Callable[[Session, int], int | None]


def lost_channel_notice(post: Outbox, admin_channel: int, reason: str) -> NewPost:
    """Told once per lost channel (the key has no time in it)."""
    return notice(
        f"notice:lost-channel:{post.channel_id}", post.guild_id, admin_channel,
        f"I can no longer post in <#{post.channel_id}>",
        f"{reason}. Its follows are paused; fix the channel's permissions and follow again, "
        "or /unfollow there.",
    )  # fmt: skip


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def retry_delay(attempts: int, jitter: float) -> timedelta:
    """30 s, 1 min, 2 min ... at most an hour, spread by +-20% so retries do not bunch up."""
    base = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)
    return base * (0.8 + 0.4 * jitter)


class Delivery:
    def __init__(
        self,
        store: Store,
        sender: Sender,
        *,
        worker: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        jitter: Callable[[], float] = random.random,
        batch: int = 20,
        stale_after: timedelta = timedelta(minutes=2),
        admin_channel: AdminChannel = lambda session, guild_id: None,
        shards: ShardSet | None = None,
    ) -> None:
        self.store = store
        self.sender = sender
        self.worker = worker
        self.clock = clock
        self.jitter = jitter
        self.batch = batch
        self.stale_after = stale_after
        self.admin_channel = admin_channel
        self.shards = shards  # this process delivers for these shards' guilds only
        self.stopping = False  # set at shutdown: the post being sent finishes, no more start

    async def run_once(self) -> DeliveryReport:
        """Sends every post that is due now, one at a time and in order."""
        report = DeliveryReport()
        now = self.clock()
        posts = await asyncio.to_thread(self._claim, now)
        unusable: set[int] = set()  # channels found lost in this run: their posts were failed
        sent: dict[str, tuple[int, int]] = {}  # key -> (post id, message id), this batch
        unsent = [post.id or 0 for post in posts]
        try:
            for post in posts:
                if self.stopping:
                    break  # the bot is shutting down: what is left goes back to the outbox
                unsent.remove(post.id or 0)
                if post.channel_id in unusable:
                    continue
                if not await self._deliver(post, report, sent):
                    unusable.add(post.channel_id)
        finally:
            # One transaction for the batch. Should the process die first, the posts come
            # back as interrupted and are looked for in the channel before any resend.
            if sent or unsent:
                await asyncio.to_thread(self._record_batch, list(sent.values()), unsent)
        return report

    async def _deliver(
        self, post: Outbox, report: DeliveryReport, sent: dict[str, tuple[int, int]]
    ) -> bool:
        """Sends one post; False when its channel cannot be posted in at all."""
        assert post.id is not None
        nonce = nonce_for(post.dedupe_key)
        try:
            if post.kind == "edit":
                message_id = await self._edit(post, sent)
            else:
                message_id = await self._send(post, nonce)
        except SendError as error:
            await asyncio.to_thread(self._record_error, post, error)
            if error.permanent:
                report.failed += 1
                # A failed edit, or a post refused for itself, leaves the channel usable.
                return post.kind == "edit" or not error.channel_lost
            report.retried += 1
            return True
        sent[post.dedupe_key] = (post.id, message_id)
        report.sent += 1
        log.info("sent post=%s kind=%s channel=%s message_id=%s key=%s",
                 post.id, post.kind, post.channel_id, message_id, post.dedupe_key)  # fmt: skip
        return True

    async def _send(self, post: Outbox, nonce: str) -> int:
        if post.last_error == INTERRUPTED:
            # The last worker may have sent it before dying: look before sending again.
            message_id = await self.sender.already_sent(post.channel_id, nonce)
            if message_id is not None:
                return message_id
        return await self.sender.send(post.channel_id, post.payload, nonce)

    async def _edit(self, post: Outbox, sent: dict[str, tuple[int, int]]) -> int:
        """Rewrites the message of the alert the edit is for (sent earlier, or in this very
        batch); returns its id. Editing is idempotent: an interrupted edit is done again."""
        key = post.payload["edits"]
        message_id = sent[key][1] if key in sent else None
        if message_id is None:
            target = await asyncio.to_thread(self._target, key)
            if target is None or target.status == FAILED:
                raise SendError("the alert it edits was never posted", permanent=True)
            if target.message_id is None:
                raise SendError("the alert it edits is not posted yet", permanent=False)
            message_id = target.message_id
        await self.sender.edit(post.channel_id, message_id, post.payload, nonce_for(key))
        return message_id

    def _target(self, key: str) -> Outbox | None:
        with self.store.session() as session:
            return OutboxRepo(session).by_keys([key]).get(key)

    def _claim(self, now: datetime) -> list[Outbox]:
        with self.store.session() as session:
            outbox = OutboxRepo(session)
            outbox.release_stale(now, self.stale_after)
            return outbox.claim(self.worker, now, self.batch, self.shards)

    def _record_batch(self, sent: list[tuple[int, int]], unsent: list[int]) -> None:
        with self.store.session() as session:
            outbox = OutboxRepo(session)
            for post_id, message_id in sent:
                outbox.sent(post_id, message_id, self.clock())
            outbox.unclaim(unsent)

    def _record_error(self, post: Outbox, error: SendError) -> None:
        assert post.id is not None
        with self.store.session() as session:
            outbox = OutboxRepo(session)
            if not error.permanent:
                at = self.clock() + retry_delay(post.attempts, self.jitter())
                outbox.retry(post.id, error.message, at)
                log.warning(
                    "send retried channel=%s post=%s error=%s", post.channel_id, post.id, error
                )
                return
            outbox.failed(post.id, error.message)
            if post.kind == "edit" or not error.channel_lost:
                # A deleted message, an alert never posted, a post Discord refused: the
                # channel is fine.
                log.warning(
                    "post failed channel=%s post=%s error=%s", post.channel_id, post.id, error
                )
                return
            dropped = outbox.abandon_channel(post.channel_id, error.message)
            broken = FollowRepo(session).mark_broken(post.channel_id, error.message)
            admin = self.admin_channel(session, post.guild_id)
            if admin is not None and admin != post.channel_id:
                outbox.enqueue([lost_channel_notice(post, admin, error.message)], self.clock())
            log.error("channel unusable channel=%s error=%s dropped_posts=%d follows=%d",
                      post.channel_id, error, dropped, broken)  # fmt: skip
