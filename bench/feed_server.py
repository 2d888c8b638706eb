"""A loopback feed server for the ingestion benchmark: N synthetic RSS feeds of 50 items,
spread over 127.0.0.1-127.0.0.50, with ETags (304s) and a switch that changes some feeds.

Run as `python bench/feed_server.py PORT N`; it prints "ready" when listening.
  POST /_bump?every=10   gives every 10th feed five new items and a new ETag
  POST /_reset           puts every feed back to its first version
"""

import sys
from datetime import UTC, datetime, timedelta

from aiohttp import web

HOSTS = [f"127.0.0.{i}" for i in range(1, 51)]
ITEMS = 50
_START = datetime(2026, 11, 24, 12, tzinfo=UTC)


def host_of(feed: int) -> str:
    return HOSTS[feed % len(HOSTS)]


def feed_url(port: int, feed: int) -> str:
    return f"http://{host_of(feed)}:{port}/feeds/{feed}.xml"


def render(feed: int, version: int) -> bytes:
    newest = version * 5 + ITEMS
    items = []
    for n in range(newest - ITEMS, newest):
        # An item keeps its date from version to version, as items in real feeds do.
        published = _START + timedelta(minutes=(n - ITEMS) * 7)
        season, day = n % 7 + 1, n % 28 + 1
        items.append(
            f"<item><title>Show {feed}-{n} season {season} premiere date set for March {day}"
            f"</title><link>https://site{feed}.example/news/{n}/show-{feed}-{n}-premiere/</link>"
            f'<guid isPermaLink="false">site{feed}-{n}</guid>'
            f"<pubDate>{published:%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
            f"<description><![CDATA[<p>The <b>hit series</b> returns for season {season} on "
            f"Paramount+ after a long wait. Producers say the new episodes will answer questions "
            f"left by the finale, and the cast &amp; crew promise surprises.</p>]]></description>"
            f"<category>TV</category></item>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Site {feed}</title><link>https://site{feed}.example/</link>"
        f"<description>TV news</description>{''.join(items)}</channel></rss>"
    ).encode()


def main() -> None:
    port, count = int(sys.argv[1]), int(sys.argv[2])
    versions = [0] * count
    cache: dict[tuple[int, int], bytes] = {}

    async def serve(request: web.Request) -> web.Response:
        feed = int(request.match_info["feed"])
        if not 0 <= feed < count:
            return web.Response(status=404)
        version = versions[feed]
        etag = f'"{feed}-{version}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        body = cache.get((feed, version))
        if body is None:
            body = cache[(feed, version)] = render(feed, version)
        return web.Response(
            body=body, headers={"ETag": etag, "Content-Type": "application/rss+xml"}
        )

    async def bump(request: web.Request) -> web.Response:
        every = int(request.query.get("every", "10"))
        for feed in range(0, count, every):
            versions[feed] += 1
        return web.Response(text="ok")

    async def reset(request: web.Request) -> web.Response:
        versions[:] = [0] * count
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/feeds/{feed:\\d+}.xml", serve)
    app.router.add_post("/_bump", bump)
    app.router.add_post("/_reset", reset)
    print("ready", flush=True)
    web.run_app(app, host=HOSTS, port=port, print=None, access_log=None, backlog=1024)


if __name__ == "__main__":
    main()
