"""Composition root and command line: `premiere-bot COMMAND` or `python -m bot COMMAND`.

Each command imports what it needs when it runs, so `check` and `poll` start fast and
never load discord.py.
"""

import argparse
import gc
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from bot import __version__

if TYPE_CHECKING:
    from datetime import timedelta

    from sqlalchemy import Engine

    from bot.config import FeedsConfig
    from bot.feeds.fetched import FeedFetcher
    from bot.feeds.poll import PollOutcome
    from bot.settings import Settings
    from bot.store.db import Store
    from bot.store.polls import ConfigRead, ConfigState, PollStore

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # what shells report for a command stopped by Ctrl-C
log = logging.getLogger("bot")


def cli() -> int:
    """The `premiere-bot` process: `main` with the garbage collector kept off the start-up.

    A command's imports (SQLAlchemy, pydantic, aiohttp) make a few hundred thousand objects
    that live until exit. Collecting while they are made finds nothing, and every later full
    collection, the last one at exit included, would walk them all again: about a fifth of
    a `poll --once` over 1,000 unchanged feeds. So collection waits until the command has
    imported (`_imports_done`), and what is alive then is frozen out of the collector's sight.
    Commands that end soon after importing (check, status, db) never turn it back on.

    Ctrl-C ends any command with one line, not a traceback: every write is a transaction, so
    what was committed stays, and what was not is done again by the next run (`run` itself
    stops cleanly on SIGINT and SIGTERM).

    A reader that stops reading early (`poll --once --json | head -3`) is not a failure:
    output is written once the work is done, so the rest of it is dropped quietly.
    """
    gc.disable()
    try:
        code = main(may_fork=True)
        sys.stdout.flush()  # a reader gone shows up here, not as a warning at exit
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        if not _reader_gone():
            raise  # a broken pipe of another kind is a bug like any other
        # Python would flush stdout again at exit and complain: point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    finally:
        gc.freeze()  # what is left dies with the process: no full collection at exit


def _reader_gone() -> bool:
    """Whether stdout is a pipe or socket whose reading end was closed."""
    import select

    probe = select.poll()
    probe.register(sys.stdout.fileno(), select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _, events in probe.poll(0))


def _imports_done(*, collect: bool = True) -> bool:
    """A command calls this once it has imported what it needs and is about to work: what
    is alive is frozen, and the collector turned on unless `collect` is False (the command
    turns it on itself when it starts making garbage worth collecting). Returns whether
    `cli` held the collector off; when it did not (main called in-process, as tests do),
    does nothing."""
    held_off = not gc.isenabled()
    if held_off:
        gc.freeze()
        if collect:
            gc.enable()
    return held_off


def main(argv: Sequence[str] | None = None, *, may_fork: bool = False) -> int:
    """The command line. `may_fork`: this is the `premiere-bot` process itself (`cli`), and
    `poll --once` may fork its fetching child; a test calling main in-process never forks."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    args.fetching = None
    # Before the imports below, so the child's import of aiohttp runs beside them.
    if may_fork and args.handler is _poll and args.once:
        from bot.feeds.fetch_process import FetchProcess

        args.fetching = FetchProcess.fork()
    try:
        return _configured(args)
    finally:
        if args.fetching is not None:
            args.fetching.close()


def _configured(args: argparse.Namespace) -> int:
    """Reads the settings, sets up logging and runs the command."""
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        settings = Settings()
    except ValidationError as error:
        # One line per setting, named as in the environment. Values are not repeated: a
        # DATABASE_URL may hold a password.
        print("invalid settings (environment or .env):", file=sys.stderr)
        for problem in error.errors(include_input=False, include_url=False):
            name = "_".join(str(part) for part in problem["loc"]).upper() or "settings"
            message = problem["msg"].removeprefix("Value error, ")
            print(f"  {name}: {message}", file=sys.stderr)
        return EXIT_INVALID
    from bot.logs import configure

    configure(settings.log_level, args.log_format)
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    return handler(args, settings)


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="the feeds.yaml to use (default: $FEEDS_FILE, else ./feeds.yaml)",
    )
    common.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="log lines on stderr as text (default) or one JSON object each",
    )
    parser = argparse.ArgumentParser(
        prog="premiere-bot",
        description="A self-hosted Discord bot that tracks TV premieres from news feeds.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser("run", parents=[common], help="run the bot")
    run.add_argument(
        "--console", action="store_true", help="print posts to the terminal instead of Discord"
    )
    run.set_defaults(handler=_run)

    check = commands.add_parser("check", parents=[common], help="validate feeds.yaml")
    check.set_defaults(handler=_check)

    poll = commands.add_parser("poll", parents=[common], help="poll the feeds")
    poll.add_argument("--once", action="store_true", help="one cycle over the due sources")
    poll.add_argument("--all", action="store_true", help="every enabled source, due or not")
    poll.add_argument("--json", action="store_true", help="one JSON object per source")
    poll.set_defaults(handler=_poll)

    classify = commands.add_parser(
        "classify", parents=[common], help="classify stories given as JSON lines"
    )
    classify.add_argument("--shows", type=Path, metavar="FILE", help="YAML with a shows: list")
    classify.add_argument("--input", type=Path, metavar="FILE", help="JSON lines (default stdin)")
    classify.add_argument("--output", type=Path, metavar="FILE", help="default stdout")
    classify.set_defaults(handler=_classify)

    calendar = commands.add_parser("calendar", parents=[common], help="show the release calendar")
    calendar.add_argument("--days", type=int, default=90, help="how far ahead (default 90)")
    calendar.add_argument("--all", action="store_true", help="the whole catalogue, not followed")
    calendar.add_argument("--json", action="store_true", help="one JSON object per release")
    calendar.add_argument("--ics", type=Path, metavar="FILE", help="write an iCalendar file")
    calendar.set_defaults(handler=_calendar)

    status = commands.add_parser("status", parents=[common], help="sources, queue, next posts")
    status.set_defaults(handler=_status)

    db = commands.add_parser("db", parents=[common], help="database schema")
    db_commands = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    db_commands.add_parser(
        "upgrade", help="migrate the database to the newest schema"
    ).set_defaults(handler=_db_upgrade)
    db_commands.add_parser("current", help="print the schema revision").set_defaults(
        handler=_db_current
    )
    return parser


def _config_path(args: argparse.Namespace, settings: "Settings") -> Path:
    return args.config or settings.feeds_file


def _check(args: argparse.Namespace, settings: "Settings") -> int:
    config = _load_config(args, settings)
    if config is None:
        return EXIT_INVALID
    path = _config_path(args, settings)
    print(
        f"{path}: ok ({len(config.sources)} sources, {len(config.shows)} shows, "
        f"{len(config.subscriptions)} subscriptions)"
    )
    return EXIT_OK


def _load_config(
    args: argparse.Namespace, settings: "Settings", data: bytes | None = None
) -> "FeedsConfig | None":
    """The validated feeds.yaml (whose bytes are `data` if read already), or None after
    printing its problems."""
    from bot.config import ConfigError, load_config

    try:
        return load_config(_config_path(args, settings), data)
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return None


def _config_and_store(
    args: argparse.Namespace, settings: "Settings"
) -> "tuple[FeedsConfig, Store] | None":
    """The validated feeds.yaml and the migrated database, or None after saying what is wrong."""
    config = _load_config(args, settings)
    store = _open_store(settings) if config else None
    return (config, store) if config is not None and store is not None else None


def _with_store(
    args: argparse.Namespace,
    settings: "Settings",
    work: "Callable[[FeedsConfig, Store], int]",
) -> int:
    """Runs a command's `work` on the validated feeds.yaml and the open database."""
    config = _load_config(args, settings)
    return EXIT_INVALID if config is None else _on_store(settings, lambda s: work(config, s))


def _on_store(settings: "Settings", work: "Callable[[Store], int]") -> int:
    """Runs `work` on the open database, and closes it. A database that fails midway (a
    table missing, locked past the busy timeout) is reported the same way as one that cannot
    be opened: one line, exit 1, no traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    store = _open_store(settings)
    if store is None:
        return EXIT_INVALID
    try:
        return work(store)
    except SQLAlchemyError as error:
        _say_unusable(error)
        return EXIT_INVALID
    finally:
        store.close()


def _open_store(settings: "Settings") -> "Store | None":
    """The database, created and migrated if need be, or None after saying why it is unusable."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.db import Store, UnknownRevision

    try:
        return Store.open(settings.database_url)
    # OSError: a SQLite file's folder not made; UnknownRevision: a newer bot's schema
    except (SQLAlchemyError, OSError, UnknownRevision) as error:
        _say_unusable(error)
        return None


def _poll(args: argparse.Namespace, settings: "Settings") -> int:
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
    held_off = _imports_done(collect=False)
    if not args.once:
        print("poll runs one cycle: pass --once (`run` polls continuously)", file=sys.stderr)
        return EXIT_USAGE
    try:
        polls = PollStore.connect(settings.database_url)
    except (ValueError, OSError) as error:  # a URL of no known database, a folder not made
        _say_unusable(error)
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
        early = EarlyPolls(fetcher, parsers)
        try:
            if plan.apply is not None:
                config, new = plan.apply
                early.start(new)
                code = await asyncio.to_thread(_on_store, settings, lambda s: _apply(config, s))
                if code != EXIT_OK:
                    return code
            if plan.remember is not None:  # applied now or before: the next poll need not read it
                polls.remember_config_read(plan.remember)
            poller = Poller(polls, fetcher, parsers, backlog_age=plan.backlog_age, early=early)
            await poller.cycle(everything=args.all, finished=finished)
            return EXIT_OK
        finally:
            await early.close()

    finished: list[PollOutcome] = []  # in the order the sources were done with
    try:
        plan = _poll_plan(polls, args, settings)
        if plan is None:
            return EXIT_INVALID
        code = asyncio.run(cycle(finished.append, plan))
        if code != EXIT_OK:
            return code
        if polls.settle_unread(datetime.now(UTC))[1]:
            if held_off:
                gc.enable()
            return _on_store(settings, _classify_unread)
        return EXIT_OK
    except polls.errors as error:
        _say_unusable(error)
        return EXIT_INVALID
    finally:
        polls.close()
        # Also when Ctrl-C or a failing database cuts the command short: the sources that
        # finished were stored, and saying which spares the user a guess.
        _print_outcomes(finished, as_json=args.json)


class _PollPlan(NamedTuple):
    """What a poll does before its cycle, from feeds.yaml and the database."""

    backlog_age: "timedelta"
    apply: "tuple[FeedsConfig, list[str]] | None"  # the config to apply, its sources' new URLs
    remember: "ConfigRead | None"  # what to keep of feeds.yaml, once applied


def _poll_plan(
    polls: "PollStore", args: argparse.Namespace, settings: "Settings"
) -> _PollPlan | None:
    """The plan, or None after printing feeds.yaml's problems. A feeds.yaml of the bytes the
    last poll read, whose configuration is the one applied, is not read again."""
    from bot.store.polls import ConfigRead

    state = polls.config_state()
    data = _config_bytes(_config_path(args, settings))
    read = state.read_before(data) if data is not None else None
    if read is not None:
        return _PollPlan(read.backlog_age, None, None)
    config = _load_config(args, settings, data)
    if config is None:
        return None
    new = _unapplied_sources(polls, config, state)
    backlog_age = config.defaults.backlog_age
    remember = None
    if data is not None:
        remember = ConfigRead(ConfigRead.file_digest(data), config.digest(), backlog_age)
    return _PollPlan(backlog_age, None if new is None else (config, new), remember)


def _config_bytes(path: Path) -> bytes | None:
    """The file's bytes; None if it cannot be read (loading it then says why)."""
    try:
        return path.read_bytes()
    except OSError:
        return None


def _unapplied_sources(
    polls: "PollStore", config: "FeedsConfig", state: "ConfigState"
) -> list[str] | None:
    """None when the schema is current and `config` applied already; else the URLs of its
    enabled sources that have no row yet (every one, before the schema exists)."""
    if state.applied_already(config.digest()):
        return None
    known = polls.source_urls() if state.revision is not None else set()
    return [source.url for source in config.sources if source.enabled and source.url not in known]


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


def _print_outcomes(outcomes: "list[PollOutcome]", *, as_json: bool) -> None:
    import json

    for outcome in outcomes:
        if as_json:
            print(json.dumps(outcome.as_json()), flush=False)
        else:
            detail = f"error: {outcome.error}" if outcome.error else f"new={outcome.new}"
            http = outcome.http_status or "-"
            print(f"{outcome.source}: {outcome.status} http={http} {detail} "
                  f"({outcome.elapsed_ms} ms)")  # fmt: skip


def _classify(args: argparse.Namespace, settings: "Settings") -> int:
    from bot.classify.classifier import Classifier
    from bot.classify.cli import ShowsFileError, classify_lines, load_catalogue

    _imports_done()
    shows = args.shows or _config_path(args, settings)
    try:
        classifier = Classifier(load_catalogue(shows))
    except ShowsFileError as error:
        print(error, file=sys.stderr)
        return EXIT_INVALID
    source = args.input.open(encoding="utf-8") if args.input else sys.stdin
    target = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    try:
        return classify_lines(classifier, source, target, sys.stderr)
    finally:
        if args.input:
            source.close()
        if args.output:
            target.close()


def _calendar(args: argparse.Namespace, settings: "Settings") -> int:
    import json
    from datetime import UTC, datetime

    from sqlmodel import select

    from bot.calendar_view import entries, ics
    from bot.store.releases import ReleaseRepo
    from bot.store.sync import apply_config
    from bot.store.tables import Follow

    def work(config: "FeedsConfig", store: "Store") -> int:
        with store.session() as session:
            apply_config(session, config, datetime.now(UTC))
            followed_only = not args.all
            if followed_only and session.exec(select(Follow.id)).first() is None:
                print("nobody follows a show yet: showing the whole catalogue", file=sys.stderr)
                followed_only = False
            today = datetime.now(UTC).date()
            items = entries(ReleaseRepo(session), today, args.days, followed_only=followed_only)
        if args.ics:
            args.ics.write_bytes(ics(items))
        for item in items:
            print(json.dumps(item.as_json(), ensure_ascii=False) if args.json else item.line())
        return EXIT_OK

    return _with_store(args, settings, work)


def _status(args: argparse.Namespace, settings: "Settings") -> int:
    from datetime import UTC, datetime

    from bot.status import read_status

    def work(config: "FeedsConfig", store: "Store") -> int:
        with store.session() as session:
            print("\n".join(read_status(session, datetime.now(UTC), config.defaults).lines()))
        return EXIT_OK

    return _with_store(args, settings, work)


def _engine(settings: "Settings") -> "Engine | None":
    """The database's engine, or None after saying why there can be none."""
    from bot.store.db import make_engine

    try:
        return make_engine(settings.database_url)
    except OSError as error:  # a SQLite file's folder not made
        _say_unusable(error)
        return None


def _db_upgrade(args: argparse.Namespace, settings: "Settings") -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.db import UnknownRevision, migrate, schema_revision

    engine = _engine(settings)
    if engine is None:
        return EXIT_INVALID
    try:
        migrate(engine)
        print(f"database at revision {schema_revision(engine)}")
    except (SQLAlchemyError, UnknownRevision) as error:
        _say_unusable(error)
        return EXIT_INVALID
    finally:
        engine.dispose()
    return EXIT_OK


def _db_current(args: argparse.Namespace, settings: "Settings") -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.db import schema_revision
    from bot.store.migrations import head_revision

    engine = _engine(settings)
    if engine is None:
        return EXIT_INVALID
    try:
        current = schema_revision(engine)
    except SQLAlchemyError as error:
        _say_unusable(error)
        return EXIT_INVALID
    finally:
        engine.dispose()
    print(f"current {current or '(empty)'}; newest {head_revision()}")
    return EXIT_OK


def _run(args: argparse.Namespace, settings: "Settings") -> int:
    if settings.discord_token is None and not args.console:
        print(
            "premiere-bot run needs a Discord bot token: set DISCORD_TOKEN in the environment "
            "or in .env (see README.md, 'Discord application').\n"
            "To try feeds.yaml without Discord, run `premiere-bot run --console`.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    ready = _config_and_store(args, settings)
    if ready is None:
        return EXIT_INVALID
    config, store = ready
    import asyncio

    if args.console:
        return asyncio.run(_console(store, config, settings, _config_path(args, settings)))
    from bot.discord_app.runner import run_bot

    _imports_done()
    return asyncio.run(run_bot(store, config, settings, _config_path(args, settings)))


async def _console(store: "Store", config: "FeedsConfig", settings: "Settings", path: Path) -> int:
    """Everything but Discord: polls, classifies, and prints each post as it would appear."""
    import asyncio
    import signal
    from datetime import UTC, datetime

    from bot.feeds.fetch import Fetcher
    from bot.feeds.parsing_pool import ParsingPool
    from bot.leader import Leadership
    from bot.notify.console import ConsoleSender
    from bot.scheduling import Jobs
    from bot.service import Service, worker_name
    from bot.store.sync import apply_config

    _imports_done()
    with store.session() as session:
        apply_config(session, config, datetime.now(UTC))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    parsers = ParsingPool()
    try:
        async with Fetcher.open() as fetcher:
            sender = ConsoleSender(sys.stdout)
            service = Service(
                store, config, sender, fetcher, parsers,
                worker=worker_name(), shards=settings.shards,
                config_path=path,
            )  # fmt: skip
            jobs = Jobs(service, Leadership(store.engine))
            jobs.start()
            log.info("running in console mode; Ctrl-C stops")
            await stop.wait()
            await jobs.close()
    finally:
        parsers.close()
        store.close()
    log.info("stopped")
    return EXIT_OK


def _say_unusable(error: BaseException) -> None:
    """Says why the database is unusable in the driver's own words, without SQLAlchemy's
    statement dump and help link."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines() or [type(cause).__name__]
    print(f"database unusable: {lines[0]}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(cli())
