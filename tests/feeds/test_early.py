"""Early polls (bot/feeds/early.py): the cycle takes an early answer as its own only where it
would have sent the same request, and sends nothing more for it."""

import asyncio

from bot.feeds.early import EarlyPolls
from bot.feeds.poll import Poller
from bot.store.db import Store
from tests.feeds.conftest import FeedServer, add_source, feed, fixture, slow, status
from tests.feeds.test_poll import poll_all, source, stories


async def test_a_new_sources_early_answer_is_the_cycles_and_is_not_fetched_again(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/new", feed(fixture("rss2.xml"), ETag='"v1"'))
    failing = feed_server.serve("/failing", status(500))
    new_id, failing_id = add_source(store, "New", url), add_source(store, "Failing", failing)
    early = poller.early = EarlyPolls(poller.fetcher, poller.parsers)
    early.start({url: None, failing: None})
    await feed_server.requested(2)
    # Answered already: what the server says now is not what the cycle stores.
    feed_server.serve("/new", feed(fixture("atom.xml")))
    outcomes = await poll_all(poller)
    await early.close()

    assert (outcomes["New"].status, outcomes["New"].new) == ("ok", 3)
    assert stories(store)[0].title.startswith("Severance Season 3")  # rss2.xml's first item
    assert source(store, new_id).etag == '"v1"'
    assert (outcomes["Failing"].status, outcomes["Failing"].http_status) == ("error", 500)
    assert source(store, failing_id).consecutive_failures == 1
    assert [path for path, _ in feed_server.requests] == ["/new", "/failing"]


async def test_a_source_polled_before_or_guarded_sends_its_own_request(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    known = feed_server.serve("/known", feed(fixture("rss2.xml"), ETag='"v1"'))
    add_source(store, "Known", known)
    await poll_all(poller)  # stored, with the ETag to send back
    guarded = feed_server.serve("/guarded", feed(fixture("rss2.xml")))
    add_source(store, "Guarded", guarded, trusted=False)
    early = poller.early = EarlyPolls(poller.fetcher, poller.parsers)
    early.start({known: None, guarded: None})
    await feed_server.requested(3)
    outcomes = await poll_all(poller)
    await early.close()

    # The early request carried no ETag; the cycle's own did, and was answered 304.
    assert outcomes["Known"].status == "not_modified"
    assert [h.get("If-None-Match") for h in feed_server.headers_sent_to("/known")] == [
        None,
        None,
        '"v1"',
    ]
    # Fetched early without the guard, but the cycle's own fetch is guarded: no loopback.
    assert outcomes["Guarded"].status == "error" and "address" in (outcomes["Guarded"].error or "")


async def test_a_source_polled_early_reports_the_time_from_its_early_request(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    """elapsed_ms is the poll's time, request to store: for an answer that came in before
    the cycle took it, it had read 0-1 ms, the take alone."""
    url = feed_server.serve("/slow", slow(0.3))
    add_source(store, "Slow", url)
    early = poller.early = EarlyPolls(poller.fetcher, poller.parsers)
    early.start({url: None})
    await feed_server.requested(1)
    await asyncio.sleep(0.5)  # answered (after 0.3 s) before the cycle starts
    outcome = (await poll_all(poller))["Slow"]
    await early.close()
    assert (outcome.status, outcome.new) == ("ok", 3)
    assert outcome.elapsed_ms >= 300
    assert [path for path, _ in feed_server.requests] == ["/slow"]


async def test_a_source_with_a_timeout_of_its_own_is_polled_early_with_it(
    store: Store, poller: Poller, feed_server: FeedServer
) -> None:
    """The poller's fetcher allows 2 s; a source given 4 s (feeds.yaml) is asked early with
    its 4 s, and that answer is the cycle's. One asked early with the fetcher's 2 s is not
    taken for a source whose own timeout is 4 s: the cycle sends its own request."""
    patient = feed_server.serve("/patient", slow(3))
    changed = feed_server.serve("/changed", feed(fixture("rss2.xml")))
    add_source(store, "Patient", patient, fetch_timeout=4)
    add_source(store, "Changed", changed, fetch_timeout=4)
    early = poller.early = EarlyPolls(poller.fetcher, poller.parsers)
    early.start({patient: 4, changed: None})
    await feed_server.requested(2)
    outcomes = await poll_all(poller)
    await early.close()
    assert (outcomes["Patient"].status, outcomes["Patient"].new) == ("ok", 3)
    assert sorted(path for path, _ in feed_server.requests) == ["/changed", "/changed", "/patient"]
