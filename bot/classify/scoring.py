"""How well classifications match expected ones: precision, recall and F1 for `about` and
for facts, season and platform accuracy, and how many fact-less stories were given facts."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_RELEASE_EVENTS = frozenset({"premiere", "return"})


@dataclass
class Counts:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    about: Counts = field(default_factory=Counts)
    facts: Counts = field(default_factory=Counts)
    seasons_right: int = 0
    platforms_right: int = 0
    factless_stories: int = 0
    factless_given_facts: int = 0
    misses: list[str] = field(default_factory=list)  # story ids that were not exactly right

    @property
    def season_accuracy(self) -> float:
        return self.seasons_right / self.facts.true_positive if self.facts.true_positive else 1.0

    @property
    def platform_accuracy(self) -> float:
        return self.platforms_right / self.facts.true_positive if self.facts.true_positive else 1.0

    def lines(self) -> list[str]:
        return [
            f"about: precision {self.about.precision:.3f} recall {self.about.recall:.3f} "
            f"F1 {self.about.f1:.3f}",
            f"facts: precision {self.facts.precision:.3f} recall {self.facts.recall:.3f} "
            f"F1 {self.facts.f1:.3f}",
            f"season accuracy {self.season_accuracy:.3f}, platform accuracy "
            f"{self.platform_accuracy:.3f} (over {self.facts.true_positive} matched facts)",
            f"fact-less stories given a fact: {self.factless_given_facts} of "
            f"{self.factless_stories}",
        ]


def compatible(expected: str, predicted: str) -> bool:
    """Premiere and return name the same kind of release; a date change is compatible with
    the release whose date moves."""
    if expected == predicted:
        return True
    if {expected, predicted} <= _RELEASE_EVENTS:
        return True
    if "date_change" in (expected, predicted):
        other = predicted if expected == "date_change" else expected
        return other in _RELEASE_EVENTS | {"finale"}
    return False


def score(pairs: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> Report:
    """Scores (expected, predicted) records shaped like `classify` output lines."""
    report = Report()
    for expected, predicted in pairs:
        exact = True
        want, got = set(expected["about"]), set(predicted["about"])
        report.about.true_positive += len(want & got)
        report.about.false_positive += len(got - want)
        report.about.false_negative += len(want - got)
        exact &= want == got
        if not expected["facts"]:
            report.factless_stories += 1
            if predicted["facts"]:
                report.factless_given_facts += 1
        unused = list(predicted["facts"])
        for fact in expected["facts"]:
            match = next((p for p in unused if _same_fact(fact, p)), None)
            if match is None:
                report.facts.false_negative += 1
                exact = False
                continue
            unused.remove(match)
            report.facts.true_positive += 1
            report.seasons_right += match["season"] == fact["season"]
            report.platforms_right += match["platform"] == fact["platform"]
            exact &= match["season"] == fact["season"] and match["platform"] == fact["platform"]
        report.facts.false_positive += len(unused)
        exact &= not unused
        if not exact:
            report.misses.append(str(expected["id"]))
    return report


def _same_fact(expected: Mapping[str, Any], predicted: Mapping[str, Any]) -> bool:
    return (
        expected["show"] == predicted["show"]
        and compatible(expected["event"], predicted["event"])
        and expected["date"] == predicted["date"]
    )
