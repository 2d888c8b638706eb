"""When a name in a story really is the show, and when the show is the story's subject.

A title that is an everyday word ("Lost", "The Boys"), a place ("Yellowstone") or a surname
("Picard") counts only with TV context around it. A show named in passing ("from the creator
of Lost", "Friends star Matthew Perry") is not what the story is about.
"""

from bot.classify.catalogue import Mention
from bot.classify.text import Text
from bot.classify.vocabulary import NOT_TV

# Words next to a name that say "this is a TV show".
TV_WORDS = frozenset(
    "season seasons series episode episodes finale premiere premieres premiered renewed renewal "
    "canceled cancelled cancels cancellation revival reboot spinoff prequel sequel trailer "
    "teaser showrunner cast casts casting recast writers filming production docuseries "
    "miniseries sitcom emmy emmys universe franchise".split()
)
# Words that say a story speaks of TV at all.
_TV_TALK = TV_WORDS | frozenset("tv drama comedy show sitcom thriller network streamer".split())
_PASSING_BEFORE = (
    ("creator", "of"), ("creators", "of"), ("co", "creator", "of"), ("showrunner", "of"),
    ("star", "of"), ("stars", "of"), ("alum",), ("behind",), ("makers", "of"),
    ("writer", "of"), ("director", "of"), ("producer", "of"), ("like",), ("vein", "of"),
    ("known", "for"), ("best", "known", "for"), ("veteran",), ("meets",), ("from",),
    ("the", "next"), ("successor", "to"), ("follow", "up", "to"), ("reminiscent", "of"),
    ("inspired", "by"), ("producers", "of"), ("writers", "of"), ("directors", "of"),
    ("appeared", "in"), ("appeared", "on"), ("starred", "in"), ("starred", "on"),
    ("roles", "in"), ("roles", "on"), ("boosted", "by"), ("driven", "by"), ("fueled", "by"),
    ("thanks", "to"), ("home", "of"), ("home", "to"), ("hits", "including"),
    ("hits", "such", "as"), ("series", "on"), ("series", "about"), ("documentary", "on"),
    ("documentary", "about"), ("docuseries", "on"), ("docuseries", "about"), ("credited",),
    ("credits",), ("years", "after"), ("decades", "after"), ("set", "after"), ("pointed", "to"),
    ("points", "to"), ("cited",), ("citing",),
)  # fmt: skip
# By the word just before the name, so a mention checks only the phrases that can fit.
_PASSING_BY_LAST: dict[str, list[tuple[str, ...]]] = {}
for _phrase in _PASSING_BEFORE:
    _PASSING_BY_LAST.setdefault(_phrase[-1], []).append(_phrase)
_PASSING_AFTER = frozenset(
    "star stars alum alums actor actress actors creator creators showrunner costar co writer "
    "director producer producers breakout veteran fame inspired style esque author "
    "composer".split()
)
_PASSING_PAIRS_AFTER = frozenset(
    {("guest", "star"), ("guest", "stars"), ("cast", "member"), ("cast", "members")}
)
# After "X star" or "X creator", verbs that keep the story about X ("X star exits",
# "X creators talk the finale"), unlike "X star joins a new series".
_ABOUT_THE_SHOW = frozenset(
    "talk talks discuss discusses explain explains tease teases reveal reveals react reacts "
    "reflect reflects recall recalls share shares say says exit exits leave leaves leaving "
    "depart departs departing breaks address addresses confirm confirms defend defends on "
    "reunite reunites steps stepping quits return returns returning".split()
)
_OTHER_WORK = NOT_TV | {"sequel", "prequel", "remake", "broadway", "play", "memoir", "pilot"}
_DATE_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "may june july august september october november december".split()
)
_NOT_A_DAY = frozenset("on this next every until since through by last each".split())
# "Where 'Yellowstone' Was Filmed": the place is the story's subject.
_FILMED_THERE = frozenset({("was", "filmed"), ("is", "filmed"), ("was", "shot"), ("is", "shot")})
# Names that are pronouns ("You", "Us", "It") need quotes or a TV word beside them.
_PRONOUNS = frozenset("you us it her him them we they this that".split())
_QUOTES = "'\"‘’“”"


def needs_evidence(key_words: list[str]) -> bool:
    """One-word names (after "The") and weekday or month names are ambiguous."""
    return len(key_words) == 1 or all(w in _DATE_WORDS for w in key_words)


def has_evidence(
    text: Text, mention: Mention, network_named: bool, dated_tokens: frozenset[int]
) -> bool:
    """TV context around an ambiguous name: quotes, TV words next to it, a release date
    right after it ("The Bear (Feb. 3)"), or the show's own network named in the story.
    Capital letters prove nothing: places and surnames have them too."""
    words = text.words
    first, last = mention.first, mention.last
    if quoted(text, first, last):
        return True
    if first == last and words[first] in _PRONOUNS:
        return any(w in TV_WORDS for w in words[last + 1 : last + 3])
    if mention.show.title.split()[-1].lower() in _DATE_WORDS or words[first] in _DATE_WORDS:
        # "Wednesday" the show versus Wednesday the day: only quotes or TV words right after.
        if first > 0 and words[first - 1] in _NOT_A_DAY:
            return False
        return any(w in TV_WORDS for w in words[last + 1 : last + 3])
    after = words[last + 1 : last + 4]
    before = words[max(0, first - 3) : first]
    if any(w in TV_WORDS or _season_token(w) for w in after):
        return True
    if any(w in TV_WORDS for w in before[-2:]):
        return True
    if any(token in dated_tokens for token in range(last + 1, last + 4)) and _speaks_of_tv(text):
        return True  # "NORAD Santa Tracker Returns Dec. 24" has a date, but no TV around it
    return network_named


def _speaks_of_tv(text: Text) -> bool:
    """A title alone, or a story with TV words in it."""
    return len(text.words) == text.title_end or not _TV_TALK.isdisjoint(text.words)


def is_passing(text: Text, mention: Mention) -> bool:
    words = text.words
    first, last = mention.first, mention.last
    start = first - 1 if first > 0 and words[first - 1] == "the" else first
    for phrase in _PASSING_BY_LAST.get(words[start - 1], ()) if start > 0 else ():
        # "From 'The Boys' to 'Silo'": a quoted title is still a subject, unless its people
        # follow ("from the 'Tracker' producers", read below).
        subject = phrase == ("from",) and quoted(text, first, last)
        if tuple(words[max(0, start - len(phrase)) : start]) == phrase and not subject:
            return True
    following = words[last + 1 : last + 3]
    if start > 0 and words[start - 1] == "where" and tuple(following) in _FILMED_THERE:
        return True
    if tuple(following) in _PASSING_PAIRS_AFTER:
        return not _talks_about_the_show(text, last + 3)  # "'The Office' Guest Star Dies"
    if following and following[0] in _PASSING_AFTER:
        return not _talks_about_the_show(text, last + 2)
    # "Succession's Brian Cox": a possessive followed by a person's name.
    if following[:1] == ["s"] and last + 3 < len(words):
        name = text.tokens[last + 2 : last + 4]
        if all(t.capitalised(text.raw) and t.word not in TV_WORDS for t in name) and len(name) == 2:
            return not _season_token(name[0].word)
    return False


def _talks_about_the_show(text: Text, position: int) -> bool:
    """After "X star", skip the person's name; the verb then says whose story it is, unless
    what follows it is another work ("X star talks Batman sequel")."""
    tokens = text.tokens
    while (
        position < len(tokens)
        and tokens[position].capitalised(text.raw)
        and tokens[position].word not in _ABOUT_THE_SHOW
    ):
        position += 1
    if position >= len(tokens) or tokens[position].word not in _ABOUT_THE_SHOW:
        return False
    return not {t.word for t in tokens[position + 1 : position + 5]} & _OTHER_WORK


def _season_token(word: str) -> bool:
    return len(word) >= 2 and word[0] == "s" and word[1:].isdigit()


def in_longer_title(text: Text, first: int, last: int) -> bool:
    """ "'Lost in Space' Star Joins ...": a quote opens before the name and closes a few words
    after it, so the name is the start of another, longer title."""
    start = _start_with_the(text, first)
    if not (start > 0 and _quote_at(text, start - 1)) or _quote_at(text, text.tokens[last].end):
        return False
    sentence, worded = text.tokens[first].sentence, False
    for token in text.tokens[last + 1 : last + 5]:
        if token.sentence != sentence:
            return False
        worded = worded or not (token.word.isdigit() or _season_token(token.word))
        if _quote_at(text, token.end):
            return worded  # "'Survivor 51'" is the show and its season
    return False


def _quote_at(text: Text, index: int) -> bool:
    return index < len(text.raw) and text.raw[index] in _QUOTES


def _start_with_the(text: Text, first: int) -> int:
    """Where the name starts, with a "The" written right before it."""
    start = text.tokens[first].start
    if (
        first > 0
        and text.tokens[first - 1].word == "the"
        and text.tokens[first - 1].end + 1 >= start
    ):
        start = text.tokens[first - 1].start
    return start


def quoted(text: Text, first: int, last: int) -> bool:
    start = _start_with_the(text, first)
    return start > 0 and _quote_at(text, start - 1) and _quote_at(text, text.tokens[last].end)
