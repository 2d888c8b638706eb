"""Labelled stories (YAML) as `classify` input and expected output, for tests and benchmarks."""

from pathlib import Path
from typing import Any

import yaml

from bot.classify.classifier import Classifier
from bot.classify.scoring import Report, score


def load_corpus(folder: Path) -> list[dict[str, Any]]:
    """The stories of every corpus*.yaml in `folder`, with `published` and fact dates as the
    strings `classify` reads and writes."""
    stories = []
    for path in sorted(folder.glob("corpus*.yaml")):
        stories.extend(yaml.safe_load(path.read_text(encoding="utf-8")))
    for story in stories:
        story["published"] = str(story["published"])
        story["summary"] = story.get("summary") or ""
        for fact in story["facts"]:
            fact["date"] = None if fact["date"] is None else str(fact["date"])
    return stories


def evaluate(
    classifier: Classifier, stories: list[dict[str, Any]]
) -> tuple[Report, list[dict[str, Any]]]:
    """Classifies every story; returns the score and the predictions (classify's output)."""
    from datetime import date

    predictions = []
    for story in stories:
        result = classifier.classify(
            story["title"], story["summary"], date.fromisoformat(story["published"])
        )
        predictions.append(
            {
                "id": story["id"],
                "about": [show.title for show in result.about],
                "facts": [fact.as_json() for fact in result.facts],
            }
        )
    return score(zip(stories, predictions, strict=True)), predictions
