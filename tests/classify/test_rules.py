"""Single rules of the classifier, each with a case that must give a fact and one that
must not: a change to one rule shows here before it shows in the corpus score."""

from datetime import date
from pathlib import Path

import pytest

from bot.classify.classifier import Classifier
from bot.classify.cli import load_catalogue

PUBLISHED = date(2026, 11, 24)  # a Tuesday


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_catalogue(Path(__file__).parent / "shows.yaml"))


@pytest.mark.parametrize(
    ("title", "summary", "expected"),
    [
        # A release verb and a weekday with the platform between them.
        ("Silo Returns to Apple TV+ This Friday", "", [("return", "2026-11-27")]),
        # Alone, "from" a date is when the release starts (as British stories write it).
        ("Doctor Who returns to BBC One from 5 December", "", [("return", "2026-12-05")]),
        # ... but one more episode of a running season is no release.
        ("Silo returns to Apple TV+ this Friday", "Juliette digs deeper in the new episode.", []),
        # The date after "from" is left behind when a later one follows it.
        ("'Fallout' Season 2 Pulled From Spring, Now Eyes Summer 2027", "",
         [("premiere", "2027-summer")]),
        ("'Fallout' Season 2 moves from March 3 to April 7", "", [("date_change", "2027-04-07")]),
        # "Ordered" is a renewal after a season, not before episodes.
        ("'The Bear' Season 5 Ordered at FX", "", [("renewal", None)]),
        ("FX Ordered Ten More Episodes of 'The Bear'", "", []),
        ("'The Bear' Season 5 Is a Go", "", [("renewal", None)]),
        ("'The Bear' Is a Go for Its Chicago Shoot", "", []),
        # A year after "targets" or "eyes" is a release window.
        ("'Silo' Season 4: Apple TV+ Targets 2028", "", [("premiere", "2028")]),
        # "Lands" and "hits" make a bare weekday a release day, as "premieres" does.
        ("'Silo' Season 3 Lands Friday on Apple TV+", "", [("premiere", "2026-11-27")]),
        ("'Silo' Season 3 Trailer Lands", "The footage came out Friday.", []),
        # "Not happening" is a cancellation ("is happening" a renewal).
        ("'Silo' Season 5 Not Happening, Apple Says", "", [("cancellation", None)]),
        # A renewal story may also date the season before the renewed one.
        ("Netflix Renews 'Wednesday' for Season 4", "Season 3 premieres Jan. 8.",
         [("renewal", None), ("premiere", "2027-01-08")]),
        ("Netflix Renews 'Wednesday' for Season 4", "Season 3 premiered Aug. 6.",
         [("renewal", None)]),
        ("Netflix Renews 'Wednesday' for Season 4", "It premieres in 2028.", [("renewal", None)]),
        # "Both" at the start of a sentence speaks of the two shows named before it.
        ("'Silo' and 'Severance' Lead Apple TV+'s Winter", "Both return Friday, Jan. 15.",
         [("return", "2027-01-15"), ("return", "2027-01-15")]),
        # A season already over is no release date.
        ("TV Ratings: 'Survivor 51' Finale Down From Last Fall", "", []),
        ("'Survivor 51' Finale Set for This Fall", "", [("finale", "2026-fall")]),
        # Not returning for a season is a cancellation; not being renewed yet is nothing.
        ("'Evil' Won't Return for Season 5", "", [("cancellation", None)]),
        ("'Evil' Hasn't Been Renewed for Season 5 Yet", "", []),
        # A novel a series adapts is its source, not a book release.
        ("'The Testaments' Premiere Date Set",
         "The series adapting Margaret Atwood's follow-up novel debuts April 8, 2027.",
         [("premiere", "2027-04-08")]),
        ("'The Testaments' Premiere Date Set", "Atwood's new novel debuts April 8, 2027.", []),
        # A show leaving a service on a date is no release.
        ("'Friends' Leaving Netflix on Jan. 1", "", []),
        ("'Friends' Arrives on Netflix Jan. 1", "", [("premiere", "2027-01-01")]),
        # What is dated beside the show's name is not always the show.
        ("'Silo' Experience Opens in London on March 3", "", []),
        ("'Silo' Soundtrack Album Out Friday, Dec. 4", "", []),
        ("'Lost' Cast Reunites for Anniversary Panel Sept. 22", "", []),
        ("'Silo' Season 3 Arrives Friday, Dec. 4", "", [("premiere", "2026-12-04")]),
        # A trailer that drops is not the season.
        ("Trailer for 'Silo' Season 3 Drops Tomorrow", "", []),
        ("'Silo' Season 3 Trailer Drops Tomorrow", "", []),
        ("'Silo' Season 3 Trailer Drops Jan. 16", "", []),
        ("'Silo' Season 3 Drops Tomorrow", "", [("premiere", "2026-11-25")]),
        # A reporting period is no release.
        ("'Silo' Lifts Apple TV+ Subscribers", "Sign-ups rose in the quarter ending Jan. 31.", []),
        # A chart debut is no premiere ("No." reads as a negation of what follows).
        ("Top 10: 'Silo' Season 3 Debuts at No. 1 in December", "", []),
        ("'Silo' Season 3 Debuts Jan. 16", "", [("premiere", "2027-01-16")]),
        # A season that ends on a date is a finale; anything else that ends is not.
        ("'Silo' Season 3 Ends Jan. 16", "", [("finale", "2027-01-16")]),
        ("Apple TV+ Deal for 'Silo' Ends Jan. 16", "", []),
        # "Expected" with a date is a release window.
        ("'Silo' Cast Says Goodbye", "The fourth and last season is expected next year.",
         [("premiere", "2027")]),
        # An episode's release is no season's, but the finale it dates is.
        ("When Is 'Silo' Season 3 Episode 4 Out? Release Schedule",
         "New episodes arrive weekly until the finale on Jan. 16.", [("finale", "2027-01-16")]),
        ("When Is 'Silo' Season 3 Episode 4 Out? Release Schedule",
         "New episodes arrive weekly on Fridays.", []),
        # After a past announcement, "in" a month already gone this year is when the news broke.
        ("'Silo' Season 4: What We Know", "Apple TV+ confirmed the show's return in March.", []),
        ("'Silo' Season 4: What We Know", "Apple TV+ confirmed it will return in March.",
         [("return", "2027-03")]),
        ("'Silo' Season 4: What We Know", "Apple TV+ confirmed the show's return in December.",
         [("return", "2026-12")]),
        # A date right after a verb refused as a release is that verb's, unless a release word
        # follows the date.
        ("'Silo' Star Exits Ahead of Season Finale", "Her final episode airs Dec. 9.", []),
        ("Apple Drops 'Silo' Season 3 Trailer, Sets Jan. 16 Release", "",
         [("premiere", "2027-01-16")]),
        # With no event word, a day is the show's only close after its name or beside "airs".
        ("'Silo' Cast Reunites for Emmy FYC Event in Los Angeles on Dec. 6", "", []),
        ("'Silo' Season 3 Beams Down Dec. 6", "", [("premiere", "2026-12-06")]),
        ("'Silo' Season 3 Cast Photos", "Production begins in Wales on Jan. 12.", []),
        ("'Silo' Season 3 Cast Photos", "The new season airs Jan. 12.",
         [("premiere", "2027-01-12")]),
        # A production delay moves no release; speculation about a renewal is no renewal.
        ("'Silo' Season 4 Production Delayed Until Spring",
         "Filming had been due to start next month.", []),
        ("'Silo' Season 4 Delayed Until Spring", "", [("date_change", "2027-spring")]),
        ("'Silo' Renewal Odds: Will Apple Bring It Back for Season 4?", "", []),
        ("'Silo' Season 4 Update", "A decision is expected by January.", []),
        # Old seasons moving to a service, and an offer that ends, are no release.
        ("Peacock Lands 'Silo' Back Catalogue", "Every season will stream there from Jan. 1.", []),
        ("Stream 'Silo' for Less Through Dec. 2", "", []),
        # A crossover is an episode of each show.
        ("'Silo' Crossover With 'Severance' Sets Air Date",
         "The two-part event airs Wednesday, Jan. 6 on Apple TV+.", []),
        # A show changing service moves no release; a disc is not the show.
        ("'Silo' Moves From Apple TV+ to Netflix in January", "", []),
        ("'Silo' Season 3 Moves to January", "", [("date_change", "2027-01")]),
        ("'Silo' Season 3 Blu-ray Release Date Set for Feb. 9", "", []),
        # Each part of a season takes the part named nearest before its day.
        ("Apple Sets 'Silo' Season 3 Part 2 Date",
         "Part 1 of the drama's third season arrives Jan. 29, with Part 2 following Feb. 26.",
         [("premiere", "2027-01-29"), ("return", "2027-02-26")]),
        # Making the show starts on dates of its own.
        ("'Silo' Season 4 Plans", "Writing starts in January.", []),
        ("'Silo' Season 4 Starts in January", "", [("premiere", "2027-01")]),
        # A host or returning players are set, not a release.
        ("'SNL' Sets Host and Musical Guest for Dec. 19", "", []),
        ("'SNL' Sets Season 52 Premiere for Oct. 3", "", [("premiere", "2027-10-03")]),
        ("'Survivor 50' Cast Revealed: 24 Returning Players", "The season premieres Feb. 24.",
         [("premiere", "2027-02-24")]),
        ("'Survivor' Returning in February", "", [("return", "2027-02")]),
        # "Due" is a release word, unless a decision is what is due.
        ("'Silo' Season 4 First Look", "The next season is due in March.",
         [("premiere", "2027-03")]),
        ("'Silo' Season 4 Update", "A decision is due in January.", []),
        # The last episode of a year ends no season.
        ("'Silo' Season 3 News", "The last episode of 2026 airs Dec. 19.", []),
        ("'Silo' Season 3 News", "The last episode airs Dec. 19.", [("finale", "2026-12-19")]),
        # A person returning somewhere is not the show returning.
        ("'SNL' Holiday Show News", "Ryan Gosling returns to Studio 8H on Dec. 19.", []),
        ("'Hacks' News", "Jean Smart returns to the role on Jan. 8.", []),
        ("'Hacks' News", "The comedy returns to HBO Max on Jan. 8.", [("return", "2027-01-08")]),
        # A volume of a season is a part of it.
        ("'Stranger Things 5' Volume 2 Arrives Dec. 25", "", [("return", "2026-12-25")]),
        # A date a release happened "since" is past; one named "the Jan. 22 finale" is the
        # finale's, even after "through".
        ("'Silo' Tops the Charts", "The drama has passed 50 million views since its June 27 debut.",
         []),
        ("'Silo' Tops the Charts", "Season 3 debuts June 27.", [("premiere", "2027-06-27")]),
        ("'Silo' Season 3 Premiere Review",
         "New episodes arrive weekly through the Jan. 22 finale.", [("finale", "2027-01-22")]),
        # A person's debut is not the show's.
        ("'SNL' Recap: Jenna Ortega Hosts",
         "She made her hosting debut Saturday. Next week, Paul Mescal hosts on Dec. 5.", []),
        # "Would" is talk, unless someone said it would.
        ("'Silo' Would Return for Season 4 If Ratings Hold", "", []),
        ("'Silo' Update", "Apple said the drama would return for season 4.", [("renewal", None)]),
        # Returning for a season finale is no renewal.
        ("'Silo': Former Lead Returns for Season Finale", "", []),
        # A holiday episode is set, not a season.
        ("'Silo' Sets Season 3 Holiday Episode", "It airs Dec. 9.", []),
        ("'Silo' Sets Season 3 Premiere for Dec. 9", "", [("premiere", "2026-12-09")]),
        # A finale and the return after the break, each with its day.
        ("'Silo' Fall Finale Sets Up a Cliffhanger",
         "The drama closes out 2026 on Wednesday, Dec. 9, before returning Jan. 6.",
         [("finale", "2026-12-09"), ("return", "2027-01-06")]),
        # A season's start and its finale, each with its day.
        ("'Silo' Season 3 Premieres Dec. 4", "The finale follows on Jan. 22.",
         [("premiere", "2026-12-04"), ("finale", "2027-01-22")]),
        # Production opening the sentence is what resumes, unless the verb is far from it.
        ("'Silo' Season 4 Casts Two", "Production on the Apple TV+ series resumes next spring.",
         []),
        ("'Silo' Season 4 Casts Two",
         "Filming on the drama is under way in Wales, with a premiere expected in 2027.",
         [("premiere", "2027")]),
        # "Will be back" is a return.
        ("'Silo' Season 4 Tease", "Apple said the drama will be back next summer.",
         [("return", "2027-summer")]),
        ("'Silo' Season 4 Tease", "Rebecca Ferguson will be back as Juliette next summer.", []),
        # Under a special's title, the episode that airs is the special.
        ("'Silo' Holiday Special Date Revealed", "The festive episode airs on Christmas Day.",
         [("premiere", "2026-12-25")]),
        ("'Silo' Holiday Episode Date Revealed", "The festive episode airs on Christmas Day.", []),
        # ... and so is one named right after the show, whatever else the story lists.
        ("Christmas TV: The Full Schedule",
         "Highlights include the 'Silo' special on Christmas Day and a cast mini-episode.",
         [("premiere", "2026-12-25")]),
        ("Christmas TV: The Full Schedule",
         "Highlights include a 'Silo' mini-episode on Christmas Day.", []),
        # Back for a few episodes is a guest arc; back for a season is the show.
        ("'Silo' Season 4 News",
         "Sources say Ferguson will be back for two episodes in the spring.", []),
        ("'Silo' Season 4 News",
         "Apple said the drama will be back for its fourth season in the spring.",
         [("return", "2027-spring")]),
        # A day close after "'X' Cast" is the cast's.
        ("'Silo' Cast Reunites for Charity Livestream Dec. 12", "", []),
        # A person's return is not the show's; the drama's is.
        ("'Silo' Boss Teases Rebecca Ferguson's Return in the Spring", "", []),
        ("'Silo' Boss Teases Tim Robbins' Return in the Spring", "", []),
        ("'Silo' Boss Teases the Drama's Return in the Spring", "", [("return", "2027-spring")]),
        # "May" before a day is the month, and "the May 20 series finale" dates the finale.
        ("'Silo' Season 3 Premieres Dec. 4",
         "New episodes arrive weekly through the May 20 series finale.",
         [("premiere", "2026-12-04"), ("finale", "2027-05-20")]),
        ("'Silo' Season 3 News", "The drama may return May 20.", []),
        # A season released "in two parts" on two days.
        ("'Silo' Final Season Date Set",
         "Apple will release the season in two parts, on Feb. 26 and April 2.",
         [("premiere", "2027-02-26"), ("return", "2027-04-02")]),
        # A renewal story's return from a break is the running season's.
        ("'Silo' Renewed for Season 4",
         "The drama, which returns from its winter break Feb. 4, is Apple's most-watched.",
         [("renewal", None), ("return", "2027-02-04")]),
        ("'Silo' Renewed for Season 4", "The drama returns Feb. 4.", [("renewal", None)]),
        # After a past news verb, a month pushed into next year is when the news broke.
        ("'Silo' Spinoff Coming in 2027",
         "Apple renewed the drama in September; new episodes are expected next fall.",
         [("premiere", "2027-fall")]),
    ],
)  # fmt: skip
def test_fact_rule(
    classifier: Classifier, title: str, summary: str, expected: list[tuple[str, str | None]]
) -> None:
    facts = classifier.classify(title, summary, PUBLISHED).facts
    assert [(f.event, f.date.value) for f in facts] == expected


@pytest.mark.parametrize(
    ("title", "about"),
    [
        # A name listed after one named in passing is named in passing too.
        ("Character Actor Dies at 78; Appeared in 'Lost' and 'House'", []),
        ("'Lost' and 'House' Reboots Ordered at ABC", ["Lost", "House"]),
        ("From the Producers of 'Severance', a New Thriller", []),
        ("The Writers of 'Severance' Return for Season 3", []),
        ("Netflix Stock Jumps, Boosted by 'Wednesday' and 'Squid Game'", []),
        ("'Wednesday' and 'Squid Game' Lead Netflix's Top 10", ["Wednesday", "Squid Game"]),
        # An ambiguous name opening a longer quoted title is part of that title.
        ("'Lost in Space' Star Joins ABC's 'The Rookie'", ["The Rookie"]),
        ("'Lost' Reboot Ordered at ABC", ["Lost"]),
        ("'Survivor 51' Cast Revealed", ["Survivor"]),
        ("'Outlander' Author's Tenth Novel Hits Shelves", []),
        ("Disney+ Raises Prices for the Home of 'Andor' and 'Loki'", []),
        ("Apple TV+ Price Rises After Hits Including 'Silo' and 'Severance'", []),
        ("'Andor' and 'Loki' Lead Disney+ Emmy Nominations", ["Andor", "Loki"]),
        # A showrunner stepping down is the show's news; creators' new pilot is not.
        ("'Silo' Showrunner Steps Down", ["Silo"]),
        ("'Silo' Creators Reunite for New CBS Pilot", []),
        ("'Silo' Creators Reunite for Season 3", ["Silo"]),
        # A play or documentary of the show is its own work.
        ("'Silo' Stage Play Opens in London", []),
        ("'Andor' Docuseries Coming to Disney+", []),
        ("Disney+ Orders a Documentary About 'Andor'", []),
        # A filming location is the story's subject, and shows credited for a gain are not.
        ("Chief Joseph Ranch, Where 'Yellowstone' Was Filmed, Opens for Winter Stays", []),
        ("Where 'Severance' Goes From Here", ["Severance"]),
        ("HBO Max Adds 3 Million Subscribers; Executives Credited 'The Pitt'", []),
        # A composer's or guest star's own news is not the show's; a showrunner stepping back
        # or an alum returning is.
        ("'Andor' Composer Earns Grammy Nomination", []),
        ("Obituary: 'The Office' Guest Star Dies at 72", []),
        ("'The Office' Guest Star Talks Season 3", ["The Office"]),
        ("'Doctor Who' Showrunner Is Stepping Back", ["Doctor Who"]),
        ("'Silo' Alum Returns for Season Finale", ["Silo"]),
        ("'Ted Lasso' Cast Member Brett Goldstein Books Hosting Gig at the BAFTAs", []),
        ("'Ted Lasso' Cast Members Talk Season 4", ["Ted Lasso"]),
        # The show another catalogued show follows on from is named in passing; alone, the
        # new series is news for its source's followers.
        (
            "'The Testaments' Premiere Set, Hulu's Sequel to 'The Handmaid's Tale'",
            ["The Testaments"],
        ),
        ("Netflix's Sequel to 'Squid Game' Premieres Dec. 26", ["Squid Game"]),
        # A deals story names shows only as what the offer buys.
        ("Black Friday Streaming Deals: Stream 'Silo' for Less", []),
        ("Apple TV+ Free Weekend: Stream 'Silo' and 'Severance' at No Cost", []),
        ("Stream 'Silo' and 'Severance' on Apple TV+", ["Silo", "Severance"]),
        # A show's producers behind another series name it in passing; "from" one quoted
        # title to another is a list of subjects.
        ("CBS Orders Legal Drama From the 'Tracker' Producers", []),
        ("From 'Silo' to 'Severance': Apple TV+'s Best", ["Silo", "Severance"]),
        ("'Tracker' Producers Tease the Season Finale", ["Tracker"]),
        # Shows executives point to are named in passing.
        ("Netflix Stock Rises as Executives Pointed to 'Wednesday' and 'Squid Game'", []),
        # A price story names shows as what the money buys.
        ("Apple TV+ Raises Prices for 'Silo' and 'Severance' Fans", []),
        ("'Silo' Raises the Stakes in Season 3", ["Silo"]),
        # The show a new one is set after, and another show's breakout, are named in passing.
        (
            "'The Testaments' Trailer: The Drama Set 15 Years After 'The Handmaid's Tale'",
            ["The Testaments"],
        ),
        ("'Severance' Casts 'Silo' Breakout", ["Severance"]),
        ("'Silo' Casts a Breakout Star", ["Silo"]),
        # A star talking about the show keeps the story the show's; about another work, not.
        ("'The Bear' Star Talks Season 5 Finale", ["The Bear"]),
        ("'The Bear' Star Jeremy Allen White Talks Broadway Debut", []),
        ("'The Bear' Star Talks New Film With Director", []),
        # The show another is a follow-up to is named in passing.
        ("'The Testaments' Premiere Set", ["The Testaments"]),
        (
            "'The Testaments', the follow-up to 'The Handmaid's Tale', sets a date",
            ["The Testaments"],
        ),
    ],
)
def test_named_in_passing(classifier: Classifier, title: str, about: list[str]) -> None:
    assert _about(classifier, title) == about


@pytest.mark.parametrize(
    ("title", "summary", "season"),
    [
        # A cancelled show's season is the one the story calls its last ...
        ("Apple TV+ Cancels 'Silo'", "Season 4 will be its last.", 4),
        ("Apple TV+ Cancels 'Silo'", "The drama ends with its third season.", 3),
        # ... never one that will not be made.
        ("'Silo' Season 5 Not Happening", "", None),
        ("'Silo' Won't Return for Season 5", "", None),
        # A release in a "final season" headline takes the number the summary gives it.
        (
            "'Silo' Final Season Premiere Date Set",
            "The fourth and final season of the dystopian drama from Apple TV+ arrives May 7.",
            4,
        ),
        ("'Silo' Final Season Premiere Date Set", "It arrives May 7.", None),
        # A season a few words before the release verb, in a sentence naming no show.
        ("Apple TV+ Sets 'Slow Horses' Return", "Season 6 of the spy drama arrives Oct. 7.", 6),
        # A season a question asks to be renewed is not the one released ...
        ("Is 'Silo' Renewed for Season 4?", "The drama's third season finale airs Friday.", 3),
        # ... but the one a question asks the date of is.
        ("When Does 'Silo' Season 3 Come Out?", "Apple TV+ says the drama returns Friday.", 3),
        # A number inside the show's quoted name is its season.
        ("'Survivor 50' Cast Revealed", "The season premieres Feb. 24.", 50),
        # ... and so is an unquoted one followed by a word of a season.
        ("Survivor 51 cast: Meet the castaways", "The season premieres Feb. 24.", 51),
    ],
)
def test_season_of_a_last_season(
    classifier: Classifier, title: str, summary: str, season: int | None
) -> None:
    facts = classifier.classify(title, summary, PUBLISHED).facts
    assert [f.season for f in facts] == [season]


def test_a_sentence_naming_only_a_season_speaks_of_the_title_show_with_that_season(
    classifier: Classifier,
) -> None:
    facts = classifier.classify(
        "New This Week: 'Silo' Season 3, 'Severance' and More",
        "Season 3 of the thriller drops Thursday; 'Severance' returns for season 2 Dec. 18.",
        PUBLISHED,
    ).facts
    assert [(f.show.title, f.event, f.date.value) for f in facts] == [
        ("Silo", "premiere", "2026-11-26"),
        ("Severance", "return", "2026-12-18"),
    ]


@pytest.mark.parametrize(
    ("title", "summary", "dated_on"),
    [
        # Of several platforms, the one nearest the date in its sentence is the release's ...
        ("Where to Watch 'Yellowstone' Before the Spinoff",
         "All five seasons stream on Peacock; the spinoff arrives on Paramount+ in March.",
         ("2027-03", "Paramount+")),
        # ... and of platforms listed together, the first.
        ("'Doctor Who' Christmas Special Date Revealed",
         "The special airs on BBC One and Disney+ on Christmas Day.", ("2026-12-25", "BBC One")),
    ],
)  # fmt: skip
def test_platform_of_a_release(
    classifier: Classifier, title: str, summary: str, dated_on: tuple[str, str]
) -> None:
    facts = classifier.classify(title, summary, PUBLISHED).facts
    assert [(f.date.value, f.platform) for f in facts] == [dated_on]


@pytest.mark.parametrize(
    ("title", "summary", "about"),
    [
        # A date right after an ambiguous name is TV context only in a story about TV.
        ("NORAD Santa Tracker Returns Dec. 24", "Families can follow Santa's sleigh online.", []),
        ("Tracker Returns Dec. 24", "The drama is back from its break.", ["Tracker"]),
        ("Tracker Returns Dec. 24", "", ["Tracker"]),
    ],
)
def test_a_date_is_tv_context_only_in_a_story_about_tv(
    classifier: Classifier, title: str, summary: str, about: list[str]
) -> None:
    assert _about(classifier, title, summary) == about


def _about(classifier: Classifier, title: str, summary: str = "") -> list[str]:
    return [show.title for show in classifier.classify(title, summary, PUBLISHED).about]
