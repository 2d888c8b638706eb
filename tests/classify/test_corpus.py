"""The classifier on the labelled corpus: the accuracy the product promises, per kind of story."""

from pathlib import Path

import pytest

from bot.classify.classifier import Classifier
from bot.classify.cli import load_catalogue
from bot.classify.corpus import evaluate, load_corpus

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_catalogue(HERE / "shows.yaml"))


def test_corpus_is_large_and_covers_every_kind(classifier: Classifier) -> None:
    stories = load_corpus(HERE)
    assert len(stories) >= 160
    kinds = {story["id"].split("-")[0] for story in stories}
    assert {"prem", "ret", "fin", "ren", "can", "chg", "approx", "rel", "roll", "round"} <= kinds
    assert {"amb", "ctx", "pass", "film", "past", "nodate", "b"} <= kinds
    assert len({story["id"] for story in stories}) == len(stories)


def test_accuracy_on_the_corpus(classifier: Classifier) -> None:
    report, _ = evaluate(classifier, load_corpus(HERE))
    summary = "\n".join(report.lines()) + f"\nmisses: {report.misses}"
    assert report.about.f1 >= 0.90, summary
    assert report.facts.f1 >= 0.85, summary
    assert report.season_accuracy >= 0.90, summary
    assert report.platform_accuracy >= 0.90, summary
    assert report.factless_given_facts <= 0.05 * report.factless_stories, summary


@pytest.mark.parametrize("kind", ["amb", "pass", "film", "past"])
def test_no_facts_from_stories_that_state_none(classifier: Classifier, kind: str) -> None:
    stories = [s for s in load_corpus(HERE) if s["id"].startswith(kind + "-")]
    _, predictions = evaluate(classifier, stories)
    given = {p["id"]: p["facts"] for p in predictions if p["facts"]}
    assert given == {}
