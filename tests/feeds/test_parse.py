"""Links as feeds write them, made canonical so the same story is recognised."""

import pytest

from bot.feeds.parse import canonical_link


@pytest.mark.parametrize(
    ("link", "canonical"),
    [
        (
            "HTTPS://News.Example/Story?utm_source=rss&id=7#comments",
            "https://news.example/Story?id=7",
        ),
        ("  https://news.example/a\x00b  ", "https://news.example/ab"),
        ("https://news.example/a?fbclid=x&gclid=y", "https://news.example/a"),
        # No URL at all: kept as written rather than costing the feed its other entries.
        ("http://[broken/story", "http://[broken/story"),
    ],
)
def test_canonical_link(link: str, canonical: str) -> None:
    assert canonical_link(link) == canonical
