"""What happens to stories once they are stored: the classifier reads them, the calendar
learns their facts, and the posts that follow are written to the outbox, all in one
transaction per batch, so a crash neither loses a post nor makes one twice."""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot.domain.calendar import Change
from bot.domain.release import AlertMode
from bot.notify.plan import (
    FactNews,
    Follower,
    StoryNews,
    alert_posts,
    change_posts,
    edit_post,
    joined,
)
from bot.store.db import Store
from bot.store.follows import FollowRepo
from bot.store.outbox import FAILED, PENDING, NewPost, OutboxRepo
from bot.store.releases import Applied, NewFact, ReleaseRepo
from bot.store.shows import ShowRepo
from bot.store.sources import SourceRepo
from bot.store.stories import StoryRepo
from bot.store.tables import Story

if TYPE_CHECKING:
    from bot.classify.classifier import Classification

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class IngestReport:
    stories: int = 0
    facts: int = 0
    posts: int = 0
    applied: list[Applied] = field(default_factory=list)


def classify_new_stories(store: Store, now: datetime) -> IngestReport:
    """Classifies every story not read yet against the current catalogue, updates the
    calendar and queues the alerts and date-change posts."""
    report = IngestReport()
    # With no show to match, reading each story would find nothing: they are marked read.
    # This runs after every poll: the matcher is built only for stories left unread.
    report.stories, unread_left = store.polls.settle_unread(now)
    if not unread_left:
        return report
    with store.session() as session:
        rows = ShowRepo(session).catalogue()
        sources = {s.id: s.name for s in SourceRepo(session).all()}
    # Imported only now: a `poll --once` with nothing to read never loads the classifier.
    from bot.classify.catalogue import Catalogue, Show
    from bot.classify.classifier import Classifier

    ids = {show.title: show.id or 0 for show, _ in rows}
    classifier = Classifier(
        Catalogue.build(Show(s.title, tuple(aliases), s.year, s.network) for s, aliases in rows)
    )
    while True:
        with store.session() as session:
            repo = StoryRepo(session)
            unread = repo.unclassified(BATCH)
            results = {
                story.id: result
                for story in unread
                if (result := classifier.classify(story.title, story.summary,
                                                  story.published_at.date())).about
            }  # fmt: skip
            posts: list[NewPost] = []
            for story_id, story in repo.by_ids(list(results)).items():
                source = sources.get(story.source_id, "")
                posts += _apply(session, story, results[story_id], ids, source, report)
            report.posts += len(OutboxRepo(session).enqueue(posts, now))
            report.posts += _join_sources(OutboxRepo(session), posts, now)
            repo.mark_classified([story.id for story in unread], now)
            report.stories += len(unread)
        if len(unread) < BATCH:
            return report


def _apply(
    session: Session,
    story: Story,
    result: "Classification",
    ids: dict[str, int],
    source: str,
    report: IngestReport,
) -> list[NewPost]:
    assert story.id is not None
    releases = ReleaseRepo(session)
    shows: dict[int, list[FactNews]] = {ids[show.title]: [] for show in result.about}
    moves = []
    for fact in result.facts:
        show_id = ids[fact.show.title]
        applied = releases.apply(
            NewFact(show_id, fact.season, fact.event, fact.date, fact.platform, story.id,
                    story.source_id, story.published_at, fact.air_time)
        )  # fmt: skip
        report.applied.append(applied)
        report.facts += 1
        shows.setdefault(show_id, []).append(
            FactNews(
                fact.show.title,
                fact.headline,
                fact.event,
                fact.season,
                fact.date,
                fact.platform,
                fact.air_time,
            )
        )
        if applied.change == Change.MOVED and applied.old is not None and applied.history_id:
            moves.append((fact, show_id, applied))
        log.info(
            "fact release=%s change=%s date=%s story=%s headline=%r",
            applied.release_id, applied.change, applied.new.value, story.id, fact.headline,
        )  # fmt: skip
    followers = _followers(session, list(shows))
    news = StoryNews(
        story.id, story.title, story.url, story.summary, source, story.published_at,
        story.first_seen_at, story.backlog, story.fingerprint, shows,
    )  # fmt: skip
    posts = alert_posts(news, followers)
    for fact, show_id, applied in moves:
        assert applied.old is not None and applied.history_id is not None
        posts += change_posts(fact.show.title, fact.headline, applied.release_id,
                              applied.history_id, applied.old, applied.new,
                              followers.get(show_id, []))  # fmt: skip
    return posts


def _join_sources(outbox: OutboxRepo, posts: list[NewPost], now: datetime) -> int:
    """Alerts whose news was queued already (from another site): that site joins the first
    alert, in place while it waits, by an edit once it is posted. Returns edits queued."""
    alerts = [post for post in posts if post.kind == "alert"]
    rows = outbox.by_keys([post.dedupe_key for post in alerts], for_update=True)
    edits = []
    for post in alerts:
        row = rows[post.dedupe_key]
        payload = joined(row.payload, post.payload)
        if payload is None or row.status == FAILED:
            continue
        row.payload = payload  # saved with the batch; later joins in it build on this
        if row.status != PENDING:  # posted, or on its way: edit the message
            edits.append(edit_post(row.dedupe_key, row.guild_id, row.channel_id, payload))
    return len(outbox.enqueue(edits, now))


def _followers(session: Session, show_ids: list[int]) -> dict[int, list[Follower]]:
    return {
        show_id: [
            Follower(f.guild_id, f.channel_id, f.created_at, AlertMode(mode), f.role_id)
            for f, mode in rows
        ]
        for show_id, rows in FollowRepo(session).followers(show_ids).items()
    }
