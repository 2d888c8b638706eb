"""Feed bytes to entries. CPU-bound (feedparser), so it runs in worker processes."""

import calendar
import hashlib
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from bot.domain.links import is_relative, story_link, without_credentials
from bot.domain.markup import plain_text
from bot.domain.names import fold
from bot.feeds import feedparser_speedups
from bot.feeds.entry import Entry, NotAFeed, ParsedFeed

TITLE_LIMIT, SUMMARY_LIMIT = 500, 2000
# Numeric references feedparser crashes on: UTF-16 surrogates (some generators write emoji
# as "&#55357;&#56832;") and code points past U+10FFFF. The pattern takes every reference
# that may be one (55000-57999, six digits or more, hex D800-DFFF or five digits or more) and
# leaves the everyday ones ("&#8217;", "&#x2019;") alone; a pair is matched together so it
# can become one character.
_REF = rb"&#(5[5-7]\d{3}|\d{6,}|[xX]0*(?:[dD][89a-fA-F][0-9a-fA-F]{2}|[0-9a-fA-F]{5,}));"
_WIDE_REFS = re.compile(_REF + rb"(?:" + _REF + rb")?")

feedparser_speedups.install()  # here, as every process that parses imports this module


def parse_feed(body: bytes, content_type: str | None, url: str) -> ParsedFeed:
    """Reads RSS 0.9x/1.0/2.0 or Atom. Raises NotAFeed when the body is no feed at all."""
    if b"&#" in body:
        body = _WIDE_REFS.sub(_mend_references, body)
    headers = {"content-type": _xml_charset_rule(content_type)} if content_type else {}
    try:
        # The HTML sanitiser and URI resolver are not needed for plain-text summaries and
        # cost about half of feedparser's time.
        parsed = feedparser.parse(
            body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as crash:  # feedparser has bugs on broken input; one costs one feed
        raise NotAFeed(f"unreadable feed: {type(crash).__name__}: {crash}") from None
    problem = parsed.get("bozo_exception")
    if not parsed.get("version") and not parsed.entries:
        if body.lstrip()[:1] in (b"{", b"["):  # expat's "not well-formed" would say little
            raise NotAFeed("not an RSS or Atom feed: the answer is JSON (a JSON Feed is not read)")
        from bot.feeds.discovery import feed_named_by  # html.parser: for failures only

        if named := feed_named_by(body, url):  # a site's page given for its feed
            raise NotAFeed(f"not an RSS or Atom feed but a page that names its feed: {named}")
        reason = f": {problem}" if problem else ""
        raise NotAFeed(f"not an RSS or Atom feed{reason}")
    entries, seen, base = [], set(), without_credentials(url)
    for item in parsed.entries:
        entry = _entry(item, base)
        if entry is not None and entry.key not in seen:
            seen.add(entry.key)
            entries.append(entry)
    warning = f"ill-formed feed read anyway: {problem}" if parsed.get("bozo") and problem else None
    return ParsedFeed(entries, warning)


def _xml_charset_rule(content_type: str) -> str:
    """text/xml without a charset as RFC 7303 reads it: the byte-order mark or the XML
    declaration decides. feedparser follows the older RFC 3023 and decodes it as US-ASCII,
    which turns a UTF-16 feed of plain English into NULs and then "not well-formed"."""
    media_type, _, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    xml = media_type == "text/xml" or (
        media_type.startswith("text/") and media_type.endswith("+xml")
    )
    if xml and "charset" not in parameters.lower():
        return "application/xml"
    return content_type


def _mend_references(match: re.Match[bytes]) -> bytes:
    """A high and low surrogate pair becomes the one character they encode; a surrogate
    alone or a number past U+10FFFF becomes U+FFFD; other references mean what they meant."""
    codes = [_code(digits) for digits in (match[1], match[2]) if digits]
    if len(codes) == 2 and 0xD800 <= codes[0] < 0xDC00 and 0xDC00 <= codes[1] < 0xE000:
        return b"&#%d;" % (0x10000 + ((codes[0] - 0xD800) << 10) + (codes[1] - 0xDC00))
    return b"".join(b"&#%d;" % c if _character(c) else b"&#xFFFD;" for c in codes)


def _character(code: int) -> bool:
    return code <= 0x10FFFF and not 0xD800 <= code < 0xE000


def _code(digits: bytes) -> int:
    return int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)


def fingerprint(title: str) -> str:
    """The same headline on another site: case, punctuation and spacing do not matter. (A
    story that links where another source's earlier one did takes that one's when stored.)"""
    return hashlib.sha256(fold(title).encode()).hexdigest()


def _entry(item: Any, base: str) -> Entry | None:
    """`base`: the URL the feed was read from, which its relative links are relative to."""
    # dict.get: these are the keys feedparser files entries under, and its own get (which
    # also maps aliases such as "description") cost a tenth of this function.
    get = dict.get
    title = plain_text(get(item, "title") or "")[:TITLE_LIMIT]
    link, link_hash = story_link(raw_link) if (raw_link := get(item, "link")) else (None, None)
    shown_link = link
    if link and is_relative(link):
        # A post links to "/news/1" when feedparser had no base for it (no xml:base).
        shown_link, link_hash = story_link(urljoin(base, link))
    summary_html = get(item, "summary") or ""
    content = get(item, "content")
    if not summary_html and content:
        summary_html = content[0].get("value") or ""
    summary = plain_text(summary_html)[:SUMMARY_LIMIT]
    if not (title or summary or link):
        return None
    title = title or summary[:120] or shown_link or ""
    published = _published(item)
    guid = (get(item, "id") or "").strip()
    # guid, else link, else title+date: an edited headline keeps its guid and stays one story.
    # The link as written: where the feed is read from (a redirect) changes no identity.
    identity = f"guid:{guid}" if guid else f"link:{link}" if link else f"text:{title}|{published}"
    key = hashlib.sha256(identity.encode()).hexdigest()
    return Entry(key, fingerprint(title), shown_link, title, summary, published, link_hash)


def _published(item: Any) -> datetime | None:
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: feedparser's own get maps a missing published to updated with a warning.
        value = dict.get(item, field)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None
