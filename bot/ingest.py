"""What happens to stories once they are stored: the classifier reads them and the calendar
learns their facts. Runs after each poll cycle; a story is read once (classified_at)."""

import logging
from dataclasses import dataclass, field
from datetime import datetime

from bot.classify.catalogue import Catalogue, Show
from bot.classify.classifier import Classifier
from bot.store.db import Store
from bot.store.releases import Applied, NewFact, ReleaseRepo
from bot.store.shows import ShowRepo
from bot.store.stories import StoryRepo

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class IngestReport:
    stories: int = 0
    facts: int = 0
    applied: list[Applied] = field(default_factory=list)


def classify_new_stories(store: Store, now: datetime) -> IngestReport:
    """Classifies every story not read yet against the current catalogue, and applies the
    facts to the calendar, one transaction per batch."""
    report = IngestReport()
    with store.session() as session:
        rows = ShowRepo(session).catalogue()
    ids = {show.title: show.id for show, _ in rows}
    catalogue = Catalogue.build(
        Show(show.title, tuple(aliases), show.year, show.network) for show, aliases in rows
    )
    classifier = Classifier(catalogue)
    while True:
        with store.session() as session:
            stories = StoryRepo(session).unclassified(BATCH)
            releases = ReleaseRepo(session)
            for story in stories:
                assert story.id is not None
                result = classifier.classify(story.title, story.summary, story.published_at.date())
                for fact in result.facts:
                    show_id = ids[fact.show.title]
                    assert show_id is not None
                    applied = releases.apply(
                        NewFact(
                            show_id=show_id,
                            season=fact.season,
                            event=fact.event,
                            date=fact.date,
                            platform=fact.platform,
                            story_id=story.id,
                            source_id=story.source_id,
                            published=story.published_at,
                        )
                    )
                    report.applied.append(applied)
                    report.facts += 1
                    log.info("fact release=%s change=%s date=%s story=%s headline=%r",
                             applied.release_id, applied.change, applied.new.value, story.id,
                             fact.headline)  # fmt: skip
            StoryRepo(session).mark_classified([s.id for s in stories if s.id is not None], now)
            report.stories += len(stories)
        if len(stories) < BATCH:
            return report
