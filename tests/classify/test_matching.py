"""Finding catalogued names in any spelling, bounded by words, longest name first."""

from pathlib import Path

import pytest

from bot.classify.catalogue import Catalogue, Show
from bot.classify.cli import load_catalogue
from bot.classify.corpus import load_corpus
from bot.classify.text import Text, story_text

CATALOGUE = Catalogue.build(
    [
        Show("Grey's Anatomy"),
        Show("Law & Order"),
        Show("Pokémon Horizons"),
        Show("Star Trek: Picard", ("Picard",)),
        Show("The Office"),
        Show("Survivor"),
        Show("Designated Survivor"),
        Show("Only Murders in the Building", ("OMITB",)),
    ]
)


def found(title: str) -> list[tuple[str, str]]:
    text = Text.of(title, "")
    return [(m.show.title, text.span(m.first, m.last)) for m in CATALOGUE.mentions(text)]


@pytest.mark.parametrize(
    ("written", "show"),
    [
        ("GREY’S ANATOMY returns", "Grey's Anatomy"),
        ("grey's anatomy returns", "Grey's Anatomy"),
        ("Law and Order is back", "Law & Order"),
        ("LAW & ORDER is back", "Law & Order"),
        ("Pokemon Horizons part 2", "Pokémon Horizons"),
        ("Star Trek - Picard season 3", "Star Trek: Picard"),
        ("Office reboot", "The Office"),
        ("The Office reboot", "The Office"),
        ("only murders in the building", "Only Murders in the Building"),
        ("OMITB season 6", "Only Murders in the Building"),
    ],
)
def test_spellings(written: str, show: str) -> None:
    assert [title for title, _ in found(written)] == [show]


def test_longest_name_wins() -> None:
    assert found("Designated Survivor and Survivor") == [
        ("Designated Survivor", "Designated Survivor"),
        ("Survivor", "Survivor"),
    ]


@pytest.mark.parametrize("text", ["Pokemon", "Officer", "Picardie region", "Survivors unite"])
def test_whole_words_only(text: str) -> None:
    assert found(text) == []


def test_short_name_for_headlines() -> None:
    assert Show("Star Trek: Picard", ("Picard",)).short == "Picard"
    assert Show("Only Murders in the Building", ("OMITB",)).short == "Only Murders in the Building"
    rings = Show(
        "The Lord of the Rings: The Rings of Power", ("The Rings of Power", "Rings of Power")
    )
    assert rings.short == "Rings of Power"


def test_ten_thousand_shows_build_and_match() -> None:
    shows = [Show(f"Show Number {i}", (f"SN{i}", f"The Number {i} Show")) for i in range(10_000)]
    catalogue = Catalogue.build(shows)
    text = Text.of("Show Number 7421 renewed; the number 15 show returns", "")
    assert [m.show.title for m in catalogue.mentions(text)] == [
        "Show Number 7421",
        "Show Number 15",
    ]


def test_quick_check_agrees_with_the_full_match() -> None:
    """The classifier skips tokenising a story when may_mention says no name is written:
    that must never drop a story the full match would find."""
    here = Path(__file__).parent
    catalogue = load_catalogue(here / "shows.yaml")
    stories = [(s["title"], s["summary"]) for s in load_corpus(here)]
    stories += [("Picard’s crew returns", ""), ("The council met", "No show at all."), ("", "")]
    agreed = [
        catalogue.may_mention(story_text(title, summary))
        == bool(catalogue.mentions(Text.of(title, summary)))
        for title, summary in stories
    ]
    assert all(agreed)
    assert any(catalogue.may_mention(story_text(t, s)) for t, s in stories)
    assert not all(catalogue.may_mention(story_text(t, s)) for t, s in stories)
    assert not Catalogue.build([]).may_mention("Picard returns")
