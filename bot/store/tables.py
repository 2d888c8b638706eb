"""The database schema. Change it only together with an Alembic revision in migrations/."""

from datetime import UTC, date, datetime, time
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from bot.domain.names import KEY_LIMIT
from bot.domain.polling import ETAG_LIMIT, LAST_MODIFIED_LIMIT, URL_LIMIT
from bot.domain.release import Precision, ReleaseStatus
from bot.store.types import UTCDateTime

# Named constraints let Alembic's batch mode (SQLite) find them again when altering tables.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _Table(SQLModel):
    # Rows are read and written through SQLAlchemy, which never calls pydantic's validators,
    # so they are built only if something asks for them: building them for every table at
    # import cost 6-10 ms of the 54-59 ms the tables took to define (every command's start-up).
    model_config = ConfigDict(defer_build=True)  # type: ignore[assignment]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _when(*, index: bool = False, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime, index=index, nullable=nullable)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _snowflake(*, index: bool = False, nullable: bool = False) -> Any:
    return Field(default=None, sa_type=BigInteger, index=index, nullable=nullable)


def _parent(table: str, *, nullable: bool = False, index: bool = True) -> Any:
    """A foreign key whose rows go with their parent."""
    return Field(
        default=None,
        sa_column_args=[ForeignKey(f"{table}.id", ondelete="CASCADE")],
        nullable=nullable,
        index=index,
    )


class Source(_Table, table=True):
    """A feed, and everything the poller remembers about it between polls."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    url: str = Field(max_length=URL_LIMIT, unique=True)
    origin: str = Field(default="config", max_length=16)  # config | discord
    trusted: bool = True  # trusted sources may be on private addresses (feeds.yaml only)
    enabled: bool = True
    interval_seconds: int
    # feeds.yaml's fetch_timeout for this source; None: the configuration's default.
    fetch_timeout_seconds: float | None = None
    etag: str | None = Field(default=None, max_length=ETAG_LIMIT)
    last_modified: str | None = Field(default=None, max_length=LAST_MODIFIED_LIMIT)
    body_hash: str | None = Field(default=None, max_length=64)
    # The hashes of the items the last parse read, so the next one skips them (feeds/items.py).
    item_digests: bytes | None = Field(default=None, sa_type=LargeBinary)
    next_poll_at: datetime | None = _when(index=True)
    last_polled_at: datetime | None = _when()
    last_success_at: datetime | None = _when()
    last_status: int | None = None
    last_error: str | None = Field(default=None, sa_type=Text)
    # Where the feed's permanent redirects (301, 308) led at its last success: the address
    # to put in feeds.yaml. None while it answers at its own.
    moved_to: str | None = Field(default=None, sa_type=Text)
    consecutive_failures: int = 0
    failing_since: datetime | None = _when()
    disabled_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = _created()


class Story(_Table, table=True):
    """One feed entry. `key` is stable per source even when the site edits the headline."""

    __table_args__ = (UniqueConstraint("source_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = _parent("source", index=False)
    key: str = Field(max_length=64)
    # The same news on another site: the headline's fingerprint, or that of the first story
    # stored with the same link_hash (bot/domain/links.py), when there is one. No query
    # looks stories up by fingerprint, so it has no index (one cost 0.6 s per 50,000).
    fingerprint: str = Field(max_length=64)
    url: str | None = Field(default=None, sa_type=Text)
    link_hash: int | None = Field(default=None, sa_type=BigInteger, index=True)
    title: str = Field(sa_type=Text)
    summary: str = Field(default="", sa_type=Text)
    published_at: datetime = _when(nullable=False)
    first_seen_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True
    )
    backlog: bool = False  # seen too long after publication to alert on
    classified_at: datetime | None = _when(index=True)


class Show(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    title_key: str = Field(max_length=KEY_LIMIT, unique=True)
    year: int | None = None
    network: str | None = Field(default=None, max_length=200)
    origin: str = Field(default="config", max_length=16)  # config | discord
    created_at: datetime = _created()


class ShowAlias(_Table, table=True):
    __tablename__ = "show_alias"

    id: int | None = Field(default=None, primary_key=True)
    show_id: int = _parent("show")
    alias: str = Field(max_length=200)
    alias_key: str = Field(max_length=KEY_LIMIT, unique=True)


class Release(_Table, table=True):
    """One entry of the calendar: a show's season, and what kind of event it is."""

    __table_args__ = (UniqueConstraint("show_id", "season", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    show_id: int = _parent("show", index=False)
    season: int = 0  # 0 when no story has said which season
    episode: int | None = None
    kind: str = Field(max_length=16)  # ReleaseKind
    date_value: str | None = Field(default=None, max_length=16)  # 2026-03-03, 2026-03, 2026-fall
    precision: str = Field(default=Precision.TBA, max_length=8)
    window_start: date | None = Field(default=None, index=True)  # first possible day
    window_end: date | None = None  # last possible day
    air_time: time | None = None
    time_zone: str | None = Field(default=None, max_length=64)
    platform: str | None = Field(default=None, max_length=100)
    status: str = Field(default=ReleaseStatus.ANNOUNCED, max_length=16)
    confidence: float = 0.0
    manual: bool = False  # set through /premiere set: news never overrides it
    dated_at: datetime | None = _when()  # publication of the story that set the date
    created_at: datetime = _created()
    updated_at: datetime = _created()


class ReleaseStory(_Table, table=True):
    """Which stories a release was learnt from."""

    __tablename__ = "release_story"

    release_id: int = Field(
        sa_column_args=[ForeignKey("release.id", ondelete="CASCADE")], primary_key=True
    )
    story_id: int = Field(
        sa_column_args=[ForeignKey("story.id", ondelete="CASCADE")], primary_key=True, index=True
    )
    date_value: str | None = Field(default=None, max_length=16)  # the date this story gave
    added_at: datetime = _created()


class ReleaseChange(_Table, table=True):
    """One step in a release's date history (old -> new)."""

    __tablename__ = "release_change"

    id: int | None = Field(default=None, primary_key=True)
    release_id: int = _parent("release")
    story_id: int | None = Field(
        default=None, sa_column_args=[ForeignKey("story.id", ondelete="SET NULL")]
    )
    old_value: str | None = Field(default=None, max_length=16)
    old_precision: str = Field(max_length=8)
    new_value: str | None = Field(default=None, max_length=16)
    new_precision: str = Field(max_length=8)
    reason: str = Field(default="news", max_length=16)  # news | manual
    changed_at: datetime = _created()


class Follow(_Table, table=True):
    """A channel following a show, from /follow or from feeds.yaml subscriptions."""

    __table_args__ = (UniqueConstraint("channel_id", "show_id"),)

    id: int | None = Field(default=None, primary_key=True)
    guild_id: int = _snowflake(index=True)
    channel_id: int = _snowflake()
    show_id: int = _parent("show")
    user_id: int | None = _snowflake(nullable=True)  # None for feeds.yaml subscriptions
    origin: str = Field(default="command", max_length=16)  # command | config
    alert_mode: str | None = Field(default=None, max_length=8)  # AlertMode; None: the guild's
    role_id: int | None = _snowflake(nullable=True)  # a role to ping, only when configured
    broken_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = _created()


class GuildSettings(_Table, table=True):
    """A server's choices. A NULL column means "use the feeds.yaml default"."""

    __tablename__ = "guild_settings"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    timezone: str | None = Field(default=None, max_length=64)
    countdown_time: time | None = None
    alert_mode: str | None = Field(default=None, max_length=8)
    events_enabled: bool = False
    admin_channel_id: int | None = _snowflake(nullable=True)
    updated_at: datetime = _created()


class Digest(_Table, table=True):
    """A channel's weekly digest: its local weekday (0 = Monday) and time."""

    channel_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    guild_id: int = _snowflake(index=True)
    weekday: int
    at: time
    created_at: datetime = _created()


class EventLink(_Table, table=True):
    """The Discord scheduled event a guild has for a release, and the start it was made for."""

    __tablename__ = "event_link"

    guild_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    release_id: int = Field(
        sa_column_args=[ForeignKey("release.id", ondelete="CASCADE")], primary_key=True
    )
    event_id: int = _snowflake()
    date_value: str = Field(max_length=16)  # the start it was made for: UTC, YYYY-MM-DDTHH:MM


class BotState(_Table, table=True):
    """Small facts the bot keeps between runs (e.g. the hash of the synced command set)."""

    __tablename__ = "bot_state"

    key: str = Field(max_length=100, primary_key=True)
    value: str = Field(sa_type=Text)
    updated_at: datetime = _created()


class Outbox(_Table, table=True):
    """A post written down before it is sent; `dedupe_key` makes a second copy impossible."""

    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    guild_id: int = _snowflake()
    channel_id: int = _snowflake(index=True)
    kind: str = Field(max_length=16)  # alert | change | countdown | digest | notice
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    status: str = Field(default="pending", max_length=12)  # pending | sending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    claimed_by: str | None = Field(default=None, max_length=100)
    claimed_at: datetime | None = _when()
    message_id: int | None = _snowflake(nullable=True)
    last_error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = _created()
    sent_at: datetime | None = _when()
