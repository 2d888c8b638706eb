"""https feeds: every request is verified with the Fetcher's own TLS context, made at its
first https request from the system's CA certificates (SSL_CERT_FILE here, pointing at a
test CA), in the bot's process and in the fetching child `poll --once` forks, which builds
aiohttp's default contexts empty (bot/feeds/fetch_process.py)."""

import json
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from aiohttp import web

from bot.feeds.fetch import Fetcher
from bot.feeds.fetched import FetchError, FetchLimits
from tests.feeds.conftest import FeedServer, fixture, redirect
from tests.feeds.test_fetch_process import run_parent

LIMITS = FetchLimits(timeout=5.0)


@dataclass
class HttpsServer:
    url: str
    ca_file: Path  # the CA that signed its certificate


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def https_server(ca: trustme.CA, tmp_path: Path) -> AsyncIterator[HttpsServer]:
    async def rss(_: web.Request) -> web.Response:
        return web.Response(body=fixture("rss2.xml"), content_type="application/rss+xml")

    app = web.Application()
    app.router.add_get("/feed.xml", rss)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(tls)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
    await site.start()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    yield HttpsServer(f"https://127.0.0.1:{runner.addresses[0][1]}/feed.xml", ca_file)
    await runner.cleanup()


@pytest.fixture
def trusted(https_server: HttpsServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test CA is the system's only trusted one (for contexts made from now on)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(https_server.ca_file))
    monkeypatch.setenv("SSL_CERT_DIR", str(https_server.ca_file.parent))


@pytest.mark.usefixtures("trusted")
async def test_an_https_feed_signed_by_a_trusted_ca_is_fetched(
    https_server: HttpsServer, feed_server: FeedServer
) -> None:
    hop = feed_server.serve("/moved", redirect(https_server.url))  # http, then https
    async with Fetcher.open(LIMITS) as fetcher:
        direct = await fetcher.fetch(https_server.url)
        redirected = await fetcher.fetch(hop)
    assert direct.status == redirected.status == 200
    assert direct.body == redirected.body == fixture("rss2.xml")
    assert redirected.url == https_server.url


async def test_a_certificate_no_trusted_ca_signed_is_refused(
    https_server: HttpsServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "nothing"))
    async with Fetcher.open(LIMITS) as fetcher:
        with pytest.raises(FetchError, match="certificate verify failed"):
            await fetcher.fetch(https_server.url)


CHILD_PARENT = """
import asyncio, json, sys
from bot.feeds.fetch_process import FetchProcess
from bot.feeds.fetched import FetchError

fetching = FetchProcess.fork()

async def main(url):
    try:
        got = await fetching.fetch(url)
        answer = {"status": got.status, "size": len(got.body or b"")}
    except FetchError as error:
        answer = {"error": error.message}
    await fetching.aclose()
    print(json.dumps(answer))

asyncio.run(main(sys.argv[1]))
fetching.close()
"""


@pytest.mark.usefixtures("trusted")
async def test_the_fetching_child_verifies_https_with_its_own_context(
    https_server: HttpsServer,
) -> None:
    # aiohttp's default contexts in the child are empty: a request that fell back on them
    # would fail verification here.
    [answer] = await run_parent(CHILD_PARENT, https_server.url)
    assert json.loads(answer) == {"status": 200, "size": len(fixture("rss2.xml"))}


async def test_the_fetching_child_refuses_an_untrusted_certificate(
    https_server: HttpsServer,
) -> None:
    # The system's own CAs (SSL_CERT_FILE as the test run has it) never signed the test CA.
    [answer] = await run_parent(CHILD_PARENT, https_server.url)
    assert "certificate verify failed" in json.loads(answer)["error"]
