"""The feeds.yaml schema: what the person running the bot may write, as typed objects.

Unknown keys are errors everywhere (a typo must not silently fall back to a default).
"""

import hashlib
import re
from datetime import time, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ByteSize,
    ConfigDict,
    Field,
    field_validator,
)

from bot import __version__
from bot.domain.markup import CONTROL_CHARACTERS
from bot.domain.polling import URL_LIMIT
from bot.domain.release import AlertMode

_DURATION_PART = re.compile(r"(\d+)\s*(d|h|m|s)", re.IGNORECASE)
_DURATION_WHOLE = re.compile(r"^\s*(?:\d+\s*[dhms]\s*)+$", re.IGNORECASE)
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
MAX_INTERVAL = timedelta(days=30)
MAX_BACKLOG_AGE = timedelta(days=3650)  # "never backlog" in effect; dates stay in range
MAX_FETCH_TIMEOUT = timedelta(minutes=10)  # a source that hangs holds a poll this long
MIN_FEED_SIZE, MAX_FEED_SIZE = 10 * 1024, 50 * 1024 * 1024


def parse_duration(value: Any) -> Any:
    """Reads "15m", "1h30m", "2d" or a number of seconds; anything else is left to pydantic."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 15m, 1h or 2d")
    if isinstance(value, str) and not _DURATION_WHOLE.match(value):
        raise ValueError(f"{value!r} is not a duration; write e.g. 90s, 15m, 1h30m or 2d")
    if not isinstance(value, str | int | float):
        return value
    try:
        if isinstance(value, str):
            parts = _DURATION_PART.findall(value)
            return timedelta(seconds=sum(int(n) * _UNIT_SECONDS[u.lower()] for n, u in parts))
        return timedelta(seconds=value)
    except (OverflowError, ValueError):  # past timedelta's 999,999,999 days, .inf, .nan
        raise ValueError(f"{value!r} is not a usable duration") from None


def check_interval(value: timedelta) -> timedelta:
    """A poll interval: polite to the site, and short enough to be worth having."""
    if value < timedelta(minutes=1):
        raise ValueError("poll more often than once a minute and sites will block the bot")
    if value > MAX_INTERVAL:
        raise ValueError(f"at most {MAX_INTERVAL.days}d: news polled less often is stale")
    return value


def parse_clock(value: Any) -> Any:
    """Reads an hour (9) or a clock time ("09:00", "9:30") of the day."""
    if isinstance(value, bool):
        raise ValueError("expected an hour 0-23 or a time such as 09:00")
    if isinstance(value, int):
        if not 0 <= value <= 23:
            raise ValueError("an hour is 0-23")
        return time(value)
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", value)
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(f"{value!r} is not a time of day; write e.g. 09:00")
        return time(int(match[1]), int(match[2]))
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
ClockTime = Annotated[time, BeforeValidator(parse_clock)]
Snowflake = Annotated[int, Field(gt=0, lt=2**63, description="a Discord id")]


def one_line(value: str) -> str:
    """A name is shown on one line of the poll's output, a log and Discord: a line break or
    tab in it (YAML's "\n") would split or misalign them."""
    if CONTROL_CHARACTERS.search(value):
        raise ValueError("must be one line, without line breaks, tabs or control characters")
    return value


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(one_line)]


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name such as Europe/London"
        ) from None
    return value


def check_http_url(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL")
    if len(value.strip()) > URL_LIMIT:
        raise ValueError(f"longer than {URL_LIMIT} characters")
    try:
        _ = parts.port  # read only when asked for
    except ValueError:
        raise ValueError("the port must be a number from 0 to 65535") from None
    return value.strip()


def check_fetch_timeout(value: timedelta) -> timedelta:
    if not timedelta(seconds=1) <= value <= MAX_FETCH_TIMEOUT:
        raise ValueError(f"must be 1s to {MAX_FETCH_TIMEOUT.seconds // 60}m")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Defaults(_Strict):
    poll_interval: Duration = timedelta(minutes=15)
    timezone: str = "UTC"
    countdown_hour: ClockTime = time(9)
    countdown_milestones: tuple[Annotated[int, Field(ge=0, le=365)], ...] = (30, 14, 7, 3, 1, 0)
    backlog_age: Duration = timedelta(hours=24)
    admin_channel: Snowflake | None = None
    # A fetch's whole exchange, redirects included, and the largest body read (a larger one
    # is the source's error, never a partial parse). Up to 64 bodies are held at once.
    fetch_timeout: Duration = timedelta(seconds=15)
    max_feed_size: ByteSize = ByteSize(5 * 1024 * 1024)
    # feeds.yaml's sources are trusted to be on any address (a feed on the bot's own network);
    # with the guard, a fetch refuses loopback, private, link-local and multicast ones.
    address_guard: bool = False

    _timezone = field_validator("timezone")(check_timezone)
    _interval = field_validator("poll_interval")(check_interval)
    _fetch_timeout = field_validator("fetch_timeout")(check_fetch_timeout)

    @field_validator("max_feed_size")
    @classmethod
    def _size_in_range(cls, value: ByteSize) -> ByteSize:
        if not MIN_FEED_SIZE <= value <= MAX_FEED_SIZE:
            raise ValueError("must be 10KiB to 50MiB")
        return value

    @field_validator("backlog_age")
    @classmethod
    def _backlog_age_in_range(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("must not be negative")
        if value > MAX_BACKLOG_AGE:
            raise ValueError(f"at most {MAX_BACKLOG_AGE.days}d")
        return value

    @field_validator("countdown_milestones")
    @classmethod
    def _descending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(sorted(set(value), reverse=True))


class SourceConfig(_Strict):
    name: Name
    url: str
    interval: Duration | None = None
    # This source's own, for a site slower than the rest (defaults.fetch_timeout if None).
    fetch_timeout: Duration | None = None
    address_guard: bool | None = None  # defaults.address_guard if None
    enabled: bool = True

    _url = field_validator("url")(check_http_url)

    @field_validator("interval")
    @classmethod
    def _polite_interval(cls, value: timedelta | None) -> timedelta | None:
        return None if value is None else check_interval(value)

    @field_validator("fetch_timeout")
    @classmethod
    def _timeout_in_range(cls, value: timedelta | None) -> timedelta | None:
        return None if value is None else check_fetch_timeout(value)

    @property
    def fetch_timeout_seconds(self) -> float | None:
        """The source's own timeout as the poller takes it (its row's column)."""
        return None if self.fetch_timeout is None else self.fetch_timeout.total_seconds()


class ShowConfig(_Strict):
    title: Name
    aliases: tuple[Name, ...] = ()
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    network: Name | None = None


class Subscription(_Strict):
    guild: Snowflake
    channel: Snowflake
    shows: tuple[Name, ...] = Field(min_length=1)
    mode: AlertMode = AlertMode.ALL
    role: Snowflake | None = Field(default=None, description="a role to ping with each post")


class FeedsConfig(_Strict):
    defaults: Defaults = Defaults()
    sources: tuple[SourceConfig, ...] = ()
    shows: tuple[ShowConfig, ...] = ()
    subscriptions: tuple[Subscription, ...] = ()

    def interval_of(self, source: SourceConfig) -> timedelta:
        return source.interval or self.defaults.poll_interval

    def guarded(self, source: SourceConfig) -> bool:
        """Whether fetching the source goes through the address guard (bot/feeds/guard.py)."""
        if source.address_guard is None:
            return self.defaults.address_guard
        return source.address_guard

    def digest(self) -> str:
        """Names what applying this configuration writes: the same for files that differ
        only in comments or layout, different for another version of the bot."""
        text = f"{__version__}\n{self.model_dump_json()}"
        return hashlib.sha256(text.encode()).hexdigest()
