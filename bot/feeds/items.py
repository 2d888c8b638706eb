"""A feed body's items as raw bytes, so a poll parses only the items it has not seen.

A feed that changed usually changed by a few items: the bench's changed feeds have 5 new
items of 50, and many sites rewrite a timestamp on every request. feedparser costs about
0.2 ms an item, a scan of the bytes about a fortieth of that. So a poll hashes each item's
bytes (its outermost `<item>` or `<entry>` element) and keeps the hashes with the source;
next time, the items whose bytes it has seen are cut out before feedparser runs. What is
left is the same document with fewer items, so feedparser reads the rest as before. The
same scan also cuts, from the items it leaves, the children no entry field comes from
(categories, authors and the like: `_UNREAD`), which cost feedparser as much as the rest.

Every item whose bytes were kept was stored (insert-if-new stores every entry it is given,
and the hashes are written in the same transaction as the stories), so cutting it loses
nothing. An edited item has new bytes and is read again: its guid still makes it the same
story.

The scan only trusts what it can be sure of: a body that is not UTF-8 (or ASCII) XML that
expat reads without an error gets no hashes, and is parsed whole, as before.
"""

import hashlib
import re
from typing import NamedTuple
from xml.parsers import expat

DIGEST_SIZE = 8  # bytes a hash; 50 items cost 400 bytes a source
_ITEMS = frozenset({"item", "entry"})  # the elements feedparser makes entries of
_TAG_NAME = re.compile(rb"<([^\s/>]+)")

# Item children that no Entry field comes from (bot/feeds/parse.py reads the title, link,
# summary or content, id and dates). feedparser spends 30-40 µs on every element whatever
# it holds, and news sites give each item several of these (a WordPress item: categories,
# dc:creator, comments, wfw:commentRss, slash:comments, media:thumbnail), so they are cut
# out before it runs. Each handler here files what it reads under its own key and touches
# no other: media:title and media:description are left in, as feedparser reads them as the
# title and summary, and so are media:content and media:group, which may hold them, and
# any of these that has elements inside (a title in it would become the item's title).
_FEED_NAMESPACES = (
    "",  # RSS 0.9x and 2.0
    "http://www.w3.org/2005/Atom ",
    "http://purl.org/atom/ns# ",  # Atom 0.3
    "http://purl.org/rss/1.0/ ",
    "http://my.netscape.com/rdf/simple/0.9/ ",
    "http://backend.userland.com/rss ",
    "http://blogs.law.harvard.edu/tech/rss ",
)
_UNREAD = frozenset(
    [
        namespace + name
        for namespace in _FEED_NAMESPACES
        for name in ("category", "comments", "enclosure", "author", "contributor", "rights")
    ]
    + [
        f"http://purl.org/dc/elements/1.1/ {name}"
        for name in ("creator", "subject", "contributor", "rights", "publisher")
    ]
    + [
        "http://wellformedweb.org/CommentAPI/ commentRss",
        "http://purl.org/rss/1.0/modules/slash/ comments",
    ]
    + [
        f"http://search.yahoo.com/mrss/ {name}"
        for name in ("thumbnail", "keywords", "credit", "category")
    ]
)


class Span(NamedTuple):
    """Where an item element starts and ends in the body, and where each of its children
    that no entry field comes from does."""

    began: int
    ended: int
    unread: list[tuple[int, int]]


class Items(NamedTuple):
    """A body's items: `digests` of every item in order, `unseen` the body for feedparser,
    without the known items or the unread children of the others (None when every item
    is known)."""

    digests: bytes
    unseen: bytes | None


def spans(body: bytes) -> list[Span] | None:
    """Where each outermost item/entry element starts and ends; None when the body is not
    well-formed XML in UTF-8, so its items cannot be told apart with certainty."""
    start = body.lstrip()[:4]
    if not (start.startswith(b"<") or start.startswith(b"\xef\xbb\xbf<")):
        return None  # UTF-16 or -32, or no XML: the byte offsets below assume ASCII tags
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    parser = expat.ParserCreate(namespace_separator=" ")
    found: list[Span] = []
    depth, opened = 0, -1  # the depth of the item being read, -1 outside items
    open_at, end_tags = [0, 0], [b"", b""]  # the item's and an unread child's start, end tag
    child = False  # an unread child of the item is being read
    unread: list[tuple[int, int]] = []  # the item's unread children so far

    def start_element(name: str, _: object) -> None:
        nonlocal depth, opened, child, unread
        depth += 1
        if opened < 0 and name.rpartition(" ")[2] in _ITEMS:
            opened, unread = depth, []
            _opening(0)
        elif depth == opened + 1 and name in _UNREAD:
            child = True
            _opening(1)
        elif child:  # it has elements inside: left in, as a title in it reads as the item's
            child = False

    def _opening(level: int) -> None:
        began = open_at[level] = parser.CurrentByteIndex
        found_name = _TAG_NAME.match(body, began)
        end_tags[level] = b"</" + (found_name[1] if found_name else b"")

    def end_element(_: str) -> None:
        nonlocal depth, opened, child
        if depth == opened:
            found.append(Span(open_at[0], _closed(0), unread))
            opened = -1
        elif child and depth == opened + 1:
            unread.append((open_at[1], _closed(1)))
            child = False
        depth -= 1

    def _closed(level: int) -> int:
        """Just past the element being closed. expat stands at its end tag's "<", or just
        past it when it was an empty element ("<item/>")."""
        at, end_tag = parser.CurrentByteIndex, end_tags[level]
        closing = body.startswith(end_tag, at) and body[at + len(end_tag)] in b" \t\r\n>"
        return body.index(b">", at) + 1 if closing else at

    parser.StartElementHandler = start_element
    parser.EndElementHandler = end_element
    try:
        parser.Parse(body, True)
    except (expat.ExpatError, ValueError, LookupError):  # ValueError: a declared Shift_JIS
        return None
    return found


def read_items(body: bytes, known: bytes | None) -> Items | None:
    """The body's item digests, and the body for feedparser: without the items whose digest
    is in `known` (the digests kept from the last poll), nor the unread children of the
    others. None when the body cannot be scanned."""
    found = spans(body)
    if found is None:
        return None
    digests = [_digest(body[span.began : span.ended]) for span in found]
    known = known or b""
    seen = {known[i : i + DIGEST_SIZE] for i in range(0, len(known), DIGEST_SIZE)}
    if known and all(digest in seen for digest in digests):
        return Items(b"".join(digests), None)
    parts, kept_from = [], 0
    for span, digest in zip(found, digests, strict=True):
        for began, ended in [(span.began, span.ended)] if digest in seen else span.unread:
            parts.append(body[kept_from:began])
            kept_from = ended
    parts.append(body[kept_from:])
    return Items(b"".join(digests), b"".join(parts) if kept_from else body)


def _digest(item: bytes) -> bytes:
    return hashlib.blake2b(item, digest_size=DIGEST_SIZE).digest()
