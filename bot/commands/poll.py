"""`premiere-bot poll --once`: one cycle over the due sources (bot/feeds/poll.py), with
feeds.yaml applied first when it changed, and a line per source."""

import argparse
import gc
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from bot.commands.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    config_path,
    imports_done,
    on_store,
    read_config,
    say_unusable,
)
from bot.commands.stopping import sigterm

if TYPE_CHECKING:
    from bot.basic_settings import BasicSettings
    from bot.config import FeedsConfig
    from bot.feeds.fetched import FeedFetcher
    from bot.feeds.poll import PollOutcome
    from bot.store.db import Store
    from bot.store.polls import ConfigRead, ConfigState, PollSettings, PollStore

log = logging.getLogger(__name__)


def poll(args: argparse.Namespace, settings: "BasicSettings") -> int:
    """One cycle on the polls repository alone: SQLAlchemy and the ORM are loaded only when
    the schema needs migrating, feeds.yaml applying, or stories classifying, so a poll of
    unchanged feeds costs little more than its requests (see bot/store/polls.py). Nor is
    feeds.yaml read again when its bytes are those the last poll read and applied."""
    import asyncio
    from datetime import UTC, datetime

    from bot.feeds.early import EarlyPolls
    from bot.feeds.parsing_pool import ParsingPool
    from bot.feeds.poll import Poller
    from bot.store.polls import PollStore

    if args.fetching is None:
        from bot.feeds.fetch import Fetcher

    # A fetch cycle over 1,000 feeds leaves only a few thousand objects in reference cycles,
    # and collecting during it cost 0.02-0.03 s of a 0.75 s cycle; turned on after it, the
    # collector walked what the cycle left alive (0.05-0.09 s after a first poll of 200
    # feeds) to find nothing. Classifying 15,000 stories left 60,000 (12 MB), so the
    # collector is turned on for that alone.
    held_off = imports_done(collect=False)
    if not args.once:
        print("poll runs one cycle: pass --once (`run` polls continuously)", file=sys.stderr)
        return EXIT_USAGE
    try:
        polls = PollStore.connect(settings.database_url)
    except (ValueError, OSError) as error:  # a URL of no known database, a folder not made
        say_unusable(error)
        return EXIT_INVALID

    async def cycle(finished: "Callable[[PollOutcome], object]", plan: "_PollPlan") -> int:
        parsers = ParsingPool()
        try:
            if args.fetching is None:
                async with Fetcher.open() as fetcher:
                    return await poll_through(fetcher, parsers, finished, plan)
            try:
                return await poll_through(args.fetching, parsers, finished, plan)
            finally:
                await args.fetching.aclose()
        finally:
            parsers.close()

    async def poll_through(
        fetcher: "FeedFetcher",
        parsers: ParsingPool,
        finished: "Callable[[PollOutcome], object]",
        plan: "_PollPlan",
    ) -> int:
        """The cycle, after applying feeds.yaml if the plan says so; the URLs of its sources
        that have no row yet are polled meanwhile (bot/feeds/early.py)."""
        fetcher.set_limits(plan.settings.fetch_timeout, plan.settings.max_feed_size)
        early = EarlyPolls(fetcher, parsers)
        try:
            if plan.apply is not None:
                config, new = plan.apply
                early.start(new)
                code = await asyncio.to_thread(on_store, settings, lambda s: _apply(config, s))
                if code != EXIT_OK:
                    return code
            if plan.remember is not None:  # applied now or before: the next poll need not read it
                polls.remember_config_read(plan.remember)
            if args.sources and not _sources_known(polls, args.sources):
                return EXIT_USAGE
            backlog_age = plan.settings.backlog_age
            poller = Poller(polls, fetcher, parsers, backlog_age=backlog_age, early=early)
            everything = args.all or bool(args.sources)
            if not await poller.cycle(everything=everything, names=args.sources, finished=finished):
                _say_none_due(polls)
            return EXIT_OK
        finally:
            await early.close()

    finished: list[PollOutcome] = []  # in the order the sources were done with
    try:
        plan = _poll_plan(polls, args, settings)
        if plan is None:
            return EXIT_INVALID
        code = sigterm.run(cycle(finished.append, plan))
        if code != EXIT_OK:
            return code
        if polls.settle_unread(datetime.now(UTC))[1]:
            if held_off:
                gc.enable()
            return on_store(settings, _classify_unread)
        return EXIT_OK
    except polls.errors as error:
        say_unusable(error)
        return EXIT_INVALID
    finally:
        polls.close()
        # Also when Ctrl-C or a failing database cuts the command short: the sources that
        # finished were stored, and saying which spares the user a guess.
        _print_outcomes(finished, as_json=args.json)


class _PollPlan(NamedTuple):
    """What a poll does before its cycle, from feeds.yaml and the database."""

    settings: "PollSettings"
    # The config to apply, and its new sources' URLs with their own fetch timeouts.
    apply: "tuple[FeedsConfig, dict[str, float | None]] | None"
    remember: "ConfigRead | None"  # what to keep of feeds.yaml, once applied


def _poll_plan(
    polls: "PollStore", args: argparse.Namespace, settings: "BasicSettings"
) -> _PollPlan | None:
    """The plan, or None after printing feeds.yaml's problems. A feeds.yaml of the bytes the
    last poll read, whose configuration is the one applied, is not read again."""
    from bot.store.polls import ConfigRead, PollSettings

    state = polls.config_state()
    data = _config_bytes(config_path(args, settings))
    read = state.read_before(data) if data is not None else None
    if read is not None:
        return _PollPlan(read.settings, None, None)
    config = read_config(args, settings, data)
    if config is None:
        return None
    digest = config.digest()
    new = _unapplied_sources(polls, config, digest, state, args.sources)
    taken = PollSettings.of(config.defaults)
    remember = None
    if data is not None:
        remember = ConfigRead(ConfigRead.file_digest(data), digest, taken)
    return _PollPlan(taken, None if new is None else (config, new), remember)


def _config_bytes(path: Path) -> bytes | None:
    """The file's bytes; None if it cannot be read (loading it then says why)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _unapplied_sources(
    polls: "PollStore", config: "FeedsConfig", digest: str, state: "ConfigState", names: list[str]
) -> "dict[str, float | None] | None":
    """None when the schema is current and `config` (whose digest is `digest`) applied
    already; else the URLs of its enabled sources that have no row yet (every one, before
    the schema exists) and are among `names` if any are given (--source), with their own
    fetch timeouts. Not those behind the address guard: early polls are trusted."""
    if state.applied_already(digest):
        return None
    known = polls.source_urls() if state.revision is not None else set()
    return {
        source.url: source.fetch_timeout_seconds
        for source in config.sources
        if source.enabled
        and not config.guarded(source)
        and source.url not in known
        and (not names or source.name in names)
    }


def _apply(config: "FeedsConfig", store: "Store") -> int:
    from datetime import UTC, datetime

    from bot.store.sync import apply_config

    with store.session() as session:
        apply_config(session, config, datetime.now(UTC))
    return EXIT_OK


def _classify_unread(store: "Store") -> int:
    from datetime import UTC, datetime

    from bot.ingest import classify_new_stories

    classify_new_stories(store, datetime.now(UTC))
    return EXIT_OK


def _sources_known(polls: "PollStore", names: list[str]) -> bool:
    """Whether every name given to --source is an enabled source's; if not, says which is
    not, and the name meant if one is close (names are matched exactly)."""
    import difflib

    enabled = polls.enabled_names()
    unknown = [name for name in dict.fromkeys(names) if name not in enabled]
    for name in unknown:
        close = difflib.get_close_matches(name, enabled, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (premiere-bot status lists them)"
        print(f"poll: no enabled source named {name!r}{hint}", file=sys.stderr)
    return not unknown


def _say_none_due(polls: "PollStore") -> None:
    """A poll that found nothing to do says why, and when there will be something, on the
    log (quiet at LOG_LEVEL=WARNING, as a poll from cron runs)."""
    from datetime import UTC, datetime

    upcoming = polls.next_due(datetime.now(UTC))
    if upcoming is None:
        log.info("no source to poll: feeds.yaml lists no enabled source")
        return
    name, when = upcoming
    log.info("no source is due: the next, %s, is due at %s UTC (--all polls every source now)",
             name, f"{when:%Y-%m-%d %H:%M:%S}")  # fmt: skip


def _print_outcomes(outcomes: "list[PollOutcome]", *, as_json: bool) -> None:
    import json

    def line(outcome: "PollOutcome") -> str:
        if as_json:
            return json.dumps(outcome.as_json())
        detail = f"error: {outcome.error}" if outcome.error else f"new={outcome.new}"
        http = outcome.http_status or "-"
        return f"{outcome.source}: {outcome.status} http={http} {detail} ({outcome.elapsed_ms} ms)"

    # One write: with PYTHONUNBUFFERED set, print made two system calls a line (200 lines to
    # a pipe: 1.2 ms, against 0.45 ms for one write).
    sys.stdout.write("".join(f"{line(outcome)}\n" for outcome in outcomes))
