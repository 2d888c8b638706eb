"""Story links: the canonical form stored, and the identity by which another site's copy of
the same story is recognised. Feed URLs as the bot shows them."""

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bot.domain.markup import CONTROL_CHARACTERS

_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_)", re.IGNORECASE)


def story_link(link: str) -> tuple[str, int | None]:
    """The link made canonical (without tracking parameters or fragment, with a lower-case
    scheme and host; as written when it is no URL at all, "http://[broken"), and its hash:
    what names the story it points at, whoever links to it.

    Both come from one parse: a first poll of 1,000 feeds reads 50,000 links, and parsing
    each again for its hash cost 4-5 us of the 6 us the hash took."""
    link = CONTROL_CHARACTERS.sub("", link).strip()
    try:
        parts = urlsplit(link)
    except ValueError:
        return link, None
    query = parts.query
    if query:  # most links have none, and splitting an empty one costs more than the rest
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, v) for k, v in pairs if not _TRACKING.match(k)])
    host = parts.netloc.lower()
    canonical = urlunsplit((parts.scheme.lower(), host, parts.path, query, ""))
    return canonical, _link_hash(host, parts.path, query)


def _link_hash(host: str, path: str, query: str) -> int | None:
    """http and https, "www." and a trailing slash make no difference. None for a link that
    names no one story: a relative one (which page it means depends on the site) or a site's
    home page (some feeds link every item there).

    64 bits of its SHA-256, as a signed integer: the story table keeps it indexed, and a
    number's index cost storing 50,000 stories a tenth of what hex text's did. Two links
    colliding would only join two stories' fingerprints."""
    host, path = host.removeprefix("www."), path.rstrip("/")
    if not host or not (path or query):
        return None
    identity = f"{host}{path}?{query}" if query else f"{host}{path}"
    return int.from_bytes(hashlib.sha256(identity.encode()).digest()[:8], "big", signed=True)


def is_relative(link: str) -> bool:
    """Whether a link names no scheme ("/news/1", "news/1.html", "//cdn.example/1"), so
    that what it points at depends on the page it is on."""
    if link.startswith(("https://", "http://")):  # the everyday case, without parsing
        return False
    try:
        return not urlsplit(link).scheme
    except ValueError:
        return False


def without_credentials(url: str) -> str:
    """The URL without a private feed's user name and password: what its stories' relative
    links are resolved against, so that they never carry them into a post."""
    found = _credentials(url)
    return url if found is None else url.replace(found[0], found[2], 1)


def shown_url(url: str) -> str:
    """A feed's URL as the bot prints, logs and posts it: the password of a private feed's
    `https://user:password@host/feed` reads `***`, and so does a user name alone, which is
    often a token (`https://TOKEN@host/feed`); a DATABASE_URL is never repeated at all. The
    URL fetched keeps them."""
    found = _credentials(url)
    if found is None:
        return url
    netloc, userinfo, host = found
    user, colon, _ = userinfo.partition(":")
    hidden = f"{user}:***" if colon else "***"
    return url.replace(netloc, f"{hidden}@{host}", 1)  # the netloc comes first


def _credentials(url: str) -> tuple[str, str, str] | None:
    """(netloc, user info, host) of a URL that names a user; None for any other."""
    if "@" not in url:  # the everyday case, without parsing
        return None
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return None
    userinfo, at, host = netloc.rpartition("@")
    return (netloc, userinfo, host) if at else None
