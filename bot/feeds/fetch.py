"""One fetch function for every feed request: timeouts, a size cap, conditional GET,
redirects re-checked hop by hop, an honest User-Agent and per-host politeness."""

import asyncio
import re
import ssl
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import aiohttp

from bot import PROJECT_URL, __version__
from bot.domain.polling import ETAG_LIMIT, LAST_MODIFIED_LIMIT, usable_validator
from bot.feeds.fetched import Fetched, FetchError, FetchLimits, describe
from bot.feeds.guard import GuardedResolver, refused_reason

USER_AGENT = f"premiere-bot/{__version__} (+{PROJECT_URL})"
# Every coding aiohttp decodes with the packages installed beside it (pyproject.toml): a
# site that sends one unasked is read too. aiohttp bounds what each chunk may unpack to,
# so a small bomb in any of them meets the body cap before it fills memory.
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
_GZIP_MAGIC = b"\x1f\x8b"
_MAX_AGE = re.compile(r"max-age\s*=\s*([0-9]+)", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")  # not str.isdigit: "²" is a digit to it, and no number to int
_YEAR = 365 * 86400  # seconds
# The longest status or header line read, in bytes: http.client's limit (so requests' and
# reader's). aiohttp's own, 8190, refuses real feeds whose sites send a long
# Content-Security-Policy or Set-Cookie. aiohttp (3.13.4 on) reads at most 128 header lines.
HEADER_LINE_LIMIT = 64 * 1024


class Fetcher:
    """Fetches feeds over two shared sessions: one trusted (feeds.yaml sources) and one whose
    resolver refuses private addresses (sources added from Discord)."""

    def __init__(
        self,
        trusted: aiohttp.ClientSession,
        guarded: aiohttp.ClientSession,
        limits: FetchLimits,
    ) -> None:
        self._sessions = {False: trusted, True: guarded}
        self.limits = limits
        self._tls: ssl.SSLContext | None = None
        self._in_flight = asyncio.Semaphore(limits.total)
        self._per_host: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(limits.per_host)
        )

    @classmethod
    @asynccontextmanager
    async def open(cls, limits: FetchLimits | None = None) -> AsyncIterator["Fetcher"]:
        limits = limits or FetchLimits()
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING}
        timeout = aiohttp.ClientTimeout(total=None)  # fetch() bounds the whole exchange

        def session(connector: aiohttp.TCPConnector) -> aiohttp.ClientSession:
            return aiohttp.ClientSession(
                connector=connector,
                headers=headers,
                timeout=timeout,
                auto_decompress=True,
                max_line_size=HEADER_LINE_LIMIT,
                max_field_size=HEADER_LINE_LIMIT,
            )

        trusted = session(aiohttp.TCPConnector(limit=limits.total, ttl_dns_cache=300))
        guarded_connector = aiohttp.TCPConnector(
            limit=limits.total, resolver=GuardedResolver(), use_dns_cache=False
        )
        guarded = session(guarded_connector)
        try:
            yield cls(trusted, guarded, limits)
        finally:
            await trusted.close()
            await guarded.close()

    def set_limits(self, timeout: float, max_bytes: int) -> None:
        """Each fetch reads its timeout and body cap as it starts; the connection limits
        stay as the sessions were opened with."""
        self.limits = self.limits._replace(timeout=timeout, max_bytes=max_bytes)

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        guard: bool = False,
        fetch_timeout: float | None = None,
    ) -> Fetched:
        """GETs `url` (conditionally when validators are given) within `fetch_timeout`
        seconds (`limits.timeout` if None). Raises FetchError."""
        host = (urlsplit(url).hostname or "").lower()
        seconds = self.limits.timeout if fetch_timeout is None else fetch_timeout
        async with self._per_host[host], self._in_flight:
            try:
                async with asyncio.timeout(seconds):
                    return await self._follow(url, etag, last_modified, guard)
            except TimeoutError:
                raise FetchError(f"no complete answer within {seconds:g} s") from None
            except aiohttp.ClientPayloadError as error:
                raise FetchError(f"broken response body: {_parser_says(error)}") from None
            except aiohttp.ClientResponseError as error:  # nothing here raises for a status
                raise FetchError(f"malformed HTTP response: {_parser_says(error)}") from None
            except aiohttp.ServerDisconnectedError:  # its text: what was read, as a repr
                raise FetchError("the server disconnected before a complete answer") from None
            except aiohttp.InvalidURL as error:  # its text is the URL alone
                raise FetchError(f"invalid URL {describe(error)}") from None
            except (aiohttp.ClientError, OSError) as error:
                raise FetchError(describe(error)) from None

    async def _follow(
        self, url: str, etag: str | None, last_modified: str | None, guard: bool
    ) -> Fetched:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        session = self._sessions[guard]
        asked, permanent = url, True
        for _ in range(self.limits.max_redirects + 1):
            tls = self._tls_context() if _check_url(url, guard) == "https" else True
            async with session.get(
                url, headers=headers, allow_redirects=False, ssl=tls
            ) as response:
                if response.status in REDIRECTS:
                    permanent = permanent and response.status in PERMANENT_REDIRECTS
                    url = _redirect_target(url, response)
                    continue
                fetched = await self._answer(url, response, conditional=bool(headers))
                return fetched._replace(moved=permanent and url != asked)
        raise FetchError(f"more than {self.limits.max_redirects} redirects")

    def _tls_context(self) -> ssl.SSLContext:
        """The context every https request is verified with, made at the first one.

        Not aiohttp's own: the fetching child of `poll --once` imports aiohttp without the
        two it builds at import (see fetch_process.py), and a cycle of http feeds never needs
        one. Made here, it reads the system's CA certificates (and honours SSL_CERT_FILE)
        once, blocking the loop for about 20 ms in all."""
        if self._tls is None:
            self._tls = ssl.create_default_context()
            self._tls.set_alpn_protocols(["http/1.1"])
        return self._tls

    async def _answer(
        self, url: str, response: aiohttp.ClientResponse, *, conditional: bool
    ) -> Fetched:
        status = response.status
        if status == 304 and not conditional:
            # Nothing to be unchanged from: taken for "not modified", the feed would never
            # be read, and the source never show an error.
            raise FetchError("HTTP 304 Not Modified to a request that was not conditional", 304)
        if status != 304 and not 200 <= status < 300:
            # Only 429 and 503 are answers about timing; elsewhere Retry-After is ignored.
            timing = status in (429, 503)
            wait = _retry_after(response.headers.get("Retry-After")) if timing else None
            raise FetchError(_status_line(response), status, wait)
        body = None if status == 304 else await self._read(response)
        return Fetched(
            status=status,
            body=body,
            url=url,
            etag=usable_validator(response.headers.get("ETag"), ETAG_LIMIT),
            last_modified=usable_validator(
                response.headers.get("Last-Modified"), LAST_MODIFIED_LIMIT
            ),
            content_type=response.headers.get("Content-Type"),
            max_age=_max_age(response.headers.get("Cache-Control")),
        )

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        """The whole (decompressed) body, or FetchError past the cap: never a partial parse."""
        cap = self.limits.max_bytes
        too_big = FetchError(f"body larger than {_size(cap)}", response.status)
        if (response.content_length or 0) > cap:
            raise too_big
        chunks, size = [], 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > cap:
                raise too_big
            chunks.append(chunk)
        body = b"".join(chunks)
        # Still gzip after aiohttp undid any "gzip" encoding: labelled "x-gzip" (which it
        # leaves alone), packed twice, or a .xml.gz file. No feed starts with these bytes.
        if body.startswith(_GZIP_MAGIC):
            try:
                body = zlib.decompressobj(wbits=31).decompress(body, cap + 1)  # 31: gzip
            except zlib.error as error:
                raise FetchError(f"broken gzip body: {error}", response.status) from None
            if len(body) > cap:  # cut at cap + 1: a small bomb never fills memory
                raise too_big
        return body


def _size(count: int) -> str:
    """A number of bytes in the unit feeds.yaml's max_feed_size was likely written in, and
    exactly: "5 MiB" (the default), "20 kB", else the bytes."""
    for unit, scale in (("MiB", 1 << 20), ("MB", 10**6), ("KiB", 1 << 10), ("kB", 10**3)):
        if count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count} bytes"


def _status_line(response: aiohttp.ClientResponse) -> str:
    """The answer's status as the site gave it: "HTTP 429 Too Many Requests"."""
    return f"HTTP {response.status} {response.reason or ''}".strip()


def _redirect_target(url: str, response: aiohttp.ClientResponse) -> str:
    location = response.headers.get("Location", "").strip()
    if not location:  # urljoin would make it the same URL: a loop, not the site's mistake
        raise FetchError(f"{_status_line(response)} without a Location to follow", response.status)
    try:
        return urljoin(url, location)
    except ValueError as error:  # urllib's own parse fails: "Invalid IPv6 URL"
        raise FetchError(f"invalid redirect to {location!r}: {error}") from None


def _check_url(url: str, guard: bool) -> str:
    """The URL's scheme, once it is one that is fetched (FetchError if not)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"refused {url!r}: only http(s) URLs are fetched")
    # An IP literal never reaches the resolver, so the guard checks it here (a host name
    # has no reason to refuse it yet).
    reason = refused_reason(parts.hostname) if guard else None
    if reason:
        raise FetchError(f"refused {parts.hostname}: {reason}")
    return parts.scheme


def _parser_says(error: aiohttp.ClientError) -> str:
    """What aiohttp's HTTP parser found wrong, in one line. Its messages span lines (the bad
    bytes, a caret under them), and its errors' own text begins "400, message=", which
    reads as if the site had answered 400."""
    message = getattr(error.__cause__, "message", None) or getattr(error, "message", None)
    lines = str(message or error).splitlines()
    return " ".join(line.strip() for line in lines if line.strip(" ^"))


def _retry_after(value: str | None) -> timedelta | None:
    if not value:
        return None
    if _DIGITS.fullmatch(value.strip()):
        return _seconds(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(timedelta(0), when - datetime.now(UTC))


def _max_age(value: str | None) -> timedelta | None:
    match = _MAX_AGE.search(value or "")
    return _seconds(match[1]) if match else None


def _seconds(digits: str) -> timedelta:
    """A header's number of seconds, at most a year: the schedule caps any wait far below
    that, and a site's absurd number (twenty digits) must not overflow and cost its feed."""
    return timedelta(seconds=min(int(digits) if len(digits) <= 10 else _YEAR, _YEAR))
