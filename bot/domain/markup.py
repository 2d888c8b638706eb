"""Markup from feeds and input files, turned into the plain text the bot works with."""

import html
import re

_INVISIBLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>")
# Every ASCII control character: none belongs in a link or a name, line breaks and tabs
# included (links.py strips them from links, the feeds.yaml schema refuses them in names).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
# Those of them that are no whitespace (NUL above all, which PostgreSQL refuses in text):
# they carry no meaning in a summary, whose whitespace is collapsed instead.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(markup: str) -> str:
    """Markup to one line of text: tags dropped, entities decoded, whitespace collapsed."""
    if "<" in markup:  # most titles have no tags: both expressions would look for nothing
        markup = _TAG.sub(" ", _INVISIBLE.sub(" ", markup))
    text = html.unescape(markup)
    # str.split() breaks on what the regex \s matches, at a quarter of re.sub's cost.
    return " ".join(_CONTROL.sub("", text).split())
