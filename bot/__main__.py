"""Composition root and command line: `premiere-bot COMMAND` or `python -m bot COMMAND`.

Each command (bot/commands/) imports what it needs when it runs, so `check` and `poll`
start fast and never load discord.py.
"""

import gc
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import __version__
from bot.commands.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE
from bot.commands.stopping import sigterm

if TYPE_CHECKING:
    import argparse

    from bot.basic_settings import CommandSettings
    from bot.feeds.fetch_process import FetchProcess

EXIT_INTERRUPTED = 130  # what shells report for a command stopped by Ctrl-C
EXIT_TERMINATED = 143  # and by SIGTERM
_POLL = "poll.poll"  # the poll command's function (see _command): `poll --once` forks


def cli() -> int:
    """The `premiere-bot` process: `main` with the garbage collector kept off the start-up.

    A command's imports (SQLAlchemy, pydantic, aiohttp) make a few hundred thousand objects
    that live until exit. Collecting while they are made finds nothing, and every later full
    collection, the last one at exit included, would walk them all again: about a fifth of
    a `poll --once` over 1,000 unchanged feeds. So collection waits until the command has
    imported (`imports_done`), and what is alive then is frozen out of the collector's sight.
    Commands that end soon after importing (check, status, db) never turn it back on.

    Ctrl-C ends any command with one line, not a traceback: every write is a transaction, so
    what was committed stays, and what was not is done again by the next run (`run` itself
    stops cleanly on SIGINT and SIGTERM). SIGTERM (`timeout`, a service manager) ends the
    other commands the same way, so a poll stopped so still reports what it stored.

    A reader that stops reading early (`poll --once --json | head -3`) is not a failure:
    output is written once the work is done, so the rest of it is dropped quietly.
    """
    gc.disable()
    signal.signal(signal.SIGTERM, sigterm)
    try:
        code = main(fetching=_fork_for_poll(sys.argv[1:]))
        sys.stdout.flush()  # a reader gone shows up here, not as a warning at exit
        return code
    except KeyboardInterrupt:
        print("terminated" if sigterm.received else "interrupted", file=sys.stderr)
        return EXIT_TERMINATED if sigterm.received else EXIT_INTERRUPTED
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


def _fork_for_poll(argv: Sequence[str]) -> "FetchProcess | None":
    """The fetching child of `poll --once`, forked before even the command line is parsed.
    A poll of unchanged feeds waits for the child to import aiohttp, and importing argparse
    and building the parser held its fork back by 10-20 ms (the fork now comes about 40 ms
    after the process starts, against 60). So the words are guessed at here, and argparse
    decides in `main`. A guess that misses (`--onc`) costs only the head start: the poll
    fetches in this process. One that is wrong (`check --config poll --once`) forks a
    child that `main` ends unused."""
    if "poll" not in argv or "--once" not in argv:
        return None
    from bot.feeds.fetch_process import FetchProcess

    return FetchProcess.fork()


def main(argv: Sequence[str] | None = None, *, fetching: "FetchProcess | None" = None) -> int:
    """The command line. `fetching`: the child `cli` forked for a `poll --once` (a test
    calling main in-process passes none, and the poll fetches in this process)."""
    try:
        parser = _parser()
        args = parser.parse_args(argv)
        if not hasattr(args, "handler"):
            parser.print_help()
            return EXIT_USAGE
        args.fetching = fetching if args.handler == _POLL and args.once else None
        return _configured(args)
    finally:
        if fetching is not None:
            fetching.close()


def _configured(args: "argparse.Namespace") -> int:
    """Reads the settings, sets up logging and runs the command. `poll` reads only the
    three settings it uses, without pydantic-settings (see bot/basic_settings.py)."""
    from bot.basic_settings import InvalidSettings, read_basic_settings

    try:
        if args.handler == _POLL:
            settings: CommandSettings = read_basic_settings()
        else:
            from bot.settings import read_settings

            settings = read_settings()
    except InvalidSettings as invalid:
        # One line per setting, named as in the environment.
        print("invalid settings (environment or .env):", file=sys.stderr)
        for name, message in invalid.problems:
            print(f"  {name}: {message}", file=sys.stderr)
        return EXIT_INVALID
    from bot.logs import configure

    configure(settings.log_level, args.log_format)
    return _command(args.handler)(args, settings)


def _command(name: str) -> "Callable[[argparse.Namespace, Any], int]":
    """A command's function, "module.function" in bot/commands/: only the module of the
    command that runs is imported. Each takes the settings `_configured` reads for it."""
    module, _, function = name.partition(".")
    command: Callable[[argparse.Namespace, Any], int] = getattr(
        importlib.import_module(f"bot.commands.{module}"), function
    )
    return command


def _parser() -> "argparse.ArgumentParser":
    import argparse

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

    run_parser = commands.add_parser("run", parents=[common], help="run the bot")
    run_parser.add_argument(
        "--console", action="store_true", help="print posts to the terminal instead of Discord"
    )
    run_parser.set_defaults(handler="run.run")

    check = commands.add_parser("check", parents=[common], help="validate feeds.yaml")
    check.set_defaults(handler="reports.check")

    poll_parser = commands.add_parser("poll", parents=[common], help="poll the feeds")
    poll_parser.add_argument("--once", action="store_true", help="one cycle over the due sources")
    poll_parser.add_argument("--all", action="store_true", help="every enabled source, due or not")
    poll_parser.add_argument("--json", action="store_true", help="one JSON object per source")
    poll_parser.add_argument(
        "--source", action="append", default=[], dest="sources", metavar="NAME",
        help="only the enabled source of this name, due or not (may be given again)",
    )  # fmt: skip
    poll_parser.set_defaults(handler=_POLL)

    classify = commands.add_parser(
        "classify", parents=[common], help="classify stories given as JSON lines"
    )
    classify.add_argument("--shows", type=Path, metavar="FILE", help="YAML with a shows: list")
    classify.add_argument("--input", type=Path, metavar="FILE", help="JSON lines (default stdin)")
    classify.add_argument("--output", type=Path, metavar="FILE", help="default stdout")
    classify.set_defaults(handler="reports.classify")

    calendar = commands.add_parser("calendar", parents=[common], help="show the release calendar")
    calendar.add_argument("--days", type=int, default=90, help="how far ahead (default 90)")
    calendar.add_argument("--all", action="store_true", help="the whole catalogue, not followed")
    calendar.add_argument("--json", action="store_true", help="one JSON object per release")
    calendar.add_argument("--ics", type=Path, metavar="FILE", help="write an iCalendar file")
    calendar.set_defaults(handler="reports.calendar")

    status = commands.add_parser("status", parents=[common], help="sources, queue, next posts")
    status.add_argument("--json", action="store_true", help="one JSON object, for monitoring")
    status.set_defaults(handler="reports.status")

    db_parser = commands.add_parser("db", parents=[common], help="database schema")
    db_commands = db_parser.add_subparsers(title="db commands", metavar="ACTION", required=True)
    db_commands.add_parser(
        "upgrade", help="migrate the database to the newest schema"
    ).set_defaults(handler="db.upgrade")
    db_commands.add_parser("current", help="print the schema revision").set_defaults(
        handler="db.current"
    )
    return parser


if __name__ == "__main__":
    sys.exit(cli())
