"""Mangled feeds: whatever the bytes, parsing gives entries or NotAFeed, never a crash that
would turn one bad feed into an internal error."""

import random

import pytest

from bot.feeds.entry import NotAFeed
from bot.feeds.parse import parse_feed
from tests.feeds.conftest import FIXTURES

# Pieces that broke feedparser or our reading of it, spliced in at random places.
_PIECES = [
    b"&#", b"&#x", b"&#0;", b"&#55357;", b"&#56832;", b"&#1114112;", b"&#x110000;",
    b"&#99999999999;", b"]]>", b"<![CDATA[", b"<", b">", b"&", b"&nbsp;", b"\x00", b"\xff\xfe",
    b"<entry>", b"</item>", b"<link href='", b"<pubDate>", b"<guid>", b"<updated>",
    b"9999-99-99T99:99", b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;", b"encoding='bogus'",
    b"xmlns:dc='http://purl.org/dc/elements/1.1/'", b"<dc:date>",
]  # fmt: skip
_TYPES = [None, "application/rss+xml", "text/html; charset=bogus", "text/xml; charset=utf-16"]


def _mangled(rng: random.Random, seed: bytes) -> bytes:
    body = bytearray(seed)
    for _ in range(rng.randint(1, 8)):
        at, roll = rng.randrange(len(body) + 1), rng.random()
        if roll < 0.4:
            body[at:at] = rng.choice(_PIECES)
        elif roll < 0.6:
            del body[at : at + rng.randint(1, 40)]
        elif roll < 0.8 and body:
            body[min(at, len(body) - 1)] = rng.randrange(256)
        else:
            del body[at:]
    return bytes(body)


@pytest.mark.parametrize("seed", range(4))
def test_mangled_feeds_parse_or_are_no_feed(seed: int) -> None:
    rng = random.Random(seed)
    fixtures = [path.read_bytes() for path in sorted(FIXTURES.glob("*.xml"))]
    for _ in range(150):
        body = _mangled(rng, rng.choice(fixtures))
        try:
            parsed = parse_feed(body, rng.choice(_TYPES), "http://fuzz.example/")
        except NotAFeed:
            continue
        assert all(entry.key and entry.title for entry in parsed.entries)
