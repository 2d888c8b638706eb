"""A page given for its feed says which feed it names."""

import pytest

from bot.feeds.discovery import feed_named_by
from bot.feeds.entry import NotAFeed
from bot.feeds.parse import parse_feed

PAGE = "https://reader:s3cret@site.example/news/"


def _page(head: str, body: str = "<p>Latest news</p>") -> bytes:
    page = f"<!DOCTYPE html><html><head><title>TV</title>{head}</head><body>{body}</body></html>"
    return page.encode()


@pytest.mark.parametrize(
    ("head", "named"),
    [
        # the first feed named, relative to the page, without the page's credentials
        (
            '<link rel="alternate" type="application/rss+xml" href="/feed/">'
            '<link rel="alternate" type="application/rss+xml" href="/comments/feed/">',
            "https://site.example/feed/",
        ),
        # attributes in any case and order, several rel values, a type with parameters
        (
            "<LINK HREF='atom.xml' REL='Alternate Home' TYPE='Application/Atom+XML; q=1'>",
            "https://site.example/news/atom.xml",
        ),
        (
            '<link rel="alternate" type="application/rdf+xml" href="//cdn.example/rss.rdf">',
            "https://cdn.example/rss.rdf",
        ),
        (
            '<link rel="alternate" href="https://site.example/feed/?a=1&amp;b=2" '
            'type="application/rss+xml">',
            "https://site.example/feed/?a=1&b=2",
        ),
    ],
    ids=["relative", "case-and-order", "scheme-relative", "entity"],
)
def test_the_first_feed_a_page_names(head: str, named: str) -> None:
    assert feed_named_by(_page(head), PAGE) == named


@pytest.mark.parametrize(
    "head",
    [
        "",
        '<link rel="stylesheet" type="text/css" href="/style.css">',
        '<link rel="alternate" hreflang="fr" href="/fr/">',  # a translation, no feed
        '<link rel="alternate" type="application/json" href="/feed.json">',  # not read
        '<link rel="alternate" type="application/rss+xml" href="">',
        '<link rel="alternate" type="application/rss+xml" href="javascript:void(0)">',
        '<link rel="alternate" type="application/rss+xml" href="http://[broken/feed">',
        '<link rel="alternate" type="application/rss+xml" href="https://site.example/news/">',
    ],
    ids=["none", "stylesheet", "translation", "json", "empty", "javascript", "broken", "itself"],
)
def test_a_page_that_names_no_feed_we_read(head: str) -> None:
    assert feed_named_by(_page(head), PAGE) is None


def test_a_link_in_the_body_is_not_the_page_s_feed() -> None:
    link = '<link rel="alternate" type="application/rss+xml" href="/other/feed/">'
    assert feed_named_by(_page("", body=link), PAGE) is None


def test_a_page_for_a_feed_is_an_error_that_names_the_feed() -> None:
    page = _page('<link rel="alternate" type="application/rss+xml" href="/feed/">')
    with pytest.raises(NotAFeed) as caught:
        parse_feed(page, "text/html; charset=utf-8", PAGE)
    assert str(caught.value) == (
        "not an RSS or Atom feed but a page that names its feed: https://site.example/feed/"
    )
