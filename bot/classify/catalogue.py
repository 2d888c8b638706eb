"""The shows a story can be about, found in one pass over its words (Aho-Corasick)."""

from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick

from bot.classify.text import Text, name_key, padded_words
from bot.config.schema import ShowConfig


@dataclass(frozen=True)
class Show:
    """A catalogue entry as the classifier sees it."""

    title: str
    aliases: tuple[str, ...] = ()
    year: int | None = None
    network: str | None = None

    @property
    def short(self) -> str:
        """The name for a headline: the shortest alias that is a word rather than an acronym
        and shorter than the title, else the title ("Picard" for "Star Trek: Picard")."""
        readable = [a for a in self.aliases if not a.isupper() and len(a) < len(self.title)]
        return min(readable, key=len) if readable else self.title


@dataclass(frozen=True)
class Mention:
    show: Show
    first: int  # token indices, inclusive
    last: int
    full_title: bool  # the canonical title, not an alias


@dataclass
class Catalogue:
    shows: list[Show]
    _automaton: "ahocorasick.Automaton" = field(repr=False)

    @classmethod
    def build(cls, shows: Iterable[Show]) -> "Catalogue":
        automaton = ahocorasick.Automaton()
        listed = list(shows)
        names: dict[str, list[tuple[int, bool]]] = {}
        for index, show in enumerate(listed):
            for name, is_title in ((show.title, True), *((a, False) for a in show.aliases)):
                key = name_key(name)
                if key:
                    names.setdefault(key, []).append((index, is_title))
        for key, owners in names.items():
            automaton.add_word(f" {key} ", (len(key.split()), len(key), owners))
        if names:
            automaton.make_automaton()
        return cls(listed, automaton)

    def may_mention(self, raw: str) -> bool:
        """Whether any catalogued name is written in `raw`, without building a Text: most
        stories name no followed show, and tokenising them in full is the classifier's
        largest cost. Folds exactly as Text.folded does, so False means mentions() is []."""
        if len(self._automaton) == 0:
            return False
        return next(self._automaton.iter(padded_words(raw)), None) is not None

    def mentions(self, text: Text) -> list[Mention]:
        """Every place a catalogued name is written, longest names first where they overlap
        ("Designated Survivor" is not also a mention of "Survivor")."""
        if not self.shows or len(self._automaton) == 0:
            return []
        folded, offsets = text.folded()
        starts = {offset: index for index, offset in enumerate(offsets)}
        found = []
        for end, (length, chars, owners) in self._automaton.iter(folded):
            first = starts.get(end - chars)  # `end` is the index of the trailing space
            if first is None:
                continue
            for index, is_title in owners:
                found.append(Mention(self.shows[index], first, first + length - 1, is_title))
        found.sort(key=lambda m: (m.first - m.last, m.first))
        taken: set[int] = set()
        kept = []
        for mention in found:
            span = set(range(mention.first, mention.last + 1))
            if span & taken:
                continue
            taken |= span
            kept.append(mention)
        return sorted(kept, key=lambda m: m.first)


def catalogue_from_config(shows: Iterable[ShowConfig]) -> Catalogue:
    """A catalogue from feeds.yaml show entries."""
    return Catalogue.build(Show(s.title, s.aliases, s.year, s.network) for s in shows)
