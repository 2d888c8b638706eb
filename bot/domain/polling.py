"""When to poll a source next: pure functions of the clock, the source and the last answer."""

import hashlib
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

MAX_BACKOFF = timedelta(hours=24)
BROKEN_AFTER = timedelta(days=3)
# A feed answering without a new story this long has likely stopped: a TV news site posts
# every day, and a feed frozen in a cache or left behind by a redesign still answers 200.
QUIET_AFTER = timedelta(days=14)
GONE = 410  # the site's word that the feed was removed for good
_DEFAULT_PORTS = {"http": 80, "https": 443}  # where a URL that names no port connects
# The longest ETag and Last-Modified kept between polls (the source table's column sizes).
ETAG_LIMIT, LAST_MODIFIED_LIMIT = 500, 100
# How long a cycle holds the sources it polls (PollStore.claim) against a cycle started
# beside it: well past a cycle's usual length (the 15 s timeout, then parsing and storing),
# and short enough that sources a killed cycle held are soon due again.
CLAIM_LEASE = timedelta(minutes=10)
URL_LIMIT = 2000  # the longest feed URL (its column's size); browsers and servers balk past it
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def spread_offset(url: str, interval: timedelta) -> timedelta:
    """A fixed point within the interval for this URL, so sources do not all poll at once."""
    seconds = max(1, int(interval.total_seconds()))
    digest = int.from_bytes(hashlib.sha256(url.encode()).digest()[:8], "big")
    return timedelta(seconds=digest % seconds)


def next_slot(now: datetime, interval: timedelta, url: str) -> datetime:
    """The first of this URL's evenly spaced poll times that is after `now`."""
    start = _EPOCH + spread_offset(url, interval)
    periods = (now - start) // interval + 1
    return start + periods * interval


def site_of(url: str) -> str:
    """The site a feed is on, as its rate limits count: scheme, host and port."""
    parts = urlsplit(url)
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:  # a port out of range: the URL's own text stands for its site
        return url
    return f"{parts.scheme}://{parts.hostname or ''}:{port}"


def retry_time(now: datetime, retry_after: timedelta) -> datetime:
    """When a site's Retry-After (to a 429 or 503) lets it be asked again: at most a day
    ahead. It holds back all the site's feeds, not only the one answered (Poller): a site
    limits what it is asked for from one address, whichever of its feeds."""
    return now + min(retry_after, MAX_BACKOFF)


def after_success(
    now: datetime, interval: timedelta, url: str, max_age: timedelta | None = None
) -> datetime:
    """The next poll after a good answer: the next slot, or later if the site's
    Cache-Control max-age asks for it (never more than four intervals)."""
    slot = next_slot(now, interval, url)
    if max_age is None:
        return slot
    return max(slot, now + min(max_age, interval * 4))


def after_failure(
    now: datetime,
    interval: timedelta,
    failures: int,
    retry_after: timedelta | None = None,
    *,
    gone: bool = False,
) -> datetime:
    """The next poll after `failures` failures in a row: interval x 2^failures, at most a
    day, and never before the site's Retry-After. A feed the site says is gone (410) is
    broken at once, and so retried daily from the first answer."""
    delay = MAX_BACKOFF if gone else min(interval * 2 ** min(failures, 16), MAX_BACKOFF)
    if retry_after is None:
        return now + delay
    return max(now + delay, retry_time(now, retry_after))


def is_due(next_poll: datetime | None, now: datetime, interval: timedelta) -> bool:
    """Whether a source whose next poll is `next_poll` is due at `now`."""
    believed = believed_next_poll(next_poll, now, interval)
    return believed is None or believed <= now


def believed_next_poll(
    next_poll: datetime | None, now: datetime, interval: timedelta
) -> datetime | None:
    """`next_poll`, or `now` when it lies further ahead than any schedule sets one (four
    intervals after a max-age, a day of backoff): then it was written while the clock ran
    ahead, and the clock has been set back since. Waiting for it would leave the source
    unpolled for as long as the clock was wrong."""
    if next_poll is not None and next_poll > now + longest_wait(interval):
        return now
    return next_poll


def longest_wait(interval: timedelta) -> timedelta:
    """The furthest ahead a schedule puts a source's next poll (`after_success`,
    `after_failure`, a lease)."""
    return max(interval * 4, MAX_BACKOFF, CLAIM_LEASE)


def is_broken(failing_since: datetime | None, last_status: int | None, now: datetime) -> bool:
    """A failing source is broken (it is still retried daily) once it has failed for three
    days, or at once when the site answers that the feed is gone: waiting three days to
    tell anyone would only delay the fix."""
    if failing_since is None:
        return False
    return last_status == GONE or now - failing_since >= BROKEN_AFTER


def is_quiet(newest_story: datetime | None, added: datetime, now: datetime) -> bool:
    """A source whose newest story (or, without one, its addition) is more than two weeks
    old has gone quiet: worth a look, though its polls succeed."""
    return now - (newest_story or added) >= QUIET_AFTER


def usable_validator(value: str | None, limit: int) -> str | None:
    """A conditional-GET validator worth keeping: one that fits its column and can be sent
    back as a header. Anything else is dropped; the body hash still spots an unchanged feed."""
    if value and len(value) <= limit and value.isascii() and value.isprintable():
        return value
    return None
