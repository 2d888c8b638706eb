"""Words with their place in the original text, folded the same way for stories and names."""

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

# A word, or one of the two symbols that stand for words in titles and platform names.
_TOKEN = re.compile(r"[^\W_]+|[&+]")
# A sentence ends at . ! ? ; before a capital or digit, at a line break, or at a | or • list
# separator; a full stop after an abbreviation ("Jan.", "p.m.", "Dr.") ends nothing.
_SENTENCE_END = re.compile(r"([.!?;])\s+(?=[\"'“‘(]?[A-Z0-9])|\n+|\s[|•]\s")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.?$")
_ABBREVIATIONS = frozenset(
    [
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "tues",
        "wed",
        "thu",
        "thur",
        "thurs",
        "fri",
        "sat",
        "sun",
        "mr",
        "mrs",
        "ms",
        "dr",
        "st",
        "jr",
        "sr",
        "vs",
        "vol",
        "no",
        "ft",
    ]
)
_SYMBOLS = {"&": "and", "+": "plus"}


class Token(NamedTuple):  # a tuple: stories have hundreds of tokens, built in a hot loop
    word: str  # folded: lower case, no accents
    start: int  # span in the original text
    end: int
    sentence: int

    def capitalised(self, text: str) -> bool:
        return text[self.start].isupper()


def _abbreviation(raw: str, end: re.Match[str]) -> bool:
    if end.group(1) != ".":
        return False
    before = _WORD_BEFORE.search(raw, 0, end.start())
    return before is not None and (
        len(before.group(1)) == 1 or before.group(1).lower() in _ABBREVIATIONS
    )


@lru_cache(maxsize=1 << 16)  # news repeats its words; folding each one is the hot path
def fold_word(word: str) -> str:
    if word in _SYMBOLS:
        return _SYMBOLS[word]
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    """The folded words of a name: "Star Trek: Picard" -> ["star", "trek", "picard"]."""
    return list(map(fold_word, _TOKEN.findall(text)))


def padded_words(text: str) -> str:
    """The folded words joined by single spaces with one space at each end: the string
    Text.folded() gives for the same text, at a fraction of the cost."""
    return f" {' '.join(words(text))} "


def story_text(title: str, summary: str) -> str:
    """Title and summary as one text; the line break keeps them separate sentences."""
    return f"{title}\n{summary}" if summary else title


def name_key(name: str) -> str:
    """What the matcher looks for: the folded words without a leading "the"."""
    return " ".join(key_words(words(name)))


def key_words(folded: list[str]) -> list[str]:
    """A name's folded words as its key has them: without a leading "the"."""
    return folded[1:] if len(folded) > 1 and folded[0] == "the" else folded


@dataclass
class Text:
    """A story's title and summary as tokens, with sentence numbers (the title is sentence 0)."""

    raw: str
    tokens: list[Token]
    title_end: int  # tokens before this index are the title
    words: list[str]  # each token's folded word, for the rules that read words only

    @classmethod
    def of(cls, title: str, summary: str) -> "Text":
        raw = story_text(title, summary)
        boundaries = [m.end() for m in _SENTENCE_END.finditer(raw) if not _abbreviation(raw, m)]
        tokens: list[Token] = []
        title_end: int | None = None
        sentence, next_boundary = 0, boundaries[0] if boundaries else len(raw) + 1
        for match in _TOKEN.finditer(raw):
            start = match.start()
            if title_end is None and start > len(title):
                title_end = len(tokens)
            if start >= next_boundary:  # tokens come in order: count the boundaries passed
                sentence = bisect_right(boundaries, start)
                next_boundary = boundaries[sentence] if sentence < len(boundaries) else len(raw) + 1
            tokens.append(Token(fold_word(match.group()), start, match.end(), sentence))
        title_end = len(tokens) if title_end is None else title_end
        return cls(raw, tokens, title_end, [token.word for token in tokens])

    def folded(self) -> tuple[str, list[int]]:
        """The words joined by single spaces, padded with one space at each end, and the
        offset where each token starts in that string."""
        offsets, position, parts = [], 1, []
        for token in self.tokens:
            offsets.append(position)
            parts.append(token.word)
            position += len(token.word) + 1
        return " " + " ".join(parts) + " ", offsets

    def token_at(self, char: int) -> int:
        """The index of the token whose original span contains or follows `char`."""
        starts = [t.start for t in self.tokens]
        return bisect_right(starts, char - 1) if starts else 0

    def in_question(self, token: int) -> bool:
        """`token` is in the question clause of a sentence that ends with "?" (after the last
        colon: "Finale Date and Time: When Does It Come Out?" asks only its second half)."""
        first, last = self.sentence_of(token)
        end = self.tokens[last].end
        if not self.raw[end : end + 3].lstrip(" '\"’”").startswith("?"):
            return False
        clause_start = self.raw.rfind(":", self.tokens[first].start, end)
        return self.tokens[token].start > clause_start

    def sentence_of(self, token: int) -> tuple[int, int]:
        """The first and last token of the sentence holding `token`."""
        sentence = self.tokens[token].sentence
        first = last = token
        while first > 0 and self.tokens[first - 1].sentence == sentence:
            first -= 1
        while last + 1 < len(self.tokens) and self.tokens[last + 1].sentence == sentence:
            last += 1
        return first, last

    def span(self, first: int, last: int) -> str:
        """The original text of tokens first..last (inclusive)."""
        return self.raw[self.tokens[first].start : self.tokens[last].end]
