"""Classifier benchmark: accuracy on the labelled corpus, and speed against a 10,000-show
catalogue (30,000 aliases) on a stream where 10% of stories are about a catalogued show.

    .venv/bin/python bench/classify.py [--stories 20000]

Speed is one core, one process: matcher build time and stories classified per second.
"""

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

from bot.classify.catalogue import Catalogue, Show
from bot.classify.classifier import Classifier
from bot.classify.cli import load_catalogue
from bot.classify.corpus import evaluate, load_corpus

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "classify"
# Words for made-up titles, and everyday words for the stories no show appears in.
TITLE_WORDS = (
    "silent harbor midnight protocol crimson orchard hollow empire velvet district iron "
    "meridian copper lantern northern echo glass kingdom paper tiger broken compass winter "
    "garden neon saints quiet river burning bridges golden hour shadow line wild coast "
    "electric dreams lonely planet hidden valley twisted fate salt marsh black ledger"
).split()
NEWS = (
    "the council voted on a new budget for the house and the office after friends of the "
    "mayor lost a bid to delay the plan on wednesday while you may see more traffic in march "
    "as crews repair the bridge near the river and officials say the project will finish next "
    "year according to a statement released this morning by the city"
).split()


def synthetic_catalogue(real: Catalogue, count: int, rng: random.Random) -> Catalogue:
    shows = list(real.shows)
    seen = {s.title for s in shows}
    while len(shows) < count:
        words = rng.sample(TITLE_WORDS, rng.randint(2, 4))
        title = " ".join(w.capitalize() for w in words)
        if title in seen:
            continue
        seen.add(title)
        aliases = (f"The {title}", f"{title}: The Series")
        shows.append(Show(title, aliases))
    return Catalogue.build(shows)


def stream(count: int, rng: random.Random) -> list[tuple[str, str, date]]:
    corpus = [s for s in load_corpus(CORPUS) if s["about"]]
    stories = []
    for i in range(count):
        if i % 10 == 0:
            story = corpus[(i // 10) % len(corpus)]
            stories.append(
                (story["title"], story["summary"], date.fromisoformat(story["published"]))
            )
        else:
            title = " ".join(rng.choices(NEWS, k=10)).capitalize()
            summary = " ".join(rng.choices(NEWS, k=40)).capitalize() + "."
            stories.append((title, summary, date(2026, 11, 24)))
    return stories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=20_000)
    parser.add_argument("--shows", type=int, default=10_000)
    args = parser.parse_args()

    real = load_catalogue(CORPUS / "shows.yaml")
    report, _ = evaluate(Classifier(real), load_corpus(CORPUS))
    print(f"corpus: {len(load_corpus(CORPUS))} stories")
    for line in report.lines():
        print(f"  {line}")

    rng = random.Random(7)
    started = time.perf_counter()
    catalogue = synthetic_catalogue(real, args.shows, rng)
    built = time.perf_counter() - started
    aliases = sum(1 + len(s.aliases) for s in catalogue.shows)
    # Build time for the matcher alone, from show entries already in memory.
    started = time.perf_counter()
    Catalogue.build(catalogue.shows)
    build = time.perf_counter() - started
    print(
        f"catalogue: {len(catalogue.shows)} shows, {aliases} names; matcher built in "
        f"{build:.3f} s (with generating the names {built:.3f} s)"
    )

    classifier = Classifier(catalogue)
    stories = stream(args.stories, rng)
    started = time.perf_counter()
    about = 0
    for title, summary, published in stories:
        about += bool(classifier.classify(title, summary, published).about)
    elapsed = time.perf_counter() - started
    print(f"stream: {len(stories)} stories (10% about a catalogued show), {about} classified as "
          f"about one; {len(stories) / elapsed:,.0f} stories/s on one core")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
