"""Parsing at the edges: what feedparser cannot take on its own."""

import feedparser
import pytest

from bot.feeds.entry import NotAFeed
from bot.feeds.parse import parse_feed


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
