"""Story links: made canonical to store, and reduced to what names the story, so another
site's copy is recognised; feed URLs shown without their passwords (bot/domain/links.py)."""

import pytest

from bot.domain.links import shown_url, story_link


def link_hash(link: str) -> int | None:
    return story_link(link)[1]


@pytest.mark.parametrize(
    ("link", "canonical"),
    [
        (
            "HTTPS://News.Example/Story?utm_source=rss&id=7#comments",
            "https://news.example/Story?id=7",
        ),
        ("HTTP://News.Example/Story#top", "http://news.example/Story"),  # no query
        ("  https://news.example/a\x00b  ", "https://news.example/ab"),
        ("https://news.example/a?fbclid=x&gclid=y", "https://news.example/a"),
        # No URL at all: kept as written rather than costing the feed its other entries.
        ("http://[broken/story", "http://[broken/story"),
    ],
)
def test_canonical_link(link: str, canonical: str) -> None:
    assert story_link(link)[0] == canonical


@pytest.mark.parametrize(
    "other",
    [
        "http://news.example/story/7",  # http and https
        "https://www.news.example/story/7",
        "https://news.example/story/7/",  # a trailing slash
        "https://WWW.News.Example/story/7?utm_source=rss#top",
    ],
)
def test_links_to_one_story_share_a_hash(other: str) -> None:
    assert link_hash(other) == link_hash("https://news.example/story/7")


@pytest.mark.parametrize(
    "link",
    [
        "HTTPS://WWW.News.Example/Story/7/?utm_source=rss&id=7&b=x%20y#top",
        "https://news.example/story/7",
        "http://[broken/story",
    ],
)
def test_a_stored_link_hashes_as_the_link_it_came_from(link: str) -> None:
    """Revision 0007 hashes the canonical links stored before it: they must give the hash
    their feeds' links give now."""
    canonical, same_page = story_link(link)
    assert story_link(canonical) == (canonical, same_page)


@pytest.mark.parametrize(
    "other",
    [
        "https://news.example/story/8",
        "https://news.example/Story/7",  # paths are case-sensitive
        "https://news.example/story/7?page=2",
        "https://elsewhere.example/story/7",
    ],
)
def test_links_to_other_pages_do_not(other: str) -> None:
    assert link_hash(other) != link_hash("https://news.example/story/7")


@pytest.mark.parametrize(
    "link",
    ["", "https://news.example", "https://www.news.example/", "/story/7", "story/7",
     "http://[broken/story"],
)  # fmt: skip
def test_links_that_name_no_one_story_have_no_hash(link: str) -> None:
    assert link_hash(link) is None


def test_a_home_page_with_a_query_names_a_story() -> None:
    """Some sites serve every article from one script: "/?p=123"."""
    assert link_hash("https://blog.example/?p=123") not in (
        None,
        link_hash("https://blog.example/?p=124"),
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://feeds.example/tv.xml", "https://feeds.example/tv.xml"),
        ("https://me:s3cret@feeds.example/tv.xml", "https://me:***@feeds.example/tv.xml"),
        ("https://me:s3:cr@t@feeds.example:8443/a@b", "https://me:***@feeds.example:8443/a@b"),
        ("https://ghp_T0KEN@feeds.example/", "https://***@feeds.example/"),  # a token
        (
            "https://feeds.example/?author=me@example.com",
            "https://feeds.example/?author=me@example.com",
        ),
        ("http://[broken@x", "http://[broken@x"),
    ],
)
def test_a_feed_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert shown_url(url) == shown
