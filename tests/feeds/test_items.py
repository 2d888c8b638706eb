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


WORDPRESS = (
    '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:slash="http://purl.org/rss/1.0/modules/slash/" xmlns:media="http://search.yahoo.com/mrss/">'
    "<channel><title>TV News</title><link>https://tvnews.example/</link><category>TV</category>"
    "{items}</channel></rss>"
)
WORDPRESS_ITEM = (
    "<item><title>Show {n} season 2 premiere date set</title>"
    "<link>https://tvnews.example/show-{n}/</link>"
    "<comments>https://tvnews.example/show-{n}/#respond</comments>"
    "<dc:creator><![CDATA[Ann]]></dc:creator><author>ann@tvnews.example</author>"
    "<pubDate>Tue, 24 Nov 2026 06:1{n}:00 +0000</pubDate>"
    "<category><![CDATA[Premieres]]></category><category domain='tags'>Show {n}</category>"
    '<guid isPermaLink="false">https://tvnews.example/?p={n}</guid>'
    "<description><![CDATA[<p>Season 2 on Paramount+.</p>]]></description>"
    "<content:encoded><![CDATA[<p>Season 2 on Paramount+, in March.</p>]]></content:encoded>"
    "<wfw:commentRss>https://tvnews.example/show-{n}/feed/</wfw:commentRss>"
    "<slash:comments>3</slash:comments><media:thumbnail url='https://tvnews.example/{n}.jpg'/>"
    "<enclosure url='https://tvnews.example/{n}.mp3' type='audio/mpeg' length='1'/></item>"
)
UNREAD = [
    b"<comments>https://tvnews.example/show-1/#respond</comments>",
    b"<dc:creator><![CDATA[Ann]]></dc:creator>",
    b"<author>ann@tvnews.example</author>",
    b"<category><![CDATA[Premieres]]></category>",
    b"<category domain='tags'>Show 1</category>",
    b"<wfw:commentRss>https://tvnews.example/show-1/feed/</wfw:commentRss>",
    b"<slash:comments>3</slash:comments>",
    b"<media:thumbnail url='https://tvnews.example/1.jpg'/>",
    b"<enclosure url='https://tvnews.example/1.mp3' type='audio/mpeg' length='1'/>",
]


def test_the_children_no_entry_field_comes_from_are_cut_before_feedparser() -> None:
    """A WordPress item is mostly categories, authors and comment links: they are cut out of
    what feedparser reads, and the entries are the same; the channel's own are left."""
    body = WORDPRESS.format(items="".join(WORDPRESS_ITEM.format(n=n) for n in (1, 2))).encode()
    found = spans(body)
    assert found is not None
    assert [body[a:b] for a, b in found[0].unread] == UNREAD
    items = read_items(body, None)
    assert items is not None and items.unseen is not None
    assert entries(items.unseen) == entries(body)
    assert [e.title for e in entries(items.unseen)] == [
        "Show 1 season 2 premiere date set",
        "Show 2 season 2 premiere date set",
    ]
    for cut in UNREAD:
        assert cut not in items.unseen
    assert b"<channel><title>TV News</title><link>https://tvnews.example/</link><category>TV" in (
        items.unseen
    )


def test_children_that_feedparser_reads_into_entry_fields_are_left() -> None:
    """media:title and media:description are read as the title and summary, and a title
    inside a category is read as the item's title (feedparser's own test corpus has one):
    these items lose nothing, and each still yields its entry."""
    body = body_of("rss", []).replace(
        b"</channel>",
        b"<item><media:title xmlns:media='http://search.yahoo.com/mrss/'>Only a media title"
        b"</media:title><guid>a</guid></item>"
        b"<item><media:description xmlns:media='http://search.yahoo.com/mrss/'>Only a media "
        b"summary</media:description><guid>b</guid></item>"
        b"<item><category>TV<image><title>Title in a category</title></image></category>"
        b"<guid>c</guid></item></channel>",
    )
    items = read_items(body, None)
    assert items is not None and items.unseen == body
    assert [(e.title, e.summary) for e in entries(body)] == [
        ("Only a media title", ""),
        ("Only a media summary", "Only a media summary"),
        ("Title in a category", ""),
    ]


def test_an_empty_item_and_a_feed_without_items() -> None:
    body = b"<rss><channel><title>t</title><item/><item><title>x</title></item></channel></rss>"
    found = spans(body)
    assert found is not None
    assert [body[a:b] for a, b, _ in found] == [b"<item/>", b"<item><title>x</title></item>"]
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
