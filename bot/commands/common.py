"""What the commands share: exit codes, feeds.yaml read with its problems printed, the
database opened with its problems said in one line, and the collector's switch (see `cli`
in bot/__main__.py)."""

import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse  # not imported before `poll --once` forks (see bot/__main__.py)

    from bot.basic_settings import CommandSettings
    from bot.config import FeedsConfig
    from bot.store.db import Store

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def imports_done(*, collect: bool = True) -> bool:
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


def config_path(args: "argparse.Namespace", settings: "CommandSettings") -> Path:
    """The feeds.yaml to use: `--config`, else FEEDS_FILE (default ./feeds.yaml)."""
    return args.config or settings.feeds_file


def read_config(
    args: "argparse.Namespace", settings: "CommandSettings", data: bytes | None = None
) -> "FeedsConfig | None":
    """The validated feeds.yaml (whose bytes are `data` if read already), or None after
    printing its problems."""
    from bot.config import ConfigError, load_config

    try:
        return load_config(config_path(args, settings), data)
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return None


def config_and_store(
    args: "argparse.Namespace", settings: "CommandSettings"
) -> "tuple[FeedsConfig, Store] | None":
    """The validated feeds.yaml and the migrated database, or None after saying what is wrong."""
    config = read_config(args, settings)
    store = open_store(settings) if config else None
    return (config, store) if config is not None and store is not None else None


def with_store(
    args: "argparse.Namespace",
    settings: "CommandSettings",
    work: "Callable[[FeedsConfig, Store], int]",
) -> int:
    """Runs a command's `work` on the validated feeds.yaml and the open database."""
    config = read_config(args, settings)
    return EXIT_INVALID if config is None else on_store(settings, lambda s: work(config, s))


def on_store(settings: "CommandSettings", work: "Callable[[Store], int]") -> int:
    """Runs `work` on the open database, and closes it. A database that fails midway (a
    table missing, locked past the busy timeout) is reported the same way as one that cannot
    be opened: one line, exit 1, no traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    store = open_store(settings)
    if store is None:
        return EXIT_INVALID
    try:
        return work(store)
    except SQLAlchemyError as error:
        say_unusable(error)
        return EXIT_INVALID
    finally:
        store.close()


def open_store(settings: "CommandSettings") -> "Store | None":
    """The database, created and migrated if need be, or None after saying why it is unusable."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.db import Store, UnknownRevision

    try:
        return Store.open(settings.database_url)
    # OSError: a SQLite file's folder not made; UnknownRevision: a newer bot's schema
    except (SQLAlchemyError, OSError, UnknownRevision) as error:
        say_unusable(error)
        return None


def say_unusable(error: BaseException) -> None:
    """Says why the database is unusable in the driver's own words, without SQLAlchemy's
    statement dump and help link."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines() or [type(cause).__name__]
    print(f"database unusable: {lines[0]}", file=sys.stderr)
