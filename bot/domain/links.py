"""Story links: the canonical form stored, and the identity by which another site's copy of
the same story is recognised."""

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def canonical_link(link: str) -> str:
    """The link without tracking parameters or fragment, with a lower-case scheme and host;
    as written when it is no URL at all ("http://[broken")."""
    link = _CONTROL.sub("", link).strip()
    try:
        parts = urlsplit(link)
    except ValueError:
        return link
    query = parts.query
    if query:  # most links have none, and splitting an empty one costs more than the rest
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, v) for k, v in pairs if not _TRACKING.match(k)])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, query, ""))


def link_hash(canonical: str | None) -> int | None:
    """What names the story a canonical link points at, whoever links to it: http and https,
    "www." and a trailing slash make no difference. None for a link that names no one story:
    none at all, a relative one (which page it means depends on the site) or a site's home
    page (some feeds link every item there).

    64 bits of its SHA-256, as a signed integer: the story table keeps it indexed, and a
    number's index cost storing 50,000 stories a tenth of what hex text's did. Two links
    colliding would only join two stories' fingerprints."""
    if not canonical:
        return None
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return None
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    if not host or not (path or parts.query):
        return None
    identity = f"{host}{path}?{parts.query}" if parts.query else f"{host}{path}"
    return int.from_bytes(hashlib.sha256(identity.encode()).digest()[:8], "big", signed=True)
