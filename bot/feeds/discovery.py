"""Where a web page says its feed is. A source given a site's page rather than its feed (the
likeliest mistake in feeds.yaml) fails as "not an RSS or Atom feed"; the page's own
`<link rel="alternate" type="application/rss+xml" href="...">` says which URL to give it."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from bot.domain.links import without_credentials
from bot.domain.markup import CONTROL_CHARACTERS

# What a page's alternate links are typed when they lead to a feed premiere-bot reads.
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
# A page names its feeds in its head: this much of it is read, at most.
_HEAD_BYTES = 256 * 1024


class _AlternateLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {name: value or "" for name, value in attrs}
        rels = values.get("rel", "").lower().split()
        media_type = values.get("type", "").partition(";")[0].strip().lower()
        href = values.get("href", "").strip()
        if "alternate" in rels and media_type in FEED_TYPES and href:
            self.hrefs.append(href)


def feed_named_by(page: bytes, url: str) -> str | None:
    """The absolute http(s) URL of the first feed `page` (fetched from `url`) names, without
    the credentials `url` may hold; None if it names none (or only itself)."""
    head = page[:_HEAD_BYTES]
    end = head.lower().find(b"</head>")
    links = _AlternateLinks()
    # URLs are ASCII in practice; a page in another encoding loses nothing of them.
    links.feed(head[: end if end >= 0 else None].decode("utf-8", errors="replace"))
    links.close()
    base = without_credentials(url)
    for href in links.hrefs:
        try:
            found = urljoin(base, href)
            parts = urlsplit(found)
        except ValueError:  # "http://[broken": not a URL to suggest
            continue
        if (
            parts.scheme in ("http", "https")
            and parts.hostname
            and found != base
            and not CONTROL_CHARACTERS.search(found)
        ):
            return without_credentials(found)
    return None
