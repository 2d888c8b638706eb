"""A real HTTP server on 127.0.0.1 that serves feed fixtures and faults."""

import asyncio
import contextlib
import gzip
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import brotli
import pytest
from aiohttp import web
from backports import zstd

from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.parsing_pool import ParsingPool
from bot.feeds.poll import Poller
from bot.store.db import Store
from bot.store.tables import Source

FIXTURES = Path(__file__).parent / "fixtures"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def feed(body: bytes, content_type: str = "application/rss+xml", **headers: str) -> Handler:
    """Serves `body`, answering 304 when the client's If-None-Match matches the ETag."""

    async def handler(request: web.Request) -> web.StreamResponse:
        if "ETag" in headers and request.headers.get("If-None-Match") == headers["ETag"]:
            return web.Response(status=304, headers=headers)
        return web.Response(
            body=body, content_type=None, headers={"Content-Type": content_type, **headers}
        )

    return handler


def status(code: int, **headers: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, text=f"status {code}", headers=headers)

    return handler


def slow(seconds: float) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return web.Response(body=fixture("rss2.xml"))

    return handler


def huge(megabytes: int) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await response.prepare(request)
        await response.write(b"<?xml version='1.0'?><rss version='2.0'><channel>")
        chunk = b"<item><title>x</title></item>" * 2000
        for _ in range(megabytes * 1024 * 1024 // len(chunk)):
            await response.write(chunk)
        return response

    return handler


def redirect(to: str, code: int = 302) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, headers={"Location": to})

    return handler


def gzipped(body: bytes, encoding: str = "gzip", times: int = 1) -> Handler:
    """Serves `body` gzipped `times` times, labelled Content-Encoding `encoding` (none if "")."""
    for _ in range(times):
        body = gzip.compress(body)
    headers = {"Content-Type": "application/rss+xml"}
    if encoding:
        headers["Content-Encoding"] = encoding

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, headers=headers)

    return handler


def encoded(body: bytes, coding: str) -> Handler:
    """Serves `body` packed with brotli ("br") or zstd, labelled so."""
    packed = brotli.compress(body) if coding == "br" else zstd.compress(body)
    return feed(packed, **{"Content-Encoding": coding})


@dataclass
class FeedServer:
    base: str
    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def serve(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def headers_sent_to(self, path: str) -> list[dict[str, str]]:
        return [headers for p, headers in self.requests if p == path]

    async def requested(self, count: int) -> None:
        """Waits until `count` requests have come in (their handlers chosen already)."""
        async with self.arrived:
            await self.arrived.wait_for(lambda: len(self.requests) >= count)


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer(base="")

    async def dispatch(request: web.Request) -> web.StreamResponse:
        server.requests.append((request.path, dict(request.headers)))
        handler = server.routes.get(request.path)
        async with server.arrived:
            server.arrived.notify_all()
        if handler is None:
            return web.Response(status=404, text="no such feed")
        return await handler(request)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", dispatch)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.base = f"http://127.0.0.1:{port}"
    yield server
    await runner.cleanup()


@dataclass
class RawServer:
    """Answers every request on `url` with the bytes `answer` holds, whatever was asked: for
    answers that are no HTTP, which aiohttp's own server would never send."""

    url: str
    answer: bytes = b""


@pytest.fixture
async def raw_server() -> AsyncIterator[RawServer]:
    server = RawServer(url="")

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(server.answer)
            await writer.drain()
        writer.close()

    listening = await asyncio.start_server(answer, "127.0.0.1", 0)
    server.url = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}/feed"
    async with listening:
        yield server


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def parsers() -> Iterator[ParsingPool]:
    pool = ParsingPool(workers=2)
    yield pool
    pool.close()


@pytest.fixture
async def poller(store: Store, parsers: ParsingPool, clock: Clock) -> AsyncIterator[Poller]:
    limits = FetchLimits(timeout=2.0)
    async with Fetcher.open(limits) as fetcher:
        yield Poller(store.polls, fetcher, parsers, backlog_age=timedelta(hours=24), clock=clock)


def add_source(
    store: Store,
    name: str,
    url: str,
    *,
    interval: int = 900,
    trusted: bool = True,
    fetch_timeout: float | None = None,
) -> int:
    with store.session() as session:
        source = Source(name=name, url=url, interval_seconds=interval, trusted=trusted)
        source.fetch_timeout_seconds = fetch_timeout
        session.add(source)
        session.flush()
        assert source.id is not None
        return source.id
