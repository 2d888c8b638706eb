"""Cutting the items a source's last parse read: what feedparser reads of the rest is what it
read of them in the whole body, and anything the scan cannot be sure of is parsed whole."""

import random

import pytest

from bot.feeds.entry import Entry
from bot.feeds.items import DIGEST_SIZE, read_items, spans
from bot.feeds.parse import parse_feed
from tests.feeds.conftest import FIXTURES, fixture

RSS = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
    "<title>Small Screen</title><link>https://smallscreen.example/</link>{items}"
    "<!-- an <item> in a comment is no item --></channel></rss>"
)
RSS_ITEM = (
    "<item><title>Show {n} returns in March</title>"
    "<link>https://smallscreen.example/{n}?utm_source=rss</link>"
    '<guid isPermaLink="false">ss-{n}</guid><dc:creator>Ann</dc:creator>'
    "<pubDate>Mon, 23 Nov 2026 1{hour}:00:00 +0000</pubDate>"
    "<description><![CDATA[<p>Season {n} &amp; more: a CDATA </item> is text.</p>]]>"
    "</description></item>\n"
)
ATOM = (
    '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
    'xml:base="https://news.example/"><title>News</title>{items}'
    "<updated>2026-11-23T12:00:00Z</updated></feed>"
)
ATOM_ITEM = (
    "<entry><title type='html'>Show {n} &lt;b&gt;renewed&lt;/b&gt;</title>"
    "<link href='/shows/{n}'/><id>tag:news.example,2026:{n}</id>"
    "<updated>2026-11-23T1{hour}:00:00Z</updated><summary>Season {n} café</summary></entry>"
)
RDF = (
    '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://tv.example/">'
    "<title>TV</title><link>https://tv.example/</link></channel>{items}</rdf:RDF>"
)
RDF_ITEM = (
    '<item rdf:about="https://tv.example/{n}"><title>Show {n}</title>'
    "<link>https://tv.example/{n}</link><description>Season {n}</description></item>"
)
SHAPES = {"rss": (RSS, RSS_ITEM), "atom": (ATOM, ATOM_ITEM), "rdf": (RDF, RDF_ITEM)}


def body_of(shape: str, numbers: list[int]) -> bytes:
    document, item = SHAPES[shape]
    items = "".join(item.format(n=n, hour=n % 10) for n in numbers)
    return document.format(items=items).encode()


def entries(body: bytes) -> list[Entry]:
    return parse_feed(body, "application/xml", "https://feed.example/").entries


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_the_items_left_read_as_they_read_in_the_whole_body(shape: str) -> None:
    """Each round keeps some of the last round's items and adds new ones, as feeds do; the
    entries read from what the cut leaves are exactly the whole body's entries that are not
    among the items seen."""
    rng = random.Random(7)
    numbers = list(range(12))
    known = read_items(body_of(shape, numbers), None)
    assert known is not None and len(known.digests) == 12 * DIGEST_SIZE
    for round_ in range(6):
        kept = sorted(rng.sample(numbers, 8))
        added = [100 * (round_ + 1) + n for n in range(rng.randint(1, 4))]
        numbers = added + kept
        body = body_of(shape, numbers)
        items = read_items(body, known.digests)
        assert items is not None and items.unseen is not None
        whole = entries(body)
        assert len(whole) == len(numbers)
        assert entries(items.unseen) == whole[: len(added)]  # the added items come first
        assert items.digests == read_items(body, None).digests  # type: ignore[union-attr]
        known = items


def test_an_edited_item_is_read_again_and_a_known_one_is_not() -> None:
    body = body_of("rss", [1, 2, 3])
    known = read_items(body, None)
    assert known is not None
    edited = body.replace(b"Show 2 returns in March", b"Show 2 returns in April")
    items = read_items(edited, known.digests)
    assert items is not None and items.unseen is not None
    assert [e.title for e in entries(items.unseen)] == ["Show 2 returns in April"]


def test_a_body_whose_items_are_all_known_has_nothing_left_to_parse() -> None:
    body = body_of("atom", [1, 2])
    known = read_items(body, None)
    assert known is not None
    rebuilt = body.replace(b"12:00:00Z</updated></feed>", b"08:00:00Z</updated></feed>")
    assert rebuilt != body  # the feed's own date changed, as on every request at some sites
    assert read_items(rebuilt, known.digests) == (known.digests, None)


def test_an_empty_item_and_a_feed_without_items() -> None:
    body = b"<rss><channel><title>t</title><item/><item><title>x</title></item></channel></rss>"
    found = spans(body)
    assert found is not None
    assert [body[a:b] for a, b in found] == [b"<item/>", b"<item><title>x</title></item>"]
    assert spans(b"<rss><channel><title>t</title></channel></rss>") == []


@pytest.mark.parametrize(
    "body",
    [
        "<rss><channel><item><title>Café</title></item></channel></rss>".encode("latin-1"),
        "<rss><channel><item><title>x</title></item></channel></rss>".encode("utf-16"),
        b"<rss><channel><item><title>x &nbsp; y</title></item></channel></rss>",
        b"<rss><channel><item><title>x</title></channel></rss>",
        b"<rss><channel><foo:item>x</foo:item></channel></rss>",  # an unbound prefix
        b'<?xml version="1.0" encoding="Shift_JIS"?><rss><channel><item/></channel></rss>',
        b'<?xml version="1.0" encoding="x-no-such"?><rss><channel><item/></channel></rss>',
        b"not xml at all",
        b"",
    ],
    ids=[
        "latin-1",
        "utf-16",
        "html-entity",
        "unclosed",
        "unbound-prefix",
        "shift-jis",
        "unknown-encoding",
        "text",
        "empty",
    ],
)
def test_what_the_scan_cannot_be_sure_of_is_parsed_whole(body: bytes) -> None:
    assert read_items(body, b"\0" * DIGEST_SIZE) is None


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.xml")))
def test_every_fixture_that_scans_has_an_item_per_entry(name: str) -> None:
    """The scan finds the items feedparser finds (dup_guid has two items with one guid, and
    parse_feed keeps the first); a fixture that does not scan is read whole."""
    body = fixture(name)
    items = read_items(body, None)
    if items is None:
        return
    whole = entries(body)
    count = len(items.digests) // DIGEST_SIZE
    assert count == len(whole) + (name == "dup_guid.xml")
    assert entries(items.unseen or b"") == whole  # nothing known: the body as it was
