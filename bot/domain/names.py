"""How two ways of writing a show's name are recognised as the same name."""

import re
import unicodedata

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`]")
_NON_WORD = re.compile(r"[\W_]+")
_LEADING_THE = re.compile(r"^the ")
KEY_LIMIT = 200  # the key columns' size, as long as the longest name


def fold(text: str) -> str:
    """Lower-case words separated by single spaces: no accents, punctuation or curly quotes.

    "&" reads as "and" and apostrophes vanish, so "Grey's Anatomy", "GREYS ANATOMY" and
    "Grey’s  Anatomy" fold alike, as do "Law & Order" and "Law and Order".
    """
    if text.isascii():  # nothing to decompose: most headlines, and the cheap case
        plain = text.lower()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = _APOSTROPHES.sub("", plain.replace("&", " and "))
    return _NON_WORD.sub(" ", plain).strip()


def title_key(title: str) -> str:
    """The identity of a show title: folded, without a leading "The". Folding may lengthen
    a name ("&" reads as "and", "ß" as "ss"), so the key is cut to fit its column: names
    that differ only past 200 characters are one name."""
    return _LEADING_THE.sub("", fold(title))[:KEY_LIMIT]
