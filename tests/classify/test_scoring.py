"""Scoring classifications against expected ones."""

from bot.classify.scoring import compatible, score


def story(id_: str, about: list[str], facts: list[dict]) -> dict:  # type: ignore[type-arg]
    return {"id": id_, "about": about, "facts": facts}


def fact(
    show: str, event: str, date: str | None, season: int | None = None, platform: str | None = None
) -> dict:  # type: ignore[type-arg]
    return {"show": show, "event": event, "date": date, "season": season, "platform": platform}


def test_compatible_events() -> None:
    assert compatible("premiere", "return") and compatible("return", "premiere")
    assert compatible("date_change", "premiere") and compatible("finale", "date_change")
    assert not compatible("renewal", "premiere") and not compatible("cancellation", "date_change")


def test_counts_and_exactness() -> None:
    report = score(
        [
            (story("a", ["X"], [fact("X", "premiere", "2027-03-03", 2)]),
             story("a", ["X"], [fact("X", "return", "2027-03-03", 3)])),
            (story("b", [], []), story("b", ["Y"], [fact("Y", "renewal", None)])),
            (story("c", ["Z"], [fact("Z", "finale", "2027-01")]), story("c", ["Z"], [])),
        ]
    )  # fmt: skip
    assert (
        report.about.true_positive,
        report.about.false_positive,
        report.about.false_negative,
    ) == (2, 1, 0)
    assert (
        report.facts.true_positive,
        report.facts.false_positive,
        report.facts.false_negative,
    ) == (1, 1, 1)
    assert report.seasons_right == 0 and report.season_accuracy == 0.0
    assert (report.factless_stories, report.factless_given_facts) == (1, 1)
    assert report.misses == ["a", "b", "c"]
    assert round(report.facts.f1, 3) == 0.5
