"""One poll cycle against a real local server: what is stored, and the source's state after."""

import base64
import logging
from datetime import timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web
from sqlalchemy import text
from sqlmodel import col, select

from bot.domain.polling import is_broken
from bot.feeds.items import DIGEST_SIZE
from bot.feeds.poll import Poller, PollOutcome
from bot.store.db import Store
from bot.store.tables import Source, Story
from tests.feeds.conftest import (
    Clock,
    FeedServer,
    Handler,
    RawServer,
    add_source,
    encoded,
    feed,
    fixture,
    gzipped,
    huge,
    redirect,
    slow,
    status,
)
from tests.feeds.test_items import body_of


def stories(store: Store) -> list[Story]:
    with store.session() as session:
        return list(session.exec(select(Story).order_by(col(Story.id))).all())


def source(store: Store, source_id: int) -> Source:
    with store.session() as session:
        row = session.get(Source, source_id)
        assert row is not None
        return row


async def poll_all(poller: Poller) -> dict[str, PollOutcome]:
    return {o.source: o for o in await poller.cycle(everything=True)}


async def test_rss_entries_are_stored_with_clean_text(
    store: Store, poller: Poller, feed_server: FeedServer, clock: Clock
) -> None:
    url = feed_server.serve("/rss", feed(fixture("rss2.xml"), ETag='"v1"'))
    source_id = add_source(store, "SSD", url)
    outcome = (await poll_all(poller))["SSD"]
    assert (outcome.status, outcome.http_status, outcome.new, outcome.error) == ("ok", 200, 3, None)

    severance, bear, lost = stories(store)
    assert severance.title == "Severance Season 3 Premiere Date Set for March 2027 on Apple TV+"
    assert severance.summary == "The Apple TV+ thriller returns & Lumon is back."
    assert severance.url == "https://smallscreen.example/severance-s3-date/?id=7"
    assert bear.published_at.isoformat() == "2026-11-23T17:30:00+00:00"
    assert (severance.backlog, bear.backlog, lost.backlog) == (False, False, True)
    assert severance.first_seen_at == clock.now

    state = source(store, source_id)
    assert (state.etag, state.last_status, state.consecutive_failures) == ('"v1"', 200, 0)
    assert state.last_success_at == clock.now
    assert state.next_poll_at is not None
    assert clock.now < state.next_poll_at <= clock.now + timedelta(seconds=900)


async def test_a_private_feed_is_fetched_with_its_password_and_shown_without_it(
    store: Store, poller: Poller, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A URL's credentials go to the site (HTTP basic auth) and nowhere else: not the poll's
    line, nor the log (which may be shipped elsewhere), nor the notice of a broken feed."""
    url = feed_server.serve("/private", status(500))
    private = url.replace("://", "://reader:s3cret@", 1)
    add_source(store, "Private", private)
    with caplog.at_level(logging.INFO):
        outcome = (await poll_all(poller))["Private"]
    assert outcome.url == url.replace("://", "://reader:***@", 1)
    [sent] = feed_server.headers_sent_to("/private")
    assert sent["Authorization"] == "Basic " + base64.b64encode(b"reader:s3cret").decode()
    assert "s3cret" not in caplog.text and "reader:***@" in caplog.text


async def test_second_poll_is_conditional_and_stores_nothing(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    url = feed_server.serve(
        "/rss",
        feed(
            fixture("rss2.xml"), ETag='"v1"', **{"Last-Modified": "Mon, 23 Nov 2026 15:00:00 GMT"}
        ),
    )
    add_source(store, "SSD", url)
    await poll_all(poller)
    outcome = (await poll_all(poller))["SSD"]
    assert (outcome.status, outcome.http_status, outcome.new) == ("not_modified", 304, 0)
    second = feed_server.headers_sent_to("/rss")[1]
    assert second["If-None-Match"] == '"v1"'
    assert second["If-Modified-Since"] == "Mon, 23 Nov 2026 15:00:00 GMT"
    assert second["User-Agent"].startswith("premiere-bot/")
    assert len(stories(store)) == 3


async def test_same_body_without_validators_is_not_parsed_again(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    add_source(store, "SSD", feed_server.serve("/rss", feed(fixture("rss2.xml"))))
    await poll_all(poller)
    outcome = (await poll_all(poller))["SSD"]
    assert (outcome.status, outcome.new) == ("unchanged", 0)


async def test_edited_headline_is_the_same_story(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    add_source(store, "SSD", feed_server.serve("/rss", feed(fixture("rss2.xml"))))
    await poll_all(poller)
    feed_server.serve("/rss", feed(fixture("rss2_edited.xml")))
    outcome = (await poll_all(poller))["SSD"]
    assert (outcome.status, outcome.new) == ("ok", 0)
    assert len(stories(store)) == 3


async def test_a_changed_feed_has_only_its_new_items_read(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    """The source keeps the hashes of the items its last poll read, and the next poll reads
    only the others. Shown with a story deleted by hand, as upkeep prunes old ones: its item,
    still in the feed and unchanged, does not come back; the new item is stored."""
    source_id = add_source(store, "SSD", feed_server.serve("/rss", feed(body_of("rss", [1, 2, 3]))))
    await poll_all(poller)
    assert len(source(store, source_id).item_digests or b"") == 3 * DIGEST_SIZE
    with store.session() as session:
        session.delete(
            session.exec(select(Story).where(Story.title == "Show 1 returns in March")).one()
        )
    feed_server.serve("/rss", feed(body_of("rss", [4, 1, 2, 3])))
    outcome = (await poll_all(poller))["SSD"]
    assert (outcome.status, outcome.new) == ("ok", 1)
    assert sorted(s.title for s in stories(store)) == [
        f"Show {n} returns in March" for n in (2, 3, 4)
    ]
    assert len(source(store, source_id).item_digests or b"") == 4 * DIGEST_SIZE


async def test_a_failed_poll_keeps_the_item_hashes_and_a_feed_that_does_not_scan_has_none(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    scanned = add_source(store, "SSD", feed_server.serve("/rss", feed(body_of("atom", [1, 2]))))
    whole = add_source(
        store, "Lupin", feed_server.serve("/fr", feed(fixture("latin1_declared.xml")))
    )
    await poll_all(poller)
    digests = source(store, scanned).item_digests
    assert digests is not None and len(digests) == 2 * DIGEST_SIZE
    assert source(store, whole).item_digests is None  # Latin-1: parsed whole every time
    feed_server.serve("/rss", status(500))
    assert (await poll_all(poller))["SSD"].status == "error"
    assert source(store, scanned).item_digests == digests


@pytest.mark.parametrize(
    ("name", "content_type", "titles"),
    [
        (
            "atom.xml",
            "application/atom+xml",
            ["Wednesday Season 3 Lands in August", "Fallout Season 3 Begins Filming"],
        ),
        ("rdf.xml", "application/rdf+xml", ["Doctor Who Christmas Special Confirmed"]),
        (
            "latin1_declared.xml",
            "application/xml",
            ["Lupin saison 4 : la date de diffusion dévoilée"],
        ),
        ("cp1252_undeclared.xml", "text/xml", ["Pokémon Horizons – new season “soon”"]),
        ("utf16_bom.xml", "text/xml", ["Call My Agent Season 2 Premieres March 3"]),
        ("entities.xml", "application/rss+xml", ["Law & Order’s 26th Season — Premiere Set"]),
        ("dup_guid.xml", "application/rss+xml", ["Reacher Season 4 Date", "Hacks Season 5"]),
        (
            "malformed.xml",
            "application/rss+xml",
            ["Peacemaker Season 3 & More", "Tulsa King Returns"],
        ),
        ("empty.xml", "application/rss+xml", []),
        (
            "surrogates_nul.xml",
            "application/rss+xml",
            [
                "Emoji \N{GRINNING FACE} night",
                "Lone \N{REPLACEMENT CHARACTER} surrogate",
                "Nul in link",
            ],
        ),
    ],
)
async def test_formats_encodings_and_oddities(
    store: Store,
    poller: Poller,
    feed_server: FeedServer,
    name: str,
    content_type: str,
    titles: list[str],
) -> None:
    add_source(store, "S", feed_server.serve("/f", feed(fixture(name), content_type)))
    outcome = (await poll_all(poller))["S"]
    assert (outcome.status, outcome.new, outcome.error) == ("ok", len(titles), None)
    assert [s.title for s in stories(store)] == titles


async def test_control_characters_leave_links(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    # PostgreSQL refuses NUL in text: one such link must not cost the feed its stories.
    add_source(store, "S", feed_server.serve("/f", feed(fixture("surrogates_nul.xml"))))
    await poll_all(poller)
    assert stories(store)[-1].url == "https://odd.example/cd"


async def test_entities_and_markup_become_plain_text(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    add_source(store, "S", feed_server.serve("/f", feed(fixture("entities.xml"))))
    await poll_all(poller)
    [story] = stories(store)
    assert story.summary == "NBC’s procedural returns <for real>"


async def test_entries_without_guid_keep_their_identity(
    store: Store, poller: Poller, feed_server: FeedServer, clock: Clock
) -> None:
    body = fixture("no_guid.xml")
    add_source(store, "S", feed_server.serve("/f", feed(body)))
    assert (await poll_all(poller))["S"].new == 4
    assert "https://noguid.example/empty" in [s.title for s in stories(store)]  # link only
    undated = [s for s in stories(store) if s.title.startswith("An item")]
    assert undated[0].published_at == clock.now  # no date: the time it was first seen
    reordered = body.replace(b"<channel>", b"<channel><item><title>New one</title></item>", 1)
    feed_server.serve("/f", feed(reordered))
    assert (await poll_all(poller))["S"].new == 1


async def test_gzip_and_redirects_are_followed(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    feed_server.serve("/real", gzipped(fixture("rss2.xml")))
    feed_server.serve("/moved", redirect("/real", 301))
    add_source(store, "S", feed_server.serve("/old", redirect(feed_server.url("/moved"))))
    outcome = (await poll_all(poller))["S"]
    assert (outcome.status, outcome.new) == ("ok", 3)
    assert feed_server.headers_sent_to("/real")[0]["Accept-Encoding"] == "gzip, deflate, br, zstd"


@pytest.mark.parametrize("coding", ["br", "zstd"])
async def test_brotli_and_zstd_bodies_are_read_within_the_cap(
    store: Store, poller: Poller, feed_server: FeedServer, coding: str
) -> None:
    add_source(store, "S", feed_server.serve("/f", encoded(fixture("rss2.xml"), coding)))
    # 6 MiB of one byte packs into a few hundred bytes: a bomb, stopped at the cap
    add_source(store, "Bomb", feed_server.serve("/bomb", encoded(bytes(6 << 20), coding)))
    outcomes = await poll_all(poller)
    assert (outcomes["S"].status, outcomes["S"].new) == ("ok", 3)
    assert (outcomes["Bomb"].status, outcomes["Bomb"].error) == ("error", "body larger than 5 MiB")


async def test_a_feed_that_moved_permanently_says_where_once(
    store: Store, poller: Poller, feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Permanent redirects alone (301, 308) say the feed moved: its row keeps the new address
    for `status` and /feeds status, and the log says so once, not at every poll. A temporary
    redirect anywhere on the way is no move; a feed answering at its own address again is
    moved no more."""
    new = feed_server.serve("/new", feed(fixture("rss2.xml"), ETag='"v1"'))
    feed_server.serve("/temporary", redirect("/new", 307))
    sources = {
        name: add_source(store, name, feed_server.serve(path, handler))
        for name, path, handler in [
            ("Moved", "/old", redirect("/new", 301)),
            ("Moved twice", "/older", redirect("/old", 308)),
            ("Borrowed", "/elsewhere", redirect("/new", 302)),
            ("Half moved", "/half", redirect("/temporary", 301)),
        ]
    }
    with caplog.at_level(logging.WARNING, logger="bot.feeds.poll"):
        first = await poll_all(poller)
    assert {name: outcome.status for name, outcome in first.items()} == dict.fromkeys(sources, "ok")
    moved_to = {name: source(store, id_).moved_to for name, id_ in sources.items()}
    assert moved_to == {"Moved": new, "Moved twice": new, "Borrowed": None, "Half moved": None}
    said = [r.getMessage() for r in caplog.records if "moved permanently" in r.getMessage()]
    assert sorted(said) == [
        f"source=Moved twice url={feed_server.url('/older')} moved permanently to {new}: give "
        "the source its new address",
        f"source=Moved url={feed_server.url('/old')} moved permanently to {new}: give the "
        "source its new address",
    ]

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.feeds.poll"):
        second = await poll_all(poller)  # 304s, through the same redirects
    assert second["Moved"].status == "not_modified"
    assert source(store, sources["Moved"]).moved_to == new
    assert not [r for r in caplog.records if "moved permanently" in r.getMessage()]

    feed_server.serve("/old", feed(fixture("rss2.xml")))  # the site took the redirect back
    await poll_all(poller)
    assert source(store, sources["Moved"]).moved_to is None
    assert source(store, sources["Moved twice"]).moved_to == feed_server.url("/old")


async def test_long_header_lines_are_read(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    # 20 KB: aiohttp's own limit (8 KB) failed real feeds that send a long policy header.
    policy = "default-src 'self' " + "https://cdn.example " * 1000
    headers = {"Content-Security-Policy": policy, "Set-Cookie": "c=" + "v" * 10_000}
    add_source(store, "S", feed_server.serve("/f", feed(fixture("rss2.xml"), **headers)))
    outcome = (await poll_all(poller))["S"]
    assert (outcome.status, outcome.new) == ("ok", 3)


_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            b"HTTP/1.1 OK\r\n\r\n",
            "malformed HTTP response: Bad status line: Invalid status code: b'HTTP/1.1 OK'",
        ),
        (
            b"<rss version='2.0'></rss>",  # a body with no status line or headers at all
            "malformed HTTP response: Bad status line: Expected HTTP/",
        ),
        (
            _HEAD + b"No Colon\r\nContent-Length: 5\r\n\r\nhello",
            "malformed HTTP response: Invalid header token: b'No Colon'",
        ),
        (
            _HEAD + b"X-Long: " + b"x" * 70_000 + b"\r\n\r\n",
            "malformed HTTP response: Got more than 65536 bytes when reading: b'xxx",
        ),
        (
            _HEAD + b"Content-Length: 50\r\n\r\nhello",
            "broken response body: Not enough data to satisfy content length header"
            " (received 5 of 50 bytes).",
        ),
        (
            _HEAD + b"Content-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello",
            "broken response body: Can not decode content-encoding: gzip",
        ),
        (b"", "the server disconnected before a complete answer"),
        (_HEAD + b"Content-Le", "the server disconnected before a complete answer"),
    ],
    ids=[
        "status-line",
        "no-http",
        "header",
        "header-too-long",
        "body-cut",
        "not-gzip",
        "nothing",
        "headers-cut",
    ],
)
async def test_an_answer_that_is_no_http_is_an_error_that_says_why(
    store: Store,
    poller: Poller,
    raw_server: RawServer,
    clock: Clock,
    answer: bytes,
    message: str,
) -> None:
    # In one line, and without the "400, message=" of aiohttp's own text: no site said 400.
    raw_server.answer = answer
    source_id = add_source(store, "Odd", raw_server.url)
    outcome = (await poll_all(poller))["Odd"]
    assert (outcome.status, outcome.http_status, outcome.new) == ("error", None, 0)
    assert outcome.error is not None and outcome.error.startswith(message)
    state = source(store, source_id)
    assert (state.last_error, state.consecutive_failures) == (outcome.error, 1)
    assert state.next_poll_at == clock.now + timedelta(seconds=1800)


async def test_relative_links_are_stored_as_where_the_feed_was_read(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    body = (
        b'<rss version="2.0"><channel><title>T</title>'
        b"<item><title>One</title><link>/news/1</link></item>"
        b"<item><title>Two</title><link>2.html</link></item></channel></rss>"
    )
    feed_server.serve("/feeds/now.xml", feed(body))
    add_source(store, "S", feed_server.serve("/old.xml", redirect("/feeds/now.xml", 301)))
    assert (await poll_all(poller))["S"].new == 2
    assert [s.url for s in stories(store)] == [
        feed_server.url("/news/1"),
        feed_server.url("/feeds/2.html"),  # the answer's URL, after the redirect
    ]


@pytest.mark.parametrize(
    ("encoding", "times"),
    [("x-gzip", 1), ("gzip", 2), ("", 1)],
    ids=["x-gzip", "gzip-twice", "gz-file"],
)
async def test_a_body_still_gzipped_is_unpacked(
    store: Store, poller: Poller, feed_server: FeedServer, encoding: str, times: int
) -> None:
    # aiohttp undoes one gzip labelled "gzip"; old servers label it "x-gzip", broken ones
    # pack it twice, and some serve a .xml.gz file as it is.
    add_source(store, "S", feed_server.serve("/f", gzipped(fixture("rss2.xml"), encoding, times)))
    outcome = (await poll_all(poller))["S"]
    assert (outcome.status, outcome.new) == ("ok", 3)


@pytest.mark.parametrize(
    ("handler", "http_status", "message"),
    [
        (status(404), 404, "HTTP 404 Not Found"),
        (status(500), 500, "HTTP 500 Internal Server Error"),
        (status(304), 304, "HTTP 304 Not Modified to a request that was not conditional"),
        (feed(fixture("page.html"), "text/html"), 200, "not an RSS or Atom feed"),
        (
            feed(fixture("page_with_feed.html"), "text/html"),
            200,
            "not an RSS or Atom feed but a page that names its feed: http://127.0.0.1:",
        ),
        (feed(b"", "application/rss+xml"), 200, "not an RSS or Atom feed"),
        (
            feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": []}'),
            200,
            "not an RSS or Atom feed: the answer is JSON (a JSON Feed is not read)",
        ),
        (slow(5), None, "no complete answer within 2 s"),
        (huge(20), 200, "body larger than 5 MiB"),
        (redirect("/loop"), None, "more than 5 redirects"),
        (redirect(" "), 302, "HTTP 302 Found without a Location to follow"),
        (status(301), 301, "HTTP 301 Moved Permanently without a Location to follow"),
        (redirect("ftp://127.0.0.1/feed"), None, "only http(s) URLs are fetched"),
        (redirect("http://127.0.0.1:99999/feed"), None, "invalid URL http://127.0.0.1:99999"),
        (redirect("http://[::1/feed"), None, "invalid redirect to 'http://[::1/feed'"),
        (feed(b"\x1f\x8b not gzip after all"), 200, "broken gzip body"),
        (gzipped(bytes(6 << 20), encoding=""), 200, "body larger than 5 MiB"),
    ],
    ids=[
        "404",
        "500",
        "304-unasked",
        "html",
        "html-naming-its-feed",
        "empty-body",
        "json-feed",
        "hangs",
        "20MB",
        "redirect-loop",
        "empty-location",
        "no-location",
        "ftp-redirect",
        "redirect-to-no-port",
        "redirect-to-broken-ipv6",
        "broken-gzip",
        "gzip-bomb",
    ],
)
async def test_faults_are_errors_that_back_off(
    store: Store,
    poller: Poller,
    feed_server: FeedServer,
    clock: Clock,
    handler,
    http_status,
    message,  # type: ignore[no-untyped-def]
) -> None:
    source_id = add_source(store, "Bad", feed_server.serve("/loop", handler))
    add_source(store, "Good", feed_server.serve("/good", feed(fixture("atom.xml"))))
    outcomes = await poll_all(poller)
    bad = outcomes["Bad"]
    assert (bad.status, bad.http_status, bad.new) == ("error", http_status, 0)
    assert bad.error is not None and message in bad.error
    assert outcomes["Good"].new == 2  # one bad source never holds up the others
    assert [s.source_id for s in stories(store)] == [2, 2]
    state = source(store, source_id)
    assert (state.consecutive_failures, state.failing_since) == (1, clock.now)
    assert state.last_error is not None and message in state.last_error
    assert state.next_poll_at == clock.now + timedelta(seconds=1800)  # interval x 2


async def test_retry_after_is_honoured(
    store: Store, poller: Poller, feed_server: FeedServer, clock: Clock
) -> None:
    source_id = add_source(
        store, "Busy", feed_server.serve("/f", status(429, **{"Retry-After": "7200"}))
    )
    outcome = (await poll_all(poller))["Busy"]
    assert (outcome.http_status, outcome.error) == (429, "HTTP 429 Too Many Requests")
    assert source(store, source_id).next_poll_at == clock.now + timedelta(hours=2)


async def test_a_site_that_asks_to_wait_holds_back_every_feed_on_it(
    store: Store, poller: Poller, feed_server: FeedServer, clock: Clock
) -> None:
    """A 429 with a Retry-After from one feed: the site's other feeds wait as long, polled
    in the same cycle or not due in it, and in this poller's later cycles. A feed on another
    site (another host name for the same server) does not."""
    start = clock.now
    busy = add_source(
        store, "Busy", feed_server.serve("/busy", status(429, **{"Retry-After": "7200"}))
    )
    sibling = add_source(store, "Sibling", feed_server.serve("/sibling", feed(fixture("atom.xml"))))
    later = add_source(store, "Later", feed_server.serve("/later", feed(fixture("rdf.xml"))))
    elsewhere_url = feed_server.serve("/elsewhere", feed(fixture("rss2.xml")))
    elsewhere = add_source(store, "Elsewhere", elsewhere_url.replace("127.0.0.1", "localhost"))
    with store.session() as session:  # polled a minute ago: not due in this cycle
        row = session.get(Source, later)
        assert row is not None
        row.next_poll_at = start + timedelta(minutes=14)

    outcomes = {o.source: o for o in await poller.cycle()}

    assert sorted(outcomes) == ["Busy", "Elsewhere", "Sibling"]
    assert (outcomes["Sibling"].status, outcomes["Elsewhere"].status) == ("ok", "ok")
    held = start + timedelta(hours=2)
    assert [source(store, i).next_poll_at for i in (busy, sibling, later)] == [held] * 3
    assert source(store, elsewhere).next_poll_at < start + timedelta(minutes=16)
    # Polled again within the two hours (`--all`, `--source`): still held.
    clock.advance(timedelta(minutes=30))
    again = await poller.cycle(everything=True, names=["Sibling", "Elsewhere"])
    assert [o.status for o in again] == ["unchanged", "unchanged"]
    assert source(store, sibling).next_poll_at == held
    assert source(store, elsewhere).next_poll_at < clock.now + timedelta(minutes=16)


@pytest.mark.parametrize(
    "answer",
    [status(503), status(500, **{"Retry-After": "7200"})],
    ids=["503-without-retry-after", "500-with-retry-after"],
)
async def test_a_site_that_fails_without_asking_to_wait_holds_back_no_other_feed(
    store: Store, poller: Poller, feed_server: FeedServer, clock: Clock, answer: Handler
) -> None:
    add_source(store, "Failing", feed_server.serve("/failing", answer))
    sibling = add_source(store, "Sibling", feed_server.serve("/sibling", feed(fixture("atom.xml"))))
    await poll_all(poller)
    assert source(store, sibling).next_poll_at < clock.now + timedelta(minutes=16)


async def test_cache_control_max_age_delays_the_next_poll(
    store: Store, poller: Poller, feed_server: FeedServer, clock: Clock
) -> None:
    url = feed_server.serve(
        "/f", feed(fixture("atom.xml"), **{"Cache-Control": "public, max-age=86400"})
    )
    source_id = add_source(store, "Cached", url)
    await poll_all(poller)
    # a day asked for, but never more than four intervals (4 x 15 min)
    assert source(store, source_id).next_poll_at == clock.now + timedelta(hours=1)


@pytest.mark.parametrize("seconds", ["99999999999999999999", "9" * 5000])
async def test_an_absurd_max_age_costs_no_stories(
    store: Store, poller: Poller, feed_server: FeedServer, clock: Clock, seconds: str
) -> None:
    url = feed_server.serve(
        "/f", feed(fixture("atom.xml"), **{"Cache-Control": f"max-age={seconds}"})
    )
    source_id = add_source(store, "Cached", url)
    outcome = (await poll_all(poller))["Cached"]
    assert (outcome.status, outcome.new, outcome.error) == ("ok", 2, None)
    assert source(store, source_id).next_poll_at == clock.now + timedelta(hours=1)


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        ("99999999999999999999", timedelta(hours=24)),  # the longest backoff there is
        ("\u00b2", timedelta(minutes=30)),  # no number: the backoff's own 2 x 15 min
    ],
)
async def test_an_absurd_retry_after_is_still_a_429(
    store: Store,
    poller: Poller,
    feed_server: FeedServer,
    clock: Clock,
    retry_after: str,
    wait: timedelta,
) -> None:
    url = feed_server.serve("/f", status(429, **{"Retry-After": retry_after}))
    source_id = add_source(store, "Busy", url)
    outcome = (await poll_all(poller))["Busy"]
    assert (outcome.http_status, outcome.error) == (429, "HTTP 429 Too Many Requests")
    assert source(store, source_id).next_poll_at == clock.now + wait


async def test_failures_back_off_then_break_then_recover(
    store: Store, poller: Poller, feed_server: FeedServer, clock: Clock
) -> None:
    source_id = add_source(store, "Flaky", feed_server.serve("/f", status(503)))
    for _ in range(10):
        await poll_all(poller)
        clock.advance(timedelta(hours=9))
    state = source(store, source_id)
    assert state.consecutive_failures == 10
    assert state.next_poll_at is not None and state.last_polled_at is not None
    assert state.next_poll_at - state.last_polled_at == timedelta(hours=24)  # capped
    assert is_broken(state.failing_since, state.last_status, clock.now)
    feed_server.serve("/f", feed(fixture("atom.xml")))
    await poll_all(poller)
    state = source(store, source_id)
    assert (state.consecutive_failures, state.failing_since, state.last_error) == (0, None, None)


async def test_a_source_fetch_timeout_of_its_own_overrides_the_fetcher_s(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    """The poller's fetcher allows 2 s; feeds.yaml gives one slow site 4 s, another 1 s."""
    add_source(store, "Patient", feed_server.serve("/p", slow(3)), fetch_timeout=4)
    add_source(store, "Brisk", feed_server.serve("/b", slow(1.5)), fetch_timeout=1)
    add_source(store, "Default", feed_server.serve("/d", slow(1.5)))
    outcomes = await poll_all(poller)
    assert {name: (o.status, o.error) for name, o in outcomes.items()} == {
        "Patient": ("ok", None),
        "Brisk": ("error", "no complete answer within 1 s"),
        "Default": ("ok", None),
    }


async def test_a_feed_the_site_says_is_gone_is_broken_at_once(
    store: Store, poller: Poller, feed_server: FeedServer, clock: Clock
) -> None:
    source_id = add_source(store, "Gone", feed_server.serve("/f", status(410)))
    outcome = (await poll_all(poller))["Gone"]
    assert (outcome.status, outcome.http_status, outcome.error) == ("error", 410, "HTTP 410 Gone")
    state = source(store, source_id)
    assert is_broken(state.failing_since, state.last_status, clock.now)
    assert state.next_poll_at == clock.now + timedelta(hours=24)  # retried daily, not 30 min
    clock.advance(timedelta(hours=24))
    feed_server.serve("/f", feed(fixture("atom.xml")))  # the site thought better of it
    assert (await poll_all(poller))["Gone"].status == "ok"
    state = source(store, source_id)
    assert not is_broken(state.failing_since, state.last_status, clock.now)


async def test_only_due_sources_are_polled(
    store: Store, poller: Poller, feed_server: FeedServer, clock: Clock
) -> None:
    add_source(store, "A", feed_server.serve("/a", feed(fixture("atom.xml"))))
    add_source(store, "B", feed_server.serve("/b", feed(fixture("rdf.xml"))))
    first = await poller.cycle()
    assert sorted(o.source for o in first) == ["A", "B"]  # never polled: due
    assert await poller.cycle() == []  # both scheduled into the future
    clock.advance(timedelta(minutes=15))
    assert sorted(o.source for o in await poller.cycle()) == ["A", "B"]


async def test_guarded_source_may_not_reach_loopback(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    add_source(store, "Sneaky", feed_server.serve("/f", feed(fixture("atom.xml"))), trusted=False)
    outcome = (await poll_all(poller))["Sneaky"]
    assert outcome.status == "error" and outcome.error is not None
    assert "loopback" in outcome.error
    assert feed_server.headers_sent_to("/f") == []  # refused before any request was sent


async def test_same_news_on_two_sites_shares_a_fingerprint(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    add_source(store, "One", feed_server.serve("/1", feed(fixture("rss2.xml"))))
    other = (
        fixture("rss2.xml")
        .replace(b"smallscreen.example", b"elsewhere.example")
        .replace(b"ssd-", b"else-")
    )
    add_source(store, "Two", feed_server.serve("/2", feed(other)))
    await poll_all(poller)
    rows = stories(store)
    assert len(rows) == 6
    assert len({s.fingerprint for s in rows}) == 3


async def test_a_copy_under_another_headline_shares_the_fingerprint_of_its_link(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    """Another site (an aggregator) reposts two of the stories under headlines of its own,
    linking to them over http, with "www." and tracking: they are the same news. Its third
    item links to the site's home page, as some feeds link every item, which names no story.
    Within one source a shared link joins nothing (a feed linking every item to a section)."""
    add_source(store, "One", feed_server.serve("/1", feed(fixture("rss2.xml"))))
    await poll_all(poller)
    reposts = [
        ("Lumon returns: Severance S3 dated", "http://www.smallscreen.example/severance-s3-date?utm_medium=x&amp;id=7"),
        ("FX keeps The Bear cooking", "https://smallscreen.example/the-bear-renewed"),
        ("Old news: Lost finale recap, again", "https://smallscreen.example/"),
        ("Andor wins big", "https://agg.example/tv-news"),
        ("Shogun renewed", "https://agg.example/tv-news"),
    ]  # fmt: skip
    items = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>agg-{n}</guid></item>"
        for n, (title, link) in enumerate(reposts)
    )
    body = f'<rss version="2.0"><channel><title>Agg</title>{items}</channel></rss>'.encode()
    add_source(store, "Aggregator", feed_server.serve("/agg", feed(body)))
    await poll_all(poller)

    fingerprint_of = {(s.source_id, s.title): s.fingerprint for s in stories(store)}
    by_title = {title: fp for (_, title), fp in fingerprint_of.items()}
    assert len(fingerprint_of) == 8
    assert (
        by_title["Lumon returns: Severance S3 dated"]
        == by_title["Severance Season 3 Premiere Date Set for March 2027 on Apple TV+"]
    )
    assert by_title["FX keeps The Bear cooking"] == by_title["The Bear Renewed for Season 5 at FX"]
    assert by_title["Old news: Lost finale recap, again"] != by_title["Old news: Lost finale recap"]
    assert by_title["Andor wins big"] != by_title["Shogun renewed"]
    assert len(set(fingerprint_of.values())) == 6


async def test_a_database_that_fails_mid_cycle_stops_it_and_blames_no_source(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    """A database that cannot be written (full, locked past the busy timeout, a table gone)
    is no source's failure: recorded as one per source, every source of the cycle had a
    logged traceback and a backoff it did not deserve, and the record itself failed. The
    cycle stops at the first such write; `poll` then says the database is unusable."""
    gone = text("ALTER TABLE story RENAME TO story_gone")

    async def table_gone_meanwhile(request: web.Request) -> web.StreamResponse:
        with store.engine.begin() as connection:
            connection.execute(gone)
        return web.Response(body=fixture("rss2.xml"), content_type="application/rss+xml")

    source_id = add_source(store, "SSD", feed_server.serve("/rss", table_gone_meanwhile))
    try:
        with pytest.raises(store.polls.errors) as failure:
            await poller.cycle(everything=True)
        assert store.polls.unusable(failure.value)
    finally:
        with store.engine.begin() as connection:
            connection.execute(text("ALTER TABLE story_gone RENAME TO story"))
    state = source(store, source_id)
    assert (state.consecutive_failures, state.last_error) == (0, None)


async def test_a_bug_costs_one_source_which_backs_off(
    store: Store,
    poller: Poller,
    feed_server: FeedServer,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad_id = add_source(store, "Trips a bug", feed_server.serve("/bug", feed(fixture("rss2.xml"))))
    add_source(store, "Fine", feed_server.serve("/fine", feed(fixture("atom.xml"))))
    real_parse = poller.parsers.parse

    async def parse(body: bytes, content_type: str | None, url: str, known: bytes | None):  # type: ignore[no-untyped-def]
        if url.endswith("/bug"):
            raise ValueError("first line of a bug\n" + "x" * 5000)
        return await real_parse(body, content_type, url, known)

    monkeypatch.setattr(poller.parsers, "parse", parse)
    outcomes = await poll_all(poller)
    assert outcomes["Trips a bug"].error == "internal error: ValueError: first line of a bug"
    assert outcomes["Fine"].new == 2
    state = source(store, bad_id)
    assert state.consecutive_failures == 1
    assert state.next_poll_at == clock.now + timedelta(seconds=1800)


async def test_control_characters_never_reach_the_database(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    body = fixture("rss2.xml").replace(b"The Bear Renewed", b"The Bear&#0; Re\x01newed")
    add_source(store, "S", feed_server.serve("/f", feed(body)))
    outcome = (await poll_all(poller))["S"]
    assert (outcome.status, outcome.new) == ("ok", 3)
    assert "The Bear Renewed for Season 5 at FX" in [s.title for s in stories(store)]


async def test_validators_too_long_to_keep_are_dropped_not_fatal(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    # Some servers send an ETag longer than the column holds; PostgreSQL would refuse it.
    long_etag = '"' + "e" * 600 + '"'
    long_date = "Mon, 23 Nov 2026 15:00:00 GMT" + " " * 80 + "x"
    served = feed(fixture("rss2.xml"), ETag=long_etag, **{"Last-Modified": long_date})
    source_id = add_source(store, "SSD", feed_server.serve("/rss", served))
    outcome = (await poll_all(poller))["SSD"]
    assert (outcome.status, outcome.new, outcome.error) == ("ok", 3, None)
    state = source(store, source_id)
    assert (state.etag, state.last_modified, state.last_status) == (None, None, 200)
    # Without validators the next poll still skips the unchanged body.
    assert (await poll_all(poller))["SSD"].status == "unchanged"


async def test_dates_far_ahead_of_the_fetch_are_the_fetch_time(
    store: Store, poller: Poller, feed_server: FeedServer, clock: Clock
) -> None:
    items = [
        ("far", "Fri, 31 Dec 9999 23:59:59 GMT"),
        ("ahead", format_datetime(clock.now + timedelta(days=3), usegmt=True)),
        ("hours", format_datetime(clock.now + timedelta(hours=5), usegmt=True)),
    ]
    body = "".join(
        f"<item><title>{t}</title><guid>{t}</guid><pubDate>{d}</pubDate></item>" for t, d in items
    )
    served = f'<rss version="2.0"><channel><title>Clocks</title>{body}</channel></rss>'
    add_source(store, "S", feed_server.serve("/f", feed(served.encode())))
    assert (await poll_all(poller))["S"].new == 3
    dated = {s.title: (s.published_at, s.backlog) for s in stories(store)}
    assert dated["far"] == dated["ahead"] == (clock.now, False)
    assert dated["hours"] == (clock.now + timedelta(hours=5), False)  # a clock a little fast
