"""What fetching a feed gives, apart from the client that fetches it: the poller and the
fetching child process (fetch_process.py) use these without importing aiohttp.

Named tuples, not dataclasses: `poll --once` imports this module before it forks the child,
whose start is what a poll of unchanged feeds waits for, and dataclasses (with the inspect
module it loads) is an import the child makes for nothing else. A named tuple also pickles
as a plain tuple on its way back from the child, once per source."""

from datetime import timedelta
from typing import Any, NamedTuple, Protocol


class FetchLimits(NamedTuple):
    timeout: float = 15.0  # seconds; feeds.yaml's defaults.fetch_timeout
    max_bytes: int = 5 * 1024 * 1024  # feeds.yaml's defaults.max_feed_size
    max_redirects: int = 5
    per_host: int = 2
    total: int = 64


class Fetched(NamedTuple):
    """A usable answer: 200 with a body, or 304 (`body` None: nothing changed)."""

    status: int
    body: bytes | None
    url: str  # where it came from, after redirects
    etag: str | None
    last_modified: str | None
    content_type: str | None
    max_age: timedelta | None
    # Redirected, by permanent redirects alone (301, 308): `url` is the feed's new address.
    moved: bool = False


class FetchError(Exception):
    """The source could not be read; `message` says why in words fit for a log or a user."""

    def __init__(
        self, message: str, http_status: int | None = None, retry_after: timedelta | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent from the fetching process: an exception pickles its message alone by default.
        return (type(self), (self.message, self.http_status, self.retry_after))


class FeedFetcher(Protocol):
    """What the poller fetches through: fetch.Fetcher, or fetch_process.FetchProcess."""

    limits: FetchLimits

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        guard: bool = False,
        fetch_timeout: float | None = None,
    ) -> Fetched:
        """`fetch_timeout`: this fetch's own, in seconds (a source's feeds.yaml fetch_timeout);
        None: `limits.timeout`."""

    def set_limits(self, timeout: float, max_bytes: int) -> None:
        """The two limits feeds.yaml sets, for the fetches started from now on."""


def describe(error: BaseException) -> str:
    """An error in one line of at most 300 characters, fit for a log line or a JSON field."""
    lines = str(error).strip().splitlines()
    text = lines[0].strip() if lines else type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."
