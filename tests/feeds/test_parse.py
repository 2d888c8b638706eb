"""Parsing at the edges: what feedparser cannot take on its own."""

import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from bot.feeds.entry import NotAFeed
from bot.feeds.parse import parse_feed
from tests.feeds.conftest import FIXTURES


def _titled(*titles: str) -> bytes:
    items = "".join(
        f"<item><title>{t}</title><guid>{i}</guid></item>" for i, t in enumerate(titles)
    )
    return f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def test_references_feedparser_cannot_take_are_mended() -> None:
    body = _titled(
        "pair &#55357;&#56832;",  # an emoji as a UTF-16 surrogate pair
        "lone &#xDC00; and beyond &#1114112;",
        "kept &#x2019; &#20013;&#25991;",
    )
    titles = [e.title for e in parse_feed(body, "application/rss+xml", "x").entries]
    assert titles == ["pair \N{GRINNING FACE}", "lone \ufffd and beyond \ufffd", "kept ’ 中文"]


def test_a_parser_crash_costs_the_feed_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*_args: object, **_kwargs: object) -> None:
        raise KeyError("links")  # as feedparser 6 does on some mangled feeds

    monkeypatch.setattr(feedparser, "parse", crash)
    with pytest.raises(NotAFeed, match="unreadable feed: KeyError: 'links'"):
        parse_feed(_titled("x"), None, "x")


# Every kind of content parameter feedparser copies: a base and a language in force, text,
# HTML and XHTML, two contents, and a source element (copied whole into its entry).
_DETAILED_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en" xml:base="https://site.example/">
  <title type="text">Detailed</title>
  <subtitle type="html">Sub &lt;b&gt;title&lt;/b&gt;</subtitle>
  <entry xml:lang="fr" xml:base="news/">
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Saison <b>2</b></div></title>
    <id>tag:site.example,2026:1</id>
    <link href="one"/>
    <summary type="html">&lt;p&gt;R&amp;eacute;sum&amp;eacute;&lt;/p&gt;</summary>
    <content type="text">plain</content>
    <content type="html">&lt;i&gt;rich&lt;/i&gt;</content>
    <rights>CC</rights>
    <source><id>urn:other</id><title>Elsewhere</title><updated>2026-11-01T00:00:00Z</updated></source>
  </entry>
</feed>"""

_READ_ALL = """
import pathlib, sys
import feedparser
if sys.argv[1] == "faster":
    import bot.feeds.parse
    from feedparser.util import FeedParserDict
    assert "__deepcopy__" in vars(FeedParserDict)
for path in sorted(pathlib.Path(sys.argv[2]).iterdir()):
    try:
        parsed = feedparser.parse(
            path.read_bytes(), sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as crash:  # one fixture is there for a crash parse_feed prevents
        print(path.name, repr(crash))
    else:
        print(path.name, repr({key: parsed.get(key) for key in ("feed", "entries", "version")}))
"""


def test_feedparser_reads_feeds_the_same_with_its_dicts_copied_directly(
    tmp_path: Path,
) -> None:
    """bot.feeds.parse gives FeedParserDict a __deepcopy__ of its own, for speed: every
    fixture reads the same with it as in an interpreter that only imported feedparser."""
    for fixture in FIXTURES.iterdir():
        (tmp_path / fixture.name).write_bytes(fixture.read_bytes())
    (tmp_path / "detailed.atom").write_bytes(_DETAILED_ATOM)

    def read_all(how: str) -> str:
        command = [sys.executable, "-c", _READ_ALL, how, str(tmp_path)]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    faster = read_all("faster")
    assert faster == read_all("as shipped")
    assert faster.count("\n") == len(list(tmp_path.iterdir()))
    assert "'source': {" in faster and "'title_detail': {" in faster  # copies were made


def test_relative_links_point_where_the_feed_was_read_without_its_credentials() -> None:
    links = ["/news/1", "news/2.html", "//cdn.example/3?utm_source=x", "https://o.example/4"]
    items = "".join(
        f"<item><title>{i}</title><link>{link}</link></item>" for i, link in enumerate(links)
    )
    body = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()
    read = parse_feed(body, None, "https://user:secret@site.example/feeds/rss.xml").entries
    assert [e.url for e in read] == [
        "https://site.example/news/1",
        "https://site.example/feeds/news/2.html",
        "https://cdn.example/3",
        "https://o.example/4",
    ]
    assert all(e.link_hash is not None for e in read)  # each names one story now
    # Items without guid are known by their link as written: read from elsewhere (the feed
    # moved), they are the same stories.
    moved = parse_feed(body, None, "https://site.example/new/rss.xml").entries
    assert [e.key for e in moved] == [e.key for e in read]
    assert moved[1].url == "https://site.example/new/news/2.html"
