"""Composition root and command line: `premiere-bot COMMAND` or `python -m bot COMMAND`.

Each command imports what it needs when it runs, so `check` and `poll` start fast and
never load discord.py.
"""

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import __version__
from bot.settings import Settings

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("bot")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return EXIT_USAGE
    settings = Settings()
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    if settings.log_level != "DEBUG":
        # Alembic narrates every plugin and revision at INFO; only its problems matter here.
        logging.getLogger("alembic").setLevel(logging.WARNING)
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
    run.set_defaults(handler=_not_yet("run"))

    check = commands.add_parser("check", parents=[common], help="validate feeds.yaml")
    check.set_defaults(handler=_check)

    poll = commands.add_parser("poll", parents=[common], help="poll the feeds")
    poll.add_argument("--once", action="store_true", help="one cycle over the due sources")
    poll.add_argument("--all", action="store_true", help="every enabled source, due or not")
    poll.add_argument("--json", action="store_true", help="one JSON object per source")
    poll.set_defaults(handler=_not_yet("poll"))

    classify = commands.add_parser(
        "classify", parents=[common], help="classify stories given as JSON lines"
    )
    classify.add_argument("--shows", type=Path, metavar="FILE", help="YAML with a shows: list")
    classify.add_argument("--input", type=Path, metavar="FILE", help="JSON lines (default stdin)")
    classify.add_argument("--output", type=Path, metavar="FILE", help="default stdout")
    classify.set_defaults(handler=_not_yet("classify"))

    calendar = commands.add_parser("calendar", parents=[common], help="show the release calendar")
    calendar.add_argument("--days", type=int, default=90, help="how far ahead (default 90)")
    calendar.add_argument("--all", action="store_true", help="the whole catalogue, not followed")
    calendar.add_argument("--json", action="store_true", help="one JSON object per release")
    calendar.add_argument("--ics", type=Path, metavar="FILE", help="write an iCalendar file")
    calendar.set_defaults(handler=_not_yet("calendar"))

    db = commands.add_parser("db", parents=[common], help="database schema")
    db_commands = db.add_subparsers(title="db commands", metavar="ACTION", required=True)
    db_commands.add_parser(
        "upgrade", help="migrate the database to the newest schema"
    ).set_defaults(handler=_db_upgrade)
    db_commands.add_parser("current", help="print the schema revision").set_defaults(
        handler=_db_current
    )
    return parser


def _config_path(args: argparse.Namespace, settings: Settings) -> Path:
    return args.config or settings.feeds_file


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.config import ConfigError, load_config

    path = _config_path(args, settings)
    try:
        config = load_config(path)
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return EXIT_INVALID
    print(
        f"{path}: ok ({len(config.sources)} sources, {len(config.shows)} shows, "
        f"{len(config.subscriptions)} subscriptions)"
    )
    return EXIT_OK


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.db import make_engine, migrate, schema_revision

    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        print(f"database at revision {schema_revision(engine)}")
    except SQLAlchemyError as error:
        print(f"database unusable: {_first_line(error)}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        engine.dispose()
    return EXIT_OK


def _db_current(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.db import head_revision, make_engine, schema_revision

    engine = make_engine(settings.database_url)
    try:
        current = schema_revision(engine)
    except SQLAlchemyError as error:
        print(f"database unusable: {_first_line(error)}", file=sys.stderr)
        return EXIT_INVALID
    finally:
        engine.dispose()
    print(f"current {current or '(empty)'}; newest {head_revision()}")
    return EXIT_OK


def _first_line(error: BaseException) -> str:
    """The driver's own words, without SQLAlchemy's statement dump and help link."""
    cause = getattr(error, "orig", None) or error
    return str(cause).strip().splitlines()[0]


def _not_yet(command: str) -> Callable[[argparse.Namespace, Settings], int]:
    def handler(args: argparse.Namespace, settings: Settings) -> int:
        print(f"premiere-bot {command}: not implemented yet", file=sys.stderr)
        return EXIT_USAGE

    return handler


if __name__ == "__main__":
    sys.exit(main())
