"""Which followed shows a story is about, and the facts it states about each."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from bot.classify.airtime import TimeMention, find_air_times
from bot.classify.catalogue import Catalogue, Mention, Show
from bot.classify.dates import CALENDAR_KINDS, RELATIVE_KINDS, DateMention, find_dates
from bot.classify.evidence import (
    has_evidence,
    in_longer_title,
    is_passing,
    needs_evidence,
    quoted,
)
from bot.classify.headline import headline
from bot.classify.text import Text, key_words, story_text
from bot.classify.vocabulary import (
    AMBIGUOUS_PLATFORMS,
    ANNOUNCED,
    EVENT_PRIORITY,
    EVENTS,
    EXPLAINER,
    NEEDS_SEASON,
    NEEDS_SEASON_BEFORE,
    NOT_A_RELEASE_DATE,
    NOT_TV,
    PLATFORMS,
    RENEWAL_OR_RETURN,
    TIME_SLOT,
    TRANSITIVE,
    Found,
    find_phrases,
    phrase_index,
    season_number,
)
from bot.domain.airtime import AirTime
from bot.domain.dates import ReleaseDate
from bot.domain.release import Precision

DATED_EVENTS = ("premiere", "return", "finale", "date_change")
_CONNECTORS = frozenset({"and", "or", "plus", "with", "the"})
# One-word event phrases only: the words of "back on" or "to stream" alone mean nothing.
_RELEASE_WORDS = frozenset(
    p for event in ("premiere", "return", "finale") for p in EVENTS[event] if " " not in p
) | {"airs", "air", "streams"}
_EVENT_INDEX = phrase_index(EVENTS)
_PLATFORM_INDEX = phrase_index(PLATFORMS)
_HEDGES = frozenset(
    "could might may hopes hope hoping rumored rumoured reportedly possibly".split()
)
_NEGATIONS = frozenset("no not never t longer".split())
# Someone saying so, which makes "would return" reported news rather than talk.
_REPORTING = ANNOUNCED | {"says", "confirms", "announces", "reveals"}
# A running season's pause, which the season returns from.
_BREAKS = frozenset("break hiatus midseason".split())
# Past news verbs, whose "in September" is when the news broke ("renewed it in September").
_NEWS_VERBS = ANNOUNCED | {"renewed", "ordered", "canceled", "cancelled", "greenlit"}
_FUTURE = frozenset("will would to".split())
# What may be "expected" or "due" instead of the show ("a decision is expected by January").
_NEWS_NOUNS = frozenset("decision announcement news word verdict update answer ruling".split())
# Making the show, which starts, moves or wraps on dates of its own ("production starts in
# the spring", "writing begins in January", "filming delayed").
_MAKING = frozenset("filming production shooting writing shoot rehearsals".split())
# A question with these asks whether a season will be made at all ("Renewed for Season 4?").
_RENEWAL_WORDS = frozenset("renewed renewal renew renews canceled cancelled".split())
# What a show "sets" or brings back that is not a release: "'SNL' Sets Host for Dec. 19",
# "'Survivor 50' Cast Revealed: 24 Returning Players".
_NOT_RELEASED = frozenset(
    "host hosts guest guests player players castaways contestants champions cast star "
    "stars characters character favorite favorites favourite favourites record records".split()
)
# Titles of deals stories.
_SHOPPING = frozenset("deals discount discounts coupon coupons".split())
_SHOPPING_PAIRS = frozenset(
    {("black", "friday"), ("cyber", "monday"), ("free", "weekend"), ("free", "trial")}
)
# Titles of price stories: a price word and a move.
_PRICE = frozenset("price prices pricing".split())
_PRICE_MOVES = frozenset(
    "raises raise raised rises rise hike hikes increase increases cut cuts".split()
)
# A show's old seasons, moving between services, are no release.
_LIBRARY = frozenset(
    {("back", "catalogue"), ("back", "catalog"), ("every", "season"), ("all", "seasons"),
     ("past", "seasons"), ("previous", "seasons"), ("entire", "run")}
)  # fmt: skip
_SOON = 8  # words from a show's name to a date that is its own
_SUBJECT_REACH = 8  # words from a sentence's opening noun to the verb it is the subject of
# After "renewal", words of talk about one, not one made ("Renewal Odds").
_SPECULATION = frozenset("odds status chances hopes prospects watch update tracker".split())
# Bare verbs that are a finale only when a season or series ends.
_SEASON_END_VERBS = frozenset({"ends", "concludes"})
_SEASON_NOUNS = frozenset("season seasons series run".split())
_NETWORK_NOUNS = frozenset("special series drama comedy show original originals".split())
# Words for the show itself, whose possessive is the show's ("The Drama's Return").
_SHOW_NOUNS = _NETWORK_NOUNS | _SEASON_NOUNS | frozenset("sitcom thriller franchise".split())
# Beside the show's name, what is dated is not the show: "'X' Film", "'X' Experience Opens",
# "'X' Soundtrack Album Out Friday", "'X' Mystery Game".
_NOT_THE_SHOW = frozenset(
    "movie film theaters theatres cinemas theatrical experience exhibition exhibit attraction "
    "soundtrack album game novel podcast blu dvd disc".split()
)
# Right after the show's name, a separate work about or from the show: the story is that
# work's ("'Stranger Things' Stage Play"), unlike a soundtrack or an experience of the show.
_SEPARATE_WORK = frozenset("play musical documentary docuseries".split())
# Words after which a book or film is the show's source, not what is released.
_ADAPTING = frozenset("adapting adapts adapted adaptation based".split())
# What a release verb's subject may be instead of the show: "Trailer for X Drops Tomorrow".
_PROMOTION = frozenset("trailer trailers teaser teasers poster posters clip footage promo".split())
# Before a name, what makes it the show another follows on from ("sequel to 'X'").
_FOLLOWS_ON_FROM = frozenset(
    {("sequel", "to"), ("prequel", "to"), ("spinoff", "of"), ("off", "of"), ("companion", "to")}
)
# After a date, words that make it a release's name ("the Feb. 4 finale").
_RELEASE_NOUNS = frozenset("finale premiere debut return".split())
# In the show's sentence, words of one episode (a recap, a review, its host or guest).
_EPISODIC = frozenset(
    "episode episodes recap review recaps reviews host hosts guest guests".split()
)
_EPISODE_WORDS = frozenset({"episode", "episodes"})
_NEXT_EPISODE = frozenset({("new", "episode"), ("next", "episode"), ("latest", "episode")})
# After "Survivor 51", words that make the number a season.
_OF_A_SEASON = frozenset("cast trailer teaser winner recap castaways".split())
_EVENT_WORDS = frozenset(p for phrases in EVENTS.values() for p in phrases if " " not in p)


# A show's dates that can be a release: (date, its first token, the three words before it).
_Usable = list[tuple[ReleaseDate, int, list[str]]]


@dataclass(frozen=True)
class Fact:
    show: Show
    season: int | None
    event: str
    date: ReleaseDate
    platform: str | None
    headline: str
    # Kept out of the classify output (a fixed interface); the calendar and events use it.
    air_time: AirTime | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "show": self.show.title,
            "season": self.season,
            "event": self.event,
            "date": self.date.value,
            "date_precision": str(self.date.precision),
            "platform": self.platform,
            "headline": self.headline,
        }


@dataclass(frozen=True)
class Classification:
    about: list[Show] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)


@dataclass
class _Clues:
    """What was found near one show's mentions."""

    events: list[tuple[bool, Found]] = field(default_factory=list)  # (in title, phrase)
    dates: list[tuple[bool, DateMention, int]] = field(default_factory=list)  # (title, date, token)
    platforms: list[Found] = field(default_factory=list)


class Classifier:
    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def classify(self, title: str, summary: str, published: date) -> Classification:
        if not self.catalogue.may_mention(story_text(title, summary)):
            return Classification()
        text = Text.of(title, summary)
        mentions = self.catalogue.mentions(text)
        if not mentions or _money_story(text):
            return Classification()
        platforms = _platforms(text)
        dates = [(d, text.token_at(d.start)) for d in find_dates(text.raw, published)]
        dated = frozenset(token for d, token in dates if d.kind in CALENDAR_KINDS)
        accepted = self._accepted(text, mentions, {p.label for p in platforms}, dated)
        if not accepted:
            return Classification()
        events: list[Found] = []
        refused: set[int] = set()  # the words right after a phrase that states no event
        named = {i for m in mentions for i in range(m.first, m.last + 1)}
        named.update(i for p in platforms for i in range(p.first, p.last + 1))
        for found in find_phrases(text, _EVENT_INDEX):
            event = _read_event(text, found)
            if (
                event is None
                or _person_returns(text, event, named)
                or _persons_release(text, event, named)
            ):
                refused.update(range(found.last + 1, found.last + 4))
            else:
                events.append(event)
        # A date right after a verb refused as a release is that verb's ("Trailer Drops Jan.
        # 16", "Kinney's final episode airs Dec. 9"), unless a release word follows the date
        # ("Trailer, Sets June 18 Release").
        refused -= {t for e in events for t in range(e.first - 3, e.first)}
        dates = [(d, token) for d, token in dates if token not in refused]
        clues = _assign(text, accepted, events, dates, platforms)
        about = _about(text, accepted, clues)
        facts = []
        for show in about:
            facts.extend(self._fact(text, show, accepted, clues[show.title], platforms, published))
        return Classification(about, facts)

    def _accepted(
        self, text: Text, mentions: list[Mention], networks: set[str], dated: frozenset[int]
    ) -> list[Mention]:
        """Mentions that are the show (with TV context where the name is ambiguous) and are
        not made in passing."""
        confirmed = {m.show.title for m in mentions if not needs_evidence(_key_words(text, m))}
        kept = []
        passing: Mention | None = None
        for mention in mentions:
            # "appeared in 'Lost' and 'House'": a name listed after one named in passing is too.
            listed = passing is not None and _only_connectors(text, passing.last, mention.first)
            if listed or is_passing(text, mention):
                passing = mention
                continue
            if _names_a_spinoff(text, mention, mentions) or _source_of(text, mention, mentions):
                continue
            if _SEPARATE_WORK & set(text.words[mention.last + 1 : mention.last + 3]):
                continue  # "'Stranger Things' Stage Play", "'Andor' Docuseries"
            ambiguous = needs_evidence(_key_words(text, mention))
            if ambiguous and in_longer_title(text, mention.first, mention.last):
                continue
            if ambiguous and mention.show.title not in confirmed:
                network = _network_named(mention.show.network, networks)
                if not has_evidence(text, mention, network, dated):
                    continue
            kept.append(mention)
        return kept

    def _fact(
        self,
        text: Text,
        show: Show,
        mentions: list[Mention],
        clues: _Clues,
        platforms: list[Found],
        published: date,
    ) -> list[Fact]:
        own = [m for m in mentions if m.show.title == show.title]
        usable = _usable_dates(text, clues, published)
        explainer = _explainer(text)
        event = _event(clues, in_title=True) or _event(clues, in_title=False, explainer=explainer)
        when, date_token = _date(text, event, usable)
        if event in ("premiere", "return") and _named_finale(text, clues, date_token):
            event = "finale"  # "Premiere Review ... weekly through the Feb. 4 finale"
        later = _event(clues, in_title=False, explainer=explainer)
        if event in DATED_EVENTS and when is None and later in ("renewal", "cancellation"):
            event = later  # "X is coming back" + "the network renewed it": a renewal
        if event == "renewal" and when is not None and _only_soft_renewal(text, clues):
            event = "return"  # "Matlock Returns for Season 3 on CBS Oct. 15"
        if event in ("renewal", "cancellation"):
            when, date_token = None, None  # their dates are when the news broke
        if event is None:
            # A date with no event word is a release when it is the show's own day, or when
            # the title gives the show, a season and the date ("X Season 4 Checks In Next
            # Summer"); "the best TV of 2026" or "hosts for November" are not.
            special = _a_special(text, own)
            if when is None or _episodic(text, own, special) or _mentions_episodes(text, special):
                return []
            if when.precision == Precision.DAY and not _own_day(
                text, own, clues, platforms, date_token
            ):
                return []
            if when.precision != Precision.DAY and not _title_states(text, own, date_token):
                return []
            event = "return" if _says(text, own, ("part",)) else "premiere"
        if event in DATED_EVENTS and when is None:
            return []
        if event in ("premiere", "return") and "crossover" in text.words:
            return []  # a crossover is an episode of each show, not a season
        if event in ("premiere", "return") and _numbered_episode(text, own):
            # "Episode 3: release date" is one episode, not a season; the season's finale,
            # when the story dates it, is still news.
            if not any(found.label == "finale" for _, found in clues.events):
                return []
            event = "finale"
            when, date_token = _date(text, event, usable)
        if event == "return" and _weekly_airing(text, clues, date_token):
            return []  # "returns this Sunday ... in the new episode": next week's episode
        if event == "date_change" and (
            when is None or _slot_move(text, clues) or _service_move(text, clues, platforms)
        ):
            return []
        if _not_tv(text, own, date_token, event):
            return []
        others = {
            i for m in mentions if m.show.title != show.title for i in range(m.first, m.last + 1)
        }
        # A cancelled show's season is its last one; "Season 3 Not Happening" or "won't
        # return for Season 5" name a season that will never be made.
        if event == "cancellation":
            season = _last_season(text)
        else:
            # "X Final Season Premiere Date ... the fifth and final season of the drama"
            season = _season(text, own, clues, others)
            if season is None and not others:
                season = _last_season(text)
        platform = _platform(text, clues, platforms, date_token)
        parts = _parts(text, usable) if event in ("premiere", "return") else []
        releases = [("premiere" if n == 1 else "return", d) for n, d in parts] or [
            (event, when or ReleaseDate.tba())
        ]
        facts = [
            _dated_fact(text, show, season, kind, day, platform, date_token)
            for kind, day in releases
        ]
        if event == "renewal" and season is not None:
            facts += _release_beside(text, show, clues, season, platform, usable)
        if event in ("premiere", "return", "finale") and when is not None:
            ends = (event, when)
            facts += _other_end_beside(text, show, clues, season, platform, usable, ends)
        return facts


def _release_beside(
    text: Text,
    show: Show,
    clues: _Clues,
    renewed: int,
    platform: str | None,
    usable: _Usable,
) -> list[Fact]:
    """A renewal story that also dates the season before the renewed one: "Netflix
    Renews X for Season 4. Season 3 debuts next year." Only a sentence with a release word
    and a date that names another season, or a return from a break, counts."""
    for _, found in clues.events:
        if found.label not in ("premiere", "return", "finale"):
            continue
        first, last = text.sentence_of(found.first)
        written = season_number(text, first, last)
        dates = [(d, token) for d, token, _ in usable if first <= token <= last]
        if not dates:
            continue
        if written is None and found.label == "return" and _from_a_break(text, first, last):
            season = None  # "returns from its winter break Feb. 4": the running season
        elif written is None or written[0] in (None, renewed):
            continue
        else:
            season = written[0]
        day, token = min(dates, key=lambda d: _rank(d[0]))
        return [_dated_fact(text, show, season, found.label, day, platform, token)]
    return []


def _other_end_beside(
    text: Text,
    show: Show,
    clues: _Clues,
    season: int | None,
    platform: str | None,
    usable: _Usable,
    released: tuple[str, ReleaseDate],
) -> list[Fact]:
    """A release and the finale, or a finale and the return, dated in one story: "The next
    three episodes drop on Christmas Day, with the finale following on New Year's Eve",
    "closes out 2026 on Dec. 9, before returning Jan. 6". The other end's day is the first
    day written within a few words after its word, or one named as the finale before it."""
    wanted = ("return",) if released[0] == "finale" else ("finale",)
    for _, found in clues.events:
        if found.label not in wanted:
            continue
        sentence = text.tokens[found.last].sentence
        after = [
            (day, token)
            for day, token, _ in usable
            if text.tokens[token].sentence == sentence
            and (
                0 < token - found.last <= 4
                or (0 < found.first - token <= 4 and _named_finale(text, clues, token))
            )  # "through the May 20 series finale"
        ]
        if not after or after[0][0].precision != Precision.DAY or after[0][0] == released[1]:
            continue
        day, token = after[0]
        return [_dated_fact(text, show, season, found.label, day, platform, token)]
    return []


def _dated_fact(
    text: Text,
    show: Show,
    season: int | None,
    event: str,
    day: ReleaseDate,
    platform: str | None,
    date_token: int | None,
) -> Fact:
    """A fact with its headline, and the air time written near its day when it has one."""
    air = _air_time(text, date_token) if day.precision == Precision.DAY else None
    return Fact(
        show, season, event, day, platform, headline(show.short, season, event, day, platform), air
    )


def _air_time(text: Text, date_token: int | None) -> AirTime | None:
    """The air time written nearest the release's day, in its sentence or the next one
    ("It premieres Jan. 5. Episodes air Sundays at 9/8c.")."""
    if date_token is None:
        return None
    sentence = text.tokens[date_token].sentence
    near: list[tuple[int, TimeMention]] = []
    for mention in find_air_times(text.raw):
        token = text.token_at(mention.start)
        if text.tokens[token].sentence in (sentence, sentence + 1):
            near.append((abs(token - date_token), mention))
    return min(near, key=lambda n: n[0])[1].air if near else None


def _network_named(network: str | None, named: set[str]) -> bool:
    """The show's network, or its family ("BBC" for a BBC One show), is named in the story."""
    if not network:
        return False
    family = network.split()[0].rstrip("+")
    return network in named or any(n.split()[0].rstrip("+") == family for n in named)


def _key_words(text: Text, mention: Mention) -> list[str]:
    """The name as written in the story, as the matcher's key (name_key) would fold it."""
    return key_words(text.words[mention.first : mention.last + 1])


def _platforms(text: Text) -> list[Found]:
    found = []
    for platform in find_phrases(text, _PLATFORM_INDEX):
        phrase = " ".join(t.word for t in text.tokens[platform.first : platform.last + 1])
        if phrase in AMBIGUOUS_PLATFORMS:
            before = text.tokens[platform.first - 1].word if platform.first > 0 else ""
            after = (
                text.tokens[platform.last + 1].word if platform.last + 1 < len(text.tokens) else ""
            )
            if after in _NETWORK_NOUNS:
                before = "on"  # "Fox special", "Max series": the network, not the word
            if before not in ("on", "to", "at", "via") or not text.tokens[
                platform.first
            ].capitalised(text.raw):
                continue
        found.append(platform)
    return found


def _assign(
    text: Text,
    mentions: list[Mention],
    events: list[Found],
    dates: list[tuple[DateMention, int]],
    platforms: list[Found],
) -> dict[str, _Clues]:
    """Hands each event, date and platform to the nearest show mentioned in its sentence;
    shows joined by "and" or a comma share what follows them ("X and Y return Jan. 5")."""
    clues = {m.show.title: _Clues() for m in mentions}
    only = mentions[:1] if len({m.show.title for m in mentions}) == 1 else []

    def nearest(token: int) -> list[Mention]:
        if both := _both(token):
            return both
        sentence = text.tokens[token].sentence
        same = [m for m in mentions if text.tokens[m.first].sentence == sentence]
        if not same:
            # A sentence naming no show speaks of the story's one show, or of the one the
            # title names with the season it names ("'X' Season 3, 'Y' ... Season 3 of the
            # spy thriller drops Thursday").
            return only or _by_season(token)
        # The show written before a date or event in its sentence owns it ("X returns
        # June 5, while Y ..."); only when none comes before does the next one.
        before = [m for m in same if m.first <= token]
        if not before:  # "ABC renews 'A', 'B' and 'C'": every show of the list that follows
            chain = [min(same, key=lambda m: m.first)]
            for other in sorted(same, key=lambda m: m.first)[1:]:
                if _only_connectors(text, chain[-1].last, other.first):
                    chain.append(other)
            return chain
        best = max(before, key=lambda m: m.first)
        group = [best]
        for other in sorted(same, key=lambda m: -m.first):
            joined = other.last < group[-1].first and other.first < best.first
            if joined and _only_connectors(text, other.last, group[-1].first):
                group.append(other)
        return group

    def _by_season(token: int) -> list[Mention]:
        said = season_number(text, *text.sentence_of(token))
        if said is None or said[0] is None:
            return []
        named = {
            m.show.title: m
            for m in mentions
            if m.first < text.title_end
            and (found := season_number(text, m.last + 1, min(m.last + 3, text.title_end - 1)))
            and found[0] == said[0]
        }
        return list(named.values()) if len(named) == 1 else []

    def _both(token: int) -> list[Mention]:
        """ "A and B lead the schedule. Both return Oct. 8": a sentence that opens with
        "both" speaks of the two shows named before it."""
        opening, _ = text.sentence_of(token)
        if text.tokens[opening].word != "both":
            return []
        earlier: dict[str, Mention] = {}
        for mention in mentions:
            if mention.first < opening:
                earlier.setdefault(mention.show.title, mention)
        return list(earlier.values()) if len(earlier) == 2 else []

    def object_of(event: Found) -> list[Mention]:
        """A transitive verb right before a show is that show's, and the rest of a list's:
        "CBS renews 'Matlock'", "ABC renews 'A', 'B' and 'C'"."""
        phrase = " ".join(t.word for t in text.tokens[event.first : event.last + 1])
        following = [m for m in mentions if 0 < m.first - event.last <= 2 and phrase in TRANSITIVE]
        if following and all(
            t.word in ("the", "a") for t in text.tokens[event.last + 1 : following[0].first]
        ):
            chain = following[:1]
            for other in sorted(mentions, key=lambda m: m.first):
                if other.first > chain[-1].last and _only_connectors(
                    text, chain[-1].last, other.first
                ):
                    chain.append(other)
            return chain
        return nearest(event.first)

    for event in events:
        for mention in object_of(event):
            clues[mention.show.title].events.append((event.first < text.title_end, event))
    for found, token in dates:
        for mention in nearest(min(token, len(text.tokens) - 1)):
            clues[mention.show.title].dates.append((token < text.title_end, found, token))
    for platform in platforms:
        for mention in nearest(platform.first):
            clues[mention.show.title].platforms.append(platform)
    return clues


def _only_connectors(text: Text, after: int, before: int) -> bool:
    """Only "and", "or", commas and quotes stand between two names: one list."""
    between = text.tokens[after + 1 : before]
    if len(between) > 2 or not all(t.word in _CONNECTORS for t in between):
        return False
    gap = text.raw[text.tokens[after].end : text.tokens[before].start]
    return bool(between) or "," in gap or "&" in gap


def _about(text: Text, mentions: list[Mention], clues: dict[str, _Clues]) -> list[Show]:
    """Shows named in the title, and shows in the summary that something happens to."""
    in_title = {m.show.title for m in mentions if m.first < text.title_end}
    count: dict[str, int] = {}
    for mention in mentions:
        count[mention.show.title] = count.get(mention.show.title, 0) + 1
    about: list[Show] = []
    for mention in mentions:
        show = mention.show
        if show in about:
            continue
        found = clues[show.title]
        if (
            show.title in in_title
            or found.events
            or found.dates
            or (
                not in_title
                and (count[show.title] >= 2 or quoted(text, mention.first, mention.last))
            )
        ):
            about.append(show)
    return about


def _event(clues: _Clues, in_title: bool, explainer: bool = False) -> str | None:
    """The weightiest event said of the show in the title (or in the summary). An explainer's
    summary restates old renewals and cancellations, so they do not count there."""
    labels = {found.label for title, found in clues.events if title == in_title}
    if explainer and not in_title:
        labels -= {"renewal", "cancellation"}
    for label in EVENT_PRIORITY:
        if label in labels and (label != "date_change" or clues.dates):
            return label
    return None


def _only_soft_renewal(text: Text, clues: _Clues) -> bool:
    phrases = {
        " ".join(t.word for t in text.tokens[found.first : found.last + 1])
        for _, found in clues.events
        if found.label == "renewal"
    }
    return bool(phrases) and phrases <= RENEWAL_OR_RETURN


def _explainer(text: Text) -> bool:
    title = " " + " ".join(t.word for t in text.tokens[: text.title_end]) + " "
    return any(f" {phrase} " in title for phrase in EXPLAINER)


def _slot_move(text: Text, clues: _Clues) -> bool:
    """ "Moves to Thursdays", "to a new night": a time slot, not a date."""
    return any(
        t.word in TIME_SLOT
        for _, found in clues.events
        if found.label == "date_change"
        for t in text.tokens[found.last + 1 : found.last + 6]
    )


def _service_move(text: Text, clues: _Clues, platforms: list[Found]) -> bool:
    """ "Moves From Netflix to Hulu in January": the show changes service, its old seasons
    with it; no release moves."""
    starts = {p.first for p in platforms}
    return any(
        found.last + 2 in starts and text.words[found.last + 1] in ("from", "to")
        for _, found in clues.events
        if found.label == "date_change"
    )


def _read_event(text: Text, event: Found) -> Found | None:
    """The event a phrase states, if it states one: "won't return for season 5" is a
    cancellation; "hasn't been renewed (yet)" states nothing."""
    if _negated_return(text, event):
        return Found("cancellation", event.first, event.last)
    return event if _stands(text, event) else None


def _negated_return(text: Text, event: Found) -> bool:
    if event.label != "renewal":  # "returns for", "coming back for" are renewal phrases
        return False
    if " ".join(text.words[event.first : event.last + 1]) not in RENEWAL_OR_RETURN:
        return False
    before = {t.word for t in text.tokens[max(0, event.first - 2) : event.first]}
    after = {t.word for t in text.tokens[event.last + 1 : event.last + 5]}
    return bool(before & _NEGATIONS) and bool(after & {"season", "seasons"})


def _stands(text: Text, event: Found) -> bool:
    """Loose renewal phrases ("gets a") count only when a season follows; a person's
    "final episode" is no finale of the show."""
    phrase = " ".join(t.word for t in text.tokens[event.first : event.last + 1])
    before = [t.word for t in text.tokens[max(0, event.first - 3) : event.first]]
    if event.label == "finale" and before[-1:] and before[-1] in ("his", "her", "their", "s"):
        return False
    if event.label == "premiere" and {"his", "her", "their"} & set(before[-2:]):
        return False  # "her hosting debut": a person's first time, not the show's
    if phrase in ("will air", "to air") and "episode" in before:
        return False  # "the actor's final episode will air in November"
    after = [t.word for t in text.tokens[event.last + 1 : event.last + 3]]
    if event.label == "return" and after[:1] == ["as"]:
        return False  # "Colin Farrell will return as Oz": an actor, not the show
    if (
        event.label == "return"
        and after[:1] == ["for"]
        and _EPISODE_WORDS & set(text.words[event.last + 2 : event.last + 5])
    ):
        return False  # "will be back for two episodes": a guest arc, not the show
    if event.label == "premiere" and set(after) & _MAKING:
        return False  # "starts filming"
    if event.label in DATED_EVENTS and (set(before) & _MAKING or _subject_in(text, event, _MAKING)):
        return False  # "Production Delayed Until Spring", "Production on X resumes in May"
    if phrase in ("sets", "returning") and after[:1] and after[0] in _NOT_RELEASED:
        return False  # "Sets Host", "Returning Players"
    if phrase == "sets" and _EPISODE_WORDS & set(text.words[event.last + 1 : event.last + 5]):
        return False  # "Sets Season 5 Holiday Episode": one episode, not a season
    if event.label == "finale" and _of_the_year(text, event.last + 1):
        return False  # "the last episode of 2026" ends a year, not a season
    if phrase == "renewal" and after[:1] and after[0] in _SPECULATION:
        return False  # "Renewal Odds", "renewal status"
    if phrase in ("expected", "due") and set(before[-2:]) & _NEWS_NOUNS:
        return False  # "a decision is expected by January": the news, not the show
    if phrase in _SEASON_END_VERBS and not _SEASON_NOUNS & set(before):
        return False  # "Season 2 ends Jan. 18" is a finale; "the deal ends" is not
    if event.label in ("premiere", "return") and _promotes(text, event):
        return False  # "Trailer for X Season 3 Drops Tomorrow": the trailer is what drops
    if text.in_question(event.first):
        return False  # "Is 'Severance' Renewed for Season 4?" states nothing
    if _hedged(text, event.first):
        return False  # "could return in 2027": talk, not news
    if before[-1:] == ["would"] and not _reported(text, event.first):
        return False  # "Star Would Return for Season 3"; "said it would return" is news
    if event.label == "renewal" and set(before[-2:]) & {"not", "never", "no", "t"}:
        return False  # "won't return for another season"
    seasons = ("season", "seasons")
    if phrase in NEEDS_SEASON_BEFORE:
        return any(t.word in seasons for t in text.tokens[max(0, event.first - 4) : event.first])
    if phrase not in NEEDS_SEASON:
        return True
    # "returns for a fifth season", not "returns for the season finale"
    after = text.words[event.last + 1 : event.last + 6]
    return any(w in seasons and after[i + 1 : i + 2] != ["finale"] for i, w in enumerate(after[:4]))


def _money_story(text: Text) -> bool:
    """A deals or price story ("Black Friday Streaming Deals: Get Hulu for $1.99", "Apple TV+
    Raises Price to $12.99") names shows only as what the money buys."""
    title = text.words[: text.title_end]
    if not _PRICE.isdisjoint(title) and not _PRICE_MOVES.isdisjoint(title):
        return True
    return not _SHOPPING.isdisjoint(title) or not _SHOPPING_PAIRS.isdisjoint(pairwise(title))


def _person_returns(text: Text, event: Found, named: set[int]) -> bool:
    """ "Ryan Gosling returns to Studio 8H": in a summary's ordinary sentence, a return to
    somewhere other than a platform, right after a capitalised name that is no show or
    platform, is a person's. "Kathy Bates returns Oct. 15 in the new season" is the show's."""
    if event.label != "return" or event.first < text.title_end + 2:
        return False
    if text.words[event.last + 1 : event.last + 2] != ["to"] or event.last + 2 in named:
        return False
    subject = range(event.first - 2, event.first)
    return all(text.tokens[i].capitalised(text.raw) and i not in named for i in subject)


def _persons_release(text: Text, event: Found, named: set[int]) -> bool:
    """ "Teases Jensen Ackles' Return", "Kathy Bates's Return": the release word belongs to a
    capitalised name that is no show, platform or word for the show ("The Drama's Return")."""
    if event.label not in DATED_EVENTS:
        return False
    owner = event.first - 1
    if owner > 0 and text.words[owner] == "s":
        owner -= 1  # "Bates's": the "s" after the apostrophe
    elif owner < 0 or not text.words[owner].endswith("s"):
        return False  # a quote closing after "'Blood of My Blood'" is no possessive
    if owner in named or text.words[owner] in _SHOW_NOUNS:
        return False
    token = text.tokens[owner]
    return token.capitalised(text.raw) and text.raw[token.end : token.end + 1] in ("'", "’")


def _hedged(text: Text, token: int) -> bool:
    """A hedge in the two words before `token` ("could return"); "May" before a day is the
    month ("through the May 20 finale")."""
    words = text.words
    return any(
        words[i] in _HEDGES and not (words[i] == "may" and words[i + 1].isdigit())
        for i in range(max(0, token - 2), token)
    )


def _reported(text: Text, token: int) -> bool:
    """Someone said so earlier in the sentence ("Netflix said the show would return")."""
    first, _ = text.sentence_of(token)
    return not _REPORTING.isdisjoint(text.words[first:token])


def _from_a_break(text: Text, first: int, last: int) -> bool:
    """The sentence speaks of a break in a running season ("from its winter break")."""
    return not _BREAKS.isdisjoint(text.words[first : last + 1])


def _of_the_year(text: Text, position: int) -> bool:
    """ "of 2026" or "of the year" at `position`."""
    words = text.words[position : position + 3]
    year = len(words) > 1 and words[1].isdigit() and len(words[1]) == 4
    return words[:1] == ["of"] and (year or words[1:] == ["the", "year"])


def _promotes(text: Text, event: Found) -> bool:
    """The release verb's subject is a trailer or poster: one right before the verb ("X
    Trailer Drops"), or one opening the sentence ("Trailer for X Season 3 Drops")."""
    if event.first > 0 and text.words[event.first - 1] in _PROMOTION:
        return True
    return _subject_in(text, event, _PROMOTION)


def _subject_in(text: Text, event: Found, nouns: frozenset[str]) -> bool:
    """The sentence of the verb opens with one of `nouns` of something, a few words before
    the verb: "Trailer for X Drops", "Production on the series resumes"; not "Filming on
    the drama is under way, with a premiere expected in 2027"."""
    first, _ = text.sentence_of(event.first)
    if event.first - first > _SUBJECT_REACH:
        return False
    opening = text.words[first : min(first + 2, event.first)]
    return len(opening) == 2 and opening[0] in nouns and opening[1] in ("for", "of", "to", "on")


def _names_a_spinoff(text: Text, mention: Mention, mentions: list[Mention]) -> bool:
    """ "'The Boys' spinoff 'Gen V'": the story is about the spinoff."""
    following = {t.word for t in text.tokens[mention.last + 1 : mention.last + 3]}
    if not following & {"spinoff", "spin", "prequel", "sequel"}:
        return False
    return any(mention.last < other.first <= mention.last + 4 for other in mentions)


def _source_of(text: Text, mention: Mention, mentions: list[Mention]) -> bool:
    """ "'The Testaments' ... Hulu's sequel to 'The Handmaid's Tale'": the show another
    catalogued show follows on from is named in passing. With no other show named, the
    story is the new series', which its source's followers want ("sequel to 'Squid Game'")."""
    words = text.words[max(0, mention.first - 3) : mention.first]
    if words[-1:] == ["the"]:
        words = text.words[max(0, mention.first - 4) : mention.first - 1]
    if tuple(words[-2:]) not in _FOLLOWS_ON_FROM:
        return False
    return any(other.show.title != mention.show.title for other in mentions)


def _date(text: Text, event: str | None, usable: _Usable) -> tuple[ReleaseDate | None, int | None]:
    """The release date: the most precise one, title first; for a date change the one the
    release moves to ("moves from Jan. 5 to Jan. 12"). Past dates are no release."""
    usable = _left_behind_dropped(text, usable)
    if not usable:
        return None, None
    if event == "date_change":
        # The new date: the one written after "to", else the title's, else the last.
        moved = [u for u in usable if _after_to(text, u[1], u[2])]
        chosen = moved[0] if moved else usable[0]
        return _refined(chosen[0], usable), chosen[1]
    best = min(usable, key=lambda d: _rank(d[0]))
    return best[0], best[1]


def _named_release(text: Text, mention: DateMention) -> str | None:
    """The release a date is written as the name of: "the Feb. 4 finale", "the May 20 series
    finale"."""
    after = text.token_at(mention.end)
    words = text.words[after : after + 2]
    if words[:1] in (["series"], ["season"]):
        words = words[1:]
    return words[0] if words and words[0] in _RELEASE_NOUNS else None


def _named_finale(text: Text, clues: _Clues, token: int | None) -> bool:
    """The date at `token` is written as the finale's name."""
    return any(t == token and _named_release(text, d) == "finale" for _, d, t in clues.dates)


def _left_behind_dropped(text: Text, usable: _Usable) -> _Usable:
    """Drops a date written after "from" when a later date follows in its sentence: "moves
    from spring to summer", "pulled from spring, now eyes summer 2027". Alone, "from
    Saturday" is when the release starts, as British stories write it."""

    def left_behind(token: int, before: list[str]) -> bool:
        sentence = text.tokens[token].sentence
        return (
            bool(before)
            and before[-1] == "from"
            and any(
                other > token and text.tokens[other].sentence == sentence for _, other, _ in usable
            )
        )

    return [u for u in usable if not left_behind(u[1], u[2])]


def _refined(when: ReleaseDate, usable: _Usable) -> ReleaseDate:
    """A more precise date inside `when` ("delayed until 2027 ... next spring")."""
    window = when.window()
    if window is None:
        return when
    inside = [
        d for d, _, _ in usable
        if _rank(d) < _rank(when) and (w := d.window()) and window[0] <= w[0] and w[1] <= window[1]
    ]  # fmt: skip
    return min(inside, key=_rank) if inside else when


def _usable_dates(text: Text, clues: _Clues, published: date) -> _Usable:
    """The show's dates that can be a release: (date, token, the three words before it)."""
    usable = []
    for _, mention, token in sorted(clues.dates, key=lambda d: (not d[0], d[2])):
        window = mention.date.window()
        if window is None or window[1] < published:
            continue
        before = [t.word for t in text.tokens[max(0, token - 3) : token]]
        blocked = set(before) & NOT_A_RELEASE_DATE
        if blocked and not (blocked == {"through"} and _named_release(text, mention)):
            continue  # "weekly through the Feb. 4 finale" still dates the finale
        if mention.kind in RELATIVE_KINDS and set(before) & ANNOUNCED:
            continue
        if mention.rolled and window[0].year > published.year and _news_month(text, token):
            continue  # "Apple confirmed the comedy's return in March" in a December story
        if mention.kind in RELATIVE_KINDS and not _release_verb_near(text, token, clues.platforms):
            continue  # "HBO dropped the trailer on Friday": when the news happened
        if _negated(text, token):
            continue  # "no longer expects it this year"
        if _library(text, token):
            continue  # "Every season will stream on Peacock starting Jan. 1": old seasons
        usable.append((mention.date, token, before))
    return usable


def _news_month(text: Text, token: int) -> bool:
    """ "announced the show's return in March", "renewed the comedy in September": after a
    past news verb, "in" a month that had to be pushed into next year reads as when the news
    broke; not in "confirmed it will return in March"."""
    words = text.words  # the date's first word is "in"
    if token < 2 or words[token] != "in":
        return False
    first, _ = text.sentence_of(token)
    if words[token - 2] == "s":
        return bool(ANNOUNCED & set(words[first:token]))
    before = words[max(first, token - 4) : token]
    verbs = [i for i, w in enumerate(before) if w in _NEWS_VERBS]
    return bool(verbs) and _FUTURE.isdisjoint(before[verbs[-1] :])


def _parts(text: Text, usable: _Usable) -> list[tuple[int, ReleaseDate]]:
    """A season released in parts, each with its day: "part 1 arrives Aug. 20, part 2 on
    Sept. 10", "Part 2 arrives July 9 ... the first four episodes on June 11"."""
    found: dict[int, ReleaseDate] = {}
    for when, token, _ in usable:
        if when.precision != Precision.DAY:
            continue
        # The nearest part named before the day in its sentence ("Part 1 of the drama's
        # fourth season arrives Jan. 29, with Part 2 following Feb. 26").
        first, _ = text.sentence_of(token)
        words = [t.word for t in text.tokens[max(first, token - 12) : token]]
        part = None
        for i, word in enumerate(words[:-1]):
            if word == "part" and words[i + 1].isdigit():
                part = int(words[i + 1])
        if part is None and "first" in words[-5:]:
            part = 1
        if part is not None:
            found.setdefault(part, when)
    if len(found) < 2:
        found = _two_parts(text, usable)
    return sorted(found.items()) if len(found) > 1 else []


def _two_parts(text: Text, usable: _Usable) -> dict[int, ReleaseDate]:
    """ "in two parts, on Feb. 26 and April 2": a sentence saying so with exactly two days,
    the parts in the order written."""
    days: dict[tuple[int, int], list[ReleaseDate]] = {}
    for when, token, _ in usable:
        if when.precision == Precision.DAY:
            days.setdefault(text.sentence_of(token), []).append(when)
    for (first, last), found in days.items():
        if ("two", "parts") in pairwise(text.words[first : last + 1]) and len(found) == 2:
            return {1: found[0], 2: found[1]}
    return {}


def _library(text: Text, token: int) -> bool:
    """The date's sentence speaks of a show's old seasons ("every season", "back catalogue")."""
    first, last = text.sentence_of(token)
    return not _LIBRARY.isdisjoint(pairwise(text.words[first : last + 1]))


def _negated(text: Text, token: int) -> bool:
    """A negation shortly before the date, unless the date is what it waits for ("won't
    premiere until 2027")."""
    first, _ = text.sentence_of(token)
    before = [t.word for t in text.tokens[max(first, token - 5) : token]]
    return (
        bool(set(before) & _NEGATIONS)
        and text.tokens[token].word != "until"
        and "until" not in before[-1:]
    )


def _release_verb_near(text: Text, token: int, platforms: list[Found]) -> bool:
    """A release verb within three words of the date, not counting the words of a platform
    between them ("returns to BBC One this Saturday")."""
    named = {i for p in platforms for i in range(p.first, p.last + 1)}
    start, words = token, 0
    while start > 0 and words < 3:
        start -= 1
        words += start not in named
    return any(t.word in _RELEASE_WORDS for t in text.tokens[start : token + 3])


def _after_to(text: Text, token: int, before: list[str]) -> bool:
    """The date is the target of a move: "moves to March 10", "postponed to 2027"."""
    return bool({text.tokens[token].word, *before[-2:]} & {"to", "until"})


def _rank(when: ReleaseDate) -> int:
    return list(Precision).index(when.precision)


def _episodic(text: Text, mentions: list[Mention], special: bool) -> bool:
    """Words of one episode in the show's sentences; a special's own episode is not one."""
    sentences = {text.tokens[m.first].sentence for m in mentions}
    episodic = _EPISODIC - _EPISODE_WORDS if special else _EPISODIC
    return any(t.word in episodic for t in text.tokens if t.sentence in sentences)


def _own_day(
    text: Text, mentions: list[Mention], clues: _Clues, platforms: list[Found], token: int | None
) -> bool:
    """A day said with no event word is the show's when it is written as a date close after
    the show's name in its sentence ("Severance (Jan. 17)", "'SNW' Season 4 Beams Down Oct.
    15") or beside "airs" ("The special airs on Christmas Day"); not in "Cast Reunites for
    Emmy FYC Event in Los Angeles on Dec. 6"."""
    if token is None or not _written_date(clues, token):
        return False
    sentence = text.tokens[token].sentence
    close = any(
        0 < token - m.last <= _SOON
        and text.tokens[m.last].sentence == sentence
        and text.words[m.last + 1 : m.last + 2] != ["cast"]
        for m in mentions
    )  # "'X' Cast Reunites for Charity Livestream Dec. 12": the cast's day, not the show's
    return close or _release_verb_near(text, token, platforms)


def _title_states(text: Text, mentions: list[Mention], date_token: int | None) -> bool:
    """The title names the show with a season number, and the date too."""
    if date_token is None or date_token >= text.title_end:
        return False
    return any(
        m.first < text.title_end and season_number(text, m.last + 1, m.last + 3) is not None
        for m in mentions
    )


def _mentions_episodes(text: Text, special: bool) -> bool:
    """Episodes are named; in a special's story ("Christmas Special Date Revealed ... the
    festive episode airs") the episode is the special, a release of its own."""
    if special:
        return "crossover" in text.words
    return any(t.word in ("episode", "crossover") for t in text.tokens)


def _a_special(text: Text, mentions: list[Mention]) -> bool:
    """What is released is a special: the title calls it one (and no episode), or one is named
    right after the show ("the 'Doctor Who' special on Christmas Day")."""
    title = text.words[: text.title_end]
    if "special" in title and "episode" not in title:
        return True
    return any("special" in text.words[m.last + 1 : m.last + 3] for m in mentions)


def _weekly_airing(text: Text, clues: _Clues, token: int | None) -> bool:
    """The show is back on a weekday or "tonight" with "the new episode", and no season or
    series is said to begin: one more episode of a running season."""
    relative = any(t == token and found.kind in RELATIVE_KINDS for _, found, t in clues.dates)
    words = text.words
    pairs = set(pairwise(words))
    return (
        relative
        and bool(pairs & _NEXT_EPISODE)
        and not {"season", "seasons", "series"} & set(words)
    )


def _written_date(clues: _Clues, token: int | None) -> bool:
    """The date was written as a date ("Jan. 17"), not as "Wednesday" or "tonight"."""
    written = CALENDAR_KINDS | {"holiday"}  # "on Christmas Day" is written as a date too
    return any(t == token and found.kind in written for _, found, t in clues.dates)


def _numbered_episode(text: Text, mentions: list[Mention]) -> bool:
    sentences = {text.tokens[m.first].sentence for m in mentions}
    words = [(t.word, t.sentence) for t in text.tokens]
    return any(
        word == "episode" and i + 1 < len(words) and words[i + 1][0].isdigit()
        for i, (word, sentence) in enumerate(words)
        if sentence in sentences
    )


def _says(text: Text, mentions: list[Mention], wanted: Sequence[str]) -> bool:
    return any(t.word in wanted for m in mentions for t in text.tokens[m.last + 1 : m.last + 6])


def _not_tv(text: Text, mentions: list[Mention], date_token: int | None, event: str | None) -> bool:
    """A film, festival or awards date, not a TV release. Festival and awards words count
    beside the date; film words beside the show too. The show's own name never counts
    ("Squid Game" is no video game)."""
    if event in ("renewal", "cancellation"):
        return False
    own = {i for m in mentions for i in range(m.first, m.last + 1)}
    # "The series adapting Atwood's novel debuts April 8": the book is where it comes from.
    own |= {
        i
        for a, token in enumerate(text.tokens)
        if token.word in _ADAPTING
        for i in range(a + 1, a + 8)
    }

    def near(place: int) -> set[str]:
        first = max(0, place - 4)
        window = enumerate(text.tokens[first : place + 5], start=first)
        return {t.word for i, t in window if i not in own}

    if date_token is not None and near(date_token) & NOT_TV:
        return True
    return any(near(m.last) & _NOT_THE_SHOW for m in mentions[:1])


def _season(text: Text, mentions: list[Mention], clues: _Clues, others: set[int]) -> int | None:
    """The season named next to the show, else next to what happens to it (never across
    a sentence end); or a number right after the name ("Survivor 50 finale")."""
    for mention in mentions:
        following = [t.word for t in text.tokens[mention.last + 1 : mention.last + 3]]
        numbered = bool(following) and following[0].isdigit() and len(following[0]) < 4
        if numbered and (following[1:] and following[1] in _EVENT_WORDS | _OF_A_SEASON):
            return int(following[0])  # "Survivor 50 finale", "Survivor 51 cast"
        if numbered and quoted(text, mention.first, mention.last + 1):
            return int(following[0])  # "'Survivor 50'", "'Stranger Things 5'"
    windows = [(m.last + 1, m.last + 6, m.last) for m in mentions]
    windows += [  # "the second season of X", never another show's "X season 4, Y"
        (m.first - 5, m.first - 1, m.first)
        for m in mentions
        if m.first > 0 and "of" in [t.word for t in text.tokens[max(0, m.first - 2) : m.first]]
    ]
    windows += [(found.first - 6, found.last + 6, found.first) for _, found in clues.events]
    windows += [(token - 6, token + 6, token) for _, _, token in clues.dates]
    for first, last, anchor in windows:
        sentence_first, sentence_last = text.sentence_of(min(anchor, len(text.tokens) - 1))
        found = season_number(text, max(first, sentence_first), min(last, sentence_last))
        if found is None or found[0] is None or _asks_for_season(text, found[1]):
            continue
        between = range(min(anchor, found[1]), max(anchor, found[1]) + 1)
        if not others.intersection(between):  # never another show's "Season 3"
            return found[0]
    return None


def _asks_for_season(text: Text, token: int) -> bool:
    """ "Is 'Silo' Renewed for Season 4?" asks of a season that may never be made; "When
    Does Season 3 Come Out?" asks of one that will."""
    if not text.in_question(token):
        return False
    first, last = text.sentence_of(token)
    return not _RENEWAL_WORDS.isdisjoint(text.words[first : last + 1])


def _last_season(text: Text) -> int | None:
    """The season a story calls the last: "season 4 will be its last", "ends with its fourth
    season", "the fifth and final season"."""
    for i, token in enumerate(text.tokens):
        if token.word not in ("last", "final", "end", "ends"):
            continue
        first, last = text.sentence_of(i)
        found = season_number(text, max(first, i - 6), min(last, i + 4))
        if found is not None and found[0] is not None:
            return found[0]
    return None


def _platform(
    text: Text, clues: _Clues, platforms: list[Found], date_token: int | None
) -> str | None:
    """The show's platform; of several, the one nearest its date in the date's sentence
    ("All five seasons stream on Peacock; the spinoff arrives on Paramount+ in March")."""
    if date_token is not None:
        sentence = text.tokens[date_token].sentence
        near = [p for p in clues.platforms if text.tokens[p.first].sentence == sentence]
        if near:
            return _first_listed(text, near, min(near, key=lambda p: abs(p.first - date_token)))
    if clues.platforms:
        return clues.platforms[0].label
    distinct = {p.label for p in platforms}
    if len(distinct) == 1:
        return distinct.pop()
    return None


def _first_listed(text: Text, platforms: list[Found], chosen: Found) -> str:
    """The first of the platforms listed with `chosen` ("airs on BBC One and Disney+"): a
    list names the home service first."""
    by_last_word = {p.last: p for p in platforms}
    while True:
        gap = chosen.first - 1
        if text.words[gap : gap + 1] in (["and"], ["or"]):
            gap -= 1
        earlier = by_last_word.get(gap)
        if earlier is None:
            return chosen.label
        chosen = earlier
