"""What parsing a feed yields. Kept apart from the parser so the polling process can use
these types without importing feedparser (only the parsing workers need it)."""

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


class Entry(NamedTuple):
    """One feed item, ready to store. `key` is its identity within its source; `fingerprint`
    (its headline's) and `link_hash` (bot/domain/links.py) recognise it on another site.

    A named tuple: a cold cycle sends fifty thousand of these from the parsing workers,
    and the main process unpickles a tuple in two thirds of a frozen dataclass's time."""

    key: str
    fingerprint: str
    url: str | None
    title: str
    summary: str
    published: datetime | None
    link_hash: int | None = None


@dataclass(frozen=True)
class ParsedFeed:
    entries: list[Entry]
    warning: str | None  # feedparser found the feed ill-formed but still read entries
    # The hashes of every item in the body (bot/feeds/items.py); None when it could not be
    # scanned, and the next poll parses it whole.
    item_digests: bytes | None = None


class NotAFeed(Exception):
    pass
