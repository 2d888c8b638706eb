"""Shorter paths through the feedparser helpers a first poll spends most on outside the
parsing proper, each installed only over the code it was written for.

- FeedParserDict.__getitem__, .get and __setitem__: feedparser calls them some 45 times
  an item, and each call first runs the checks for the few keys that are more than a
  lookup ("category", "updated", the old names of `keymap`). The short paths store and
  look up every other key directly, and hand those few to feedparser's own code.
- mixin._urljoin: on every start tag feedparser joins the element's xml:base to the one in
  force, and each link to the feed's base, through a regular expression (which drops extra
  slashes after a scheme's "://") and urllib's urljoin. With no base, as in nearly every
  feed, urljoin("", uri) is uri, and the short path gives it back at once when it has no
  slashes for the expression to drop.
- FeedParserDict.__deepcopy__: see _deep_copy.

Together they take about a fifth off parsing a bench feed (100 feeds of 50 items, process
CPU, alternating runs). What the library reads is unchanged: tests/feeds/test_parse.py reads
every fixture with and without them and compares the whole result.

A later feedparser may change what these functions do. So a short path is installed only
while the function it stands in front of has the source it was written for (a digest of
its lines): a changed feedparser is read as it ships, only more slowly. `ACTIVE` names the
short paths installed (bench/ingest.py prints it).
"""

import copy
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from feedparser import mixin
from feedparser.util import FeedParserDict

# feedparser's own, which the short paths hand the other cases to.
_get = FeedParserDict.get
_getitem = FeedParserDict.__getitem__
_setitem = FeedParserDict.__setitem__
_urljoin = mixin._urljoin

# The keys FeedParserDict.__getitem__ does more for than look up.
_SPECIAL = frozenset(
    {"category", "enclosures", "license", "updated", "updated_parsed", *FeedParserDict.keymap}
)

_IMMUTABLE = frozenset({str, type(None), int, bool})  # what deepcopy gives back as it is

ACTIVE: tuple[str, ...] = ()


def _fast_getitem(self: FeedParserDict, key: Any) -> Any:
    if key in _SPECIAL:
        return _getitem(self, key)
    return dict.__getitem__(self, key)


def _fast_get(self: FeedParserDict, key: Any, default: Any = None) -> Any:
    if key in _SPECIAL:
        return _get(self, key, default)
    return dict.get(self, key, default)


def _fast_setitem(self: FeedParserDict, key: Any, value: Any) -> None:
    if key in FeedParserDict.keymap:
        _setitem(self, key, value)
    else:
        dict.__setitem__(self, key, value)


def _fast_urljoin(base: Any, uri: Any) -> Any:
    if base == "" and type(uri) is str and "///" not in uri:
        return uri
    return _urljoin(base, uri)


def _deep_copy(self: FeedParserDict, memo: dict[int, Any]) -> FeedParserDict:
    """What copy.deepcopy makes of a FeedParserDict, made directly. feedparser deep-copies
    its content parameters (a FeedParserDict) for every title and summary it reads, and
    without this method copy.deepcopy looks for it through FeedParserDict.__getattr__ (a
    KeyError turned AttributeError) and then rebuilds the dict through __reduce_ex__: a
    tenth of a first poll's CPU. Its values are mostly strings or None, which deepcopy
    gives back as they are, so they are not passed through it."""
    copied = memo[id(self)] = type(self)()
    if self.__dict__:
        copied.__dict__.update(copy.deepcopy(self.__dict__, memo))
    for key, value in self.items():
        copied[key] = value if type(value) in _IMMUTABLE else copy.deepcopy(value, memo)
    return copied


def source_digest(function: Callable[..., Any]) -> str | None:
    """A digest of a function's lines in its source file; None when the file cannot be read
    (an installation of compiled files only)."""
    code = function.__code__
    last = max(line for _, _, line in code.co_lines() if line is not None)
    try:
        lines = Path(code.co_filename).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    text = "\n".join(lines[code.co_firstlineno - 1 : last])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# Each short path: where it goes, and the sources of feedparser's functions it was written
# for (the first 16 hex digits of SHA-256, the same in feedparser 6.0.11 and 6.0.14). The
# lookups' short paths rely on the special keys that __getitem__ has.
_GETITEM_SOURCE = (_getitem, "627c9efb00cba7db")
_SHORT_PATHS = (
    (FeedParserDict, "__getitem__", _fast_getitem, [_GETITEM_SOURCE]),
    (FeedParserDict, "get", _fast_get, [_GETITEM_SOURCE, (_get, "36bfd88cc3834086")]),
    (FeedParserDict, "__setitem__", _fast_setitem, [(_setitem, "83244ede96a18a8e")]),
    (mixin, "_urljoin", _fast_urljoin, [(_urljoin, "236510c719107cee")]),
)


def install() -> None:
    global ACTIVE
    active = []
    for owner, name, short_path, written_for in _SHORT_PATHS:
        if all(source_digest(function) == digest for function, digest in written_for):
            setattr(owner, name, short_path)
            active.append(f"{owner.__name__}.{name}")
    if not hasattr(FeedParserDict, "__deepcopy__"):  # a later feedparser's own comes first
        FeedParserDict.__deepcopy__ = _deep_copy
    if FeedParserDict.__deepcopy__ is _deep_copy:
        active.append("FeedParserDict.__deepcopy__")
    ACTIVE = tuple(active)
