"""The words of TV news: platforms, events, seasons. Matched as sequences of folded words."""

import re
from dataclasses import dataclass

from bot.classify.text import Text

# Canonical platform name -> the ways people write it (folded words).
PLATFORMS: dict[str, tuple[str, ...]] = {
    "Netflix": ("netflix",),
    "Hulu": ("hulu",),
    "Disney+": ("disney plus", "disneyplus"),
    "Prime Video": ("prime video", "amazon prime video", "amazon prime", "amazon"),
    "Apple TV+": ("apple tv plus", "apple tv", "appletv plus"),
    "HBO Max": ("hbo max", "max"),
    "HBO": ("hbo",),
    "Paramount+": ("paramount plus",),
    "Paramount Network": ("paramount network",),
    "Peacock": ("peacock",),
    "NBC": ("nbc",),
    "CBS": ("cbs",),
    "ABC": ("abc",),
    "Fox": ("fox",),
    "The CW": ("the cw", "cw"),
    "AMC+": ("amc plus",),
    "AMC": ("amc",),
    "FX": ("fx", "fx on hulu"),
    "FXX": ("fxx",),
    "Starz": ("starz",),
    "Showtime": ("showtime", "paramount plus with showtime"),
    "MGM+": ("mgm plus",),
    "BBC One": ("bbc one", "bbc 1"),
    "BBC Two": ("bbc two", "bbc 2"),
    "BBC Three": ("bbc three",),
    "BBC iPlayer": ("bbc iplayer", "iplayer"),
    "BBC": ("bbc",),
    "ITV": ("itv", "itv1"),
    "ITVX": ("itvx",),
    "Channel 4": ("channel 4",),
    "Sky Atlantic": ("sky atlantic",),
    "Sky": ("sky",),
    "BritBox": ("britbox",),
    "Acorn TV": ("acorn tv",),
    "Crunchyroll": ("crunchyroll",),
    "Freeform": ("freeform",),
    "TNT": ("tnt",),
    "TBS": ("tbs",),
    "USA Network": ("usa network",),
    "Syfy": ("syfy",),
    "Bravo": ("bravo",),
    "Lifetime": ("lifetime",),
    "Hallmark Channel": ("hallmark", "hallmark channel"),
    "Adult Swim": ("adult swim",),
    "Comedy Central": ("comedy central",),
    "MTV": ("mtv",),
    "PBS": ("pbs",),
    "Tubi": ("tubi",),
    "Shudder": ("shudder",),
    "BET+": ("bet plus",),
    "Discovery+": ("discovery plus",),
    "Peacock Premium": ("peacock premium",),
    "YouTube": ("youtube",),
}
# Written as ordinary words too: they count only in a platform's place ("on Max").
AMBIGUOUS_PLATFORMS = frozenset({"max", "sky", "fox", "amazon", "lifetime", "hallmark", "bravo"})

# Event -> phrases (folded words). Order within an event does not matter.
EVENTS: dict[str, tuple[str, ...]] = {
    "date_change": (
        "moves",
        "moved",
        "moving",
        "pushed",
        "pushes",
        "pushed back",
        "delayed",
        "delays",
        "delay",
        "postponed",
        "postpones",
        "bumped",
        "rescheduled",
        "shifts",
        "shifted",
        "new premiere date",
        "new date",
        "new release date",
        "moved up",
        "earlier than planned",
    ),
    "cancellation": (
        "canceled",
        "cancelled",
        "cancels",
        "cancel",
        "cancellation",
        "axed",
        "axes",
        "scrapped",
        "not returning",
        "pulls the plug",
        "pulled the plug",
        "not be renewed",
        "not happening",
    ),
    "renewal": (
        "renewed",
        "renews",
        "renewal",
        "picked up for",
        "picks up",
        "greenlit",
        "green lit",
        "greenlights",
        "orders season",
        "orders a",
        "ordered a",
        "ordered",
        "is a go",
        "gets season",
        "gets a",
        "lands season",
        "coming back for",
        "returns for",
        "return for",
        "will return for",
        "officially happening",
        "officially confirmed",
        "confirmed for season",
        "confirms season",
        "is happening",
    ),
    "finale": (
        "finale",
        "final episode",
        "final episodes",
        "last episode",
        "series finale",
        "season finale",
        "closes out",
        "wraps its",
        "wraps up",
        "concludes its",
        "ends",
        "concludes",
    ),
    "return": (
        "returns",
        "return",
        "returning",
        "return date",
        "is back",
        "are back",
        "be back",
        "comes back",
        "coming back",
        "back on",
        "resumes",
        "midseason premiere",
        "part 2",
        "part two",
        "volume 2",
        "volume two",
        "comeback",
    ),
    "premiere": (
        "premiere",
        "premieres",
        "premiering",
        "premiere date",
        "debut",
        "debuts",
        "debuting",
        "launch",
        "launches",
        "launching",
        "arrives",
        "arriving",
        "arrive",
        "drops",
        "dropping",
        "release date",
        "releases",
        "release",
        "lands",
        "landing",
        "bows",
        "to stream",
        "streaming",
        "kicks off",
        "starts",
        "sets",
        "set for",
        "will air",
        "to air",
        "expected",
        "due",
        "coming",
        "hits",
    ),
}
# Renewal phrases that are renewals only when a season follows ("gets a third season", not
# "gets a premiere date").
NEEDS_SEASON = frozenset(
    {
        "picks up",
        "orders a",
        "ordered a",
        "gets a",
        "coming back for",
        "returns for",
        "return for",
        "will return for",
    }
)
# Renewal words that are renewals only after a season ("'Wednesday' Season 3 Ordered", "'Fargo'
# Season 6 Is a Go"; "ordered ten episodes" is not).
NEEDS_SEASON_BEFORE = frozenset({"ordered", "is a go"})
# "X returns for season 6": a renewal when no date is given, a return when one is.
RENEWAL_OR_RETURN = frozenset({"coming back for", "returns for", "return for", "will return for"})
# A show moving to another night or time slot is no new date ("moves to Thursdays").
TIME_SLOT = frozenset(
    "night nights slot timeslot mondays tuesdays wednesdays thursdays fridays saturdays "
    "sundays weeknights".split()
)
# Headlines of explainers, recaps and reviews: they restate old news in their summaries.
EXPLAINER = (
    "everything we know", "what we know", "explained", "how to watch", "recap", "review",
    "release date cast", "when does", "when will", "where to watch", "is it",
)  # fmt: skip
# Verbs whose object is the show written right after them ("CBS renews 'Matlock'").
TRANSITIVE = frozenset(
    {"renews", "cancels", "axes", "scraps", "greenlights", "picks up", "orders a",
     "orders season", "sets", "delays", "postpones", "pushes", "moves"}
)  # fmt: skip
EVENT_PRIORITY = ("date_change", "cancellation", "renewal", "finale", "return", "premiere")
# Words just before a date that make it something other than a release date: the event is
# past ("premiered Nov. 20"), the date is when news broke ("confirmed on Tuesday"), or it
# is about making the show ("will shoot next spring").
NOT_A_RELEASE_DATE = frozenset(
    "premiered debuted aired returned ended concluded wrapped launched dropped released "
    "shoot shooting shoots filming films production produce casting "
    "leaving leaves leave expiring expires "  # "leaving Netflix on Jan. 1"
    "ending through since".split()  # "the quarter ending Sept. 30", "for less through Dec. 2"
)
# Before a relative date ("confirmed on Tuesday") these say when the news broke; before a
# written one ("Release Date Announced: October 2") they do not.
ANNOUNCED = frozenset("announced said confirmed revealed reported told unveiled".split())
# Words that make a date about something other than a TV release.
NOT_TV = frozenset(
    "movie film films theaters theatres theatrical cinemas box festival sundance tiff sxsw "
    "cannes berlinale venice comic con emmys emmy golden globes oscars awards ceremony "
    "nominations tour album concert book novel game blu ray dvd physical panel panels "
    "convention exhibition exhibit experience attraction soundtrack podcast".split()
)

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sophomore": 2,
}  # fmt: skip
_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "twenty": 20,
}  # fmt: skip
_ORDINAL_DIGITS = re.compile(r"^(\d{1,2})(st|nd|rd|th)$")
_SHORT_SEASON = re.compile(r"^s(\d{1,2})(e\d+)?$")


@dataclass(frozen=True)
class Found:
    """A phrase found at tokens first..last."""

    label: str
    first: int
    last: int


# A lexicon's phrases by their first word: (words, label) pairs.
PhraseIndex = dict[str, list[tuple[tuple[str, ...], str]]]


def phrase_index(lexicon: dict[str, tuple[str, ...]]) -> PhraseIndex:
    index: PhraseIndex = {}
    for label, phrases in lexicon.items():
        for phrase in phrases:
            parts = tuple(phrase.split())
            index.setdefault(parts[0], []).append((parts, label))
    return index


def find_phrases(text: Text, index: PhraseIndex) -> list[Found]:
    """Every phrase of a lexicon (indexed by phrase_index) in the text, the longest where
    two overlap."""
    words = text.words
    found: list[Found] = []
    position = 0
    while position < len(words):
        best = None
        for parts, label in index.get(words[position], ()):
            end = position + len(parts)
            if tuple(words[position:end]) == parts and (best is None or len(parts) > best[0]):
                best = (len(parts), label)
        if best is None:
            position += 1
            continue
        found.append(Found(best[1], position, position + best[0] - 1))
        position += best[0]
    return found


def season_number(text: Text, first: int, last: int) -> tuple[int | None, int] | None:
    """A season number written between tokens first..last, and where it was written.

    Reads "season 2", "season two", "series 2", "S2", "second season", "2nd season",
    "sophomore season", "fifth and final season"; "final season" alone gives None.
    """
    words = text.words
    for i in range(max(first, 0), min(last, len(words) - 1) + 1):
        word = words[i]
        short = _SHORT_SEASON.match(word)
        if short:
            return int(short[1]), i
        if word in ("season", "seasons", "series") and i + 1 < len(words):
            number = _number(words[i + 1])
            if number is not None:
                return number, i
        if word in ("season", "seasons"):
            back = [words[j] for j in range(max(0, i - 3), i)]
            for candidate in reversed(back):
                number = _ordinal(candidate)
                if number is not None:
                    return number, i
            if back and back[-1] == "final":
                return None, i
    return None


def _number(word: str) -> int | None:
    if word.isdigit() and 0 < int(word) < 100:
        return int(word)
    return _NUMBERS.get(word)


def _ordinal(word: str) -> int | None:
    digits = _ORDINAL_DIGITS.match(word)
    if digits:
        return int(digits[1])
    return _ORDINALS.get(word)
