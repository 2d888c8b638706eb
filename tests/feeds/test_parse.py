"""Parsing at the edges: what feedparser cannot take on its own."""

import copy
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest
from feedparser import mixin
from feedparser.util import FeedParserDict

from bot.feeds import feedparser_speedups
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
# HTML and XHTML, two contents, and a source element (copied whole into its entry); an empty
# link, which is the base in force.
_DETAILED_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en" xml:base="https://site.example/">
  <title type="text">Detailed</title>
  <subtitle type="html">Sub &lt;b&gt;title&lt;/b&gt;</subtitle>
  <entry xml:lang="fr" xml:base="news/">
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Saison <b>2</b></div></title>
    <id>tag:site.example,2026:1</id>
    <link href="one"/>
    <link rel="related" href=""/>
    <link rel="license" href="https://creativecommons.org/licenses/by/4.0/"/>
    <summary type="html">&lt;p&gt;R&amp;eacute;sum&amp;eacute;&lt;/p&gt;</summary>
    <content type="text">plain</content>
    <content type="html">&lt;i&gt;rich&lt;/i&gt;</content>
    <rights>CC</rights>
    <source><id>urn:other</id><title>Elsewhere</title><updated>2026-11-01T00:00:00Z</updated></source>
  </entry>
</feed>"""

# The keys FeedParserDict does more for than look up (bot/feeds/feedparser_speedups.py):
# a category, an enclosure, a published date without an updated one, the old names; and a
# link with slashes too many, which feedparser drops.
_SPECIAL_RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>Special</title><description>old name</description>
  <item><title>One</title><guid>g1</guid><category>TV</category><description>d</description>
    <link>https:////site.example/1</link>
    <enclosure url="https://site.example/1.mp3" length="10" type="audio/mpeg"/>
    <pubDate>Tue, 24 Nov 2026 12:00:00 +0000</pubDate></item>
</channel></rss>"""

_READ_ALL = """
import pathlib, sys, warnings
import feedparser
if sys.argv[1] == "faster":
    import bot.feeds.parse
    from bot.feeds import feedparser_speedups
    assert len(feedparser_speedups.ACTIVE) == 5, feedparser_speedups.ACTIVE
asked = ["category", "enclosures", "license", "updated", "updated_parsed", "description",
         "guid", "date", "id", "title", "nothing"]
for path in sorted(pathlib.Path(sys.argv[2]).iterdir()):
    for options in ({"sanitize_html": False, "resolve_relative_uris": False}, {}):
        try:
            parsed = feedparser.parse(path.read_bytes(), **options)
        except Exception as crash:  # one fixture is there for a crash parse_feed prevents
            print(path.name, repr(crash))
            continue
        print(path.name, repr({key: parsed.get(key) for key in ("feed", "entries", "version")}))
        for entry in [parsed.feed, *parsed.entries]:
            with warnings.catch_warnings(record=True) as warned:
                warnings.simplefilter("always")
                got = [(key, entry.get(key), key in entry) for key in asked]
            print(" ", got, [str(warning.message)[:30] for warning in warned])
"""


def test_feedparser_reads_feeds_the_same_with_its_short_paths(tmp_path: Path) -> None:
    """bot.feeds.parse installs short paths through feedparser's helpers, for speed: every
    fixture reads the same with them as in an interpreter that only imported feedparser,
    the keys FeedParserDict maps or computes included (with their warnings)."""
    for fixture in FIXTURES.iterdir():
        (tmp_path / fixture.name).write_bytes(fixture.read_bytes())
    (tmp_path / "detailed.atom").write_bytes(_DETAILED_ATOM)
    (tmp_path / "special.rss").write_bytes(_SPECIAL_RSS)

    def read_all(how: str) -> str:
        command = [sys.executable, "-c", _READ_ALL, how, str(tmp_path)]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    faster = read_all("faster")
    assert faster == read_all("as shipped")
    assert faster.count(".rss {") == 2  # both readings of the special keys' fixture
    assert "'source': {" in faster and "'title_detail': {" in faster  # copies were made
    for found in [
        "('category', 'TV', True)",
        "('enclosures', [{'length': '10', 'type': 'audio/mpeg', 'href': 'https://site.example/1.mp3'}"
        "], True)",
        "('license', 'https://creativecommons.org/licenses/by/4.0/', True)",
        "('updated', 'Tue, 24 Nov 2026 12:00:00 +0000', False)",  # published stands in
        "('description', 'old name', True)",  # the feed's subtitle
        "('guid', 'g1', True)",
        "'link': 'https://site.example/1'",
        "('nothing', None, False)",
    ]:
        assert found in faster
    assert "'rel': 'related', 'href': 'https://site.example/news/'" in faster
    assert "['To avoid breaking existing so" in faster  # the warning for "updated"


def test_feedparser_s_old_names_are_kept_with_the_short_paths() -> None:
    """In this process bot.feeds.parse has installed them."""
    assert "FeedParserDict.__setitem__" in feedparser_speedups.ACTIVE
    parsed = FeedParserDict()
    parsed["description"] = "summary"
    parsed["channel"] = "feed"
    parsed["title"] = "title"
    assert dict(parsed) == {"summary": "summary", "feed": "feed", "title": "title"}
    assert parsed["description"] == "summary" and parsed.get("items", "none") == "none"
    assert parsed.get("title") == "title" and parsed.get("guid") is None


def test_a_deep_copy_shares_nothing_that_can_change() -> None:
    original = FeedParserDict(title="t", language=None)
    original["links"] = [FeedParserDict(href="https://site.example/1")]
    copied = copy.deepcopy(original)
    copied["links"][0]["href"] = "changed"
    assert original["links"][0]["href"] == "https://site.example/1"
    assert copied == {"title": "t", "language": None, "links": [{"href": "changed"}]}
    assert type(copied) is type(copied["links"][0]) is FeedParserDict


def test_a_short_path_is_left_out_where_feedparser_s_code_changed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A feedparser whose FeedParserDict.get is not the one the short path was written for
    keeps its own; the others are installed."""
    for name in ("get", "__getitem__", "__setitem__", "__deepcopy__"):
        monkeypatch.setattr(FeedParserDict, name, getattr(FeedParserDict, name))
    monkeypatch.setattr(mixin, "_urljoin", mixin._urljoin)
    monkeypatch.setattr(feedparser_speedups, "ACTIVE", feedparser_speedups.ACTIVE)
    monkeypatch.setattr(FeedParserDict, "get", feedparser_speedups._get)
    digest = feedparser_speedups.source_digest
    monkeypatch.setattr(
        feedparser_speedups,
        "source_digest",
        lambda function: "changed" if function is feedparser_speedups._get else digest(function),
    )

    feedparser_speedups.install()

    assert FeedParserDict.get is feedparser_speedups._get
    assert "FeedParserDict.get" not in feedparser_speedups.ACTIVE
    assert "FeedParserDict.__getitem__" in feedparser_speedups.ACTIVE
    assert "feedparser.mixin._urljoin" in feedparser_speedups.ACTIVE


def test_a_function_without_a_readable_source_has_no_digest() -> None:
    made_here = eval("lambda: 1")  # its file is "<string>"
    assert feedparser_speedups.source_digest(made_here) is None


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
