"""DATABASE_URL, FEEDS_FILE and LOG_LEVEL: the only settings `poll --once` uses, read as
`Settings` (bot/settings.py) reads them, without importing pydantic-settings.

A poll of unchanged feeds is mostly start-up, and issue 3's benchmark times it as a whole
process against another feed reader's. Importing pydantic and pydantic-settings took
0.12-0.15 s of a 0.3 s poll of 200 unchanged feeds, before the poll could ask the database
which sources are due. So the poll reads its three settings here: from the same places in
the same order (the environment, then ./.env through python-dotenv, the reader
pydantic-settings uses, with names in any case), checked by the functions `Settings` checks
them with. tests/test_settings.py holds both readers to the same answers. Every other
command reads the whole `Settings`.
"""

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, Protocol, TypeVar

from bot.store.polls import database_of

ENV_FILE = Path(".env")
DEFAULT_DATABASE_URL = "sqlite:///premiere.db"
DEFAULT_FEEDS_FILE = Path("feeds.yaml")
DEFAULT_LOG_LEVEL = "INFO"
_T = TypeVar("_T")


class CommandSettings(Protocol):
    """What the commands' shared helpers (bot/commands/common.py) read of the settings."""

    @property
    def database_url(self) -> str: ...
    @property
    def feeds_file(self) -> Path: ...
    @property
    def log_level(self) -> str: ...


class BasicSettings(NamedTuple):
    database_url: str
    feeds_file: Path
    log_level: str


class InvalidSettings(Exception):
    """Settings that cannot be used: (name as in the environment, what is wrong) for each.
    Values are not repeated: a DATABASE_URL may hold a password."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))
        self.problems = problems

    @classmethod
    def of_env_file(cls, error: OSError | UnicodeDecodeError) -> "InvalidSettings":
        """For a .env that cannot be read: both readers fail the same way on it."""
        if isinstance(error, UnicodeDecodeError):
            return cls([(str(ENV_FILE), f"line {_undecodable_line(ENV_FILE)} is not UTF-8 text")])
        return cls([(str(ENV_FILE), f"cannot be read: {error.strerror or error}")])


def known_log_level(value: str) -> str:
    level = value.strip().upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"unknown log level {value!r}; use DEBUG, INFO, WARNING or ERROR")
    return level


def usable_database_url(value: str) -> str:
    database_of(value)  # says what to write instead
    return value


def read_basic_settings() -> BasicSettings:
    """The three settings, or InvalidSettings naming every one that is wrong."""
    values = _dotenv(ENV_FILE)
    values.update((name.lower(), value) for name, value in os.environ.items())
    problems: list[tuple[str, str]] = []

    def setting(name: str, check: Callable[[str], _T], default: _T) -> _T:
        value = values.get(name)
        if value is None:
            return default
        try:
            return check(value)
        except ValueError as error:
            problems.append((name.upper(), str(error)))
            return default

    settings = BasicSettings(
        database_url=setting("database_url", usable_database_url, DEFAULT_DATABASE_URL),
        feeds_file=setting("feeds_file", Path, DEFAULT_FEEDS_FILE),
        log_level=setting("log_level", known_log_level, DEFAULT_LOG_LEVEL),
    )
    if problems:
        raise InvalidSettings(problems)
    return settings


def _undecodable_line(path: Path) -> int:
    """The line of the file's first byte that is not UTF-8. (The decoder's own position is
    within the chunk it was reading.)"""
    data = path.read_bytes()
    try:
        data.decode()
    except UnicodeDecodeError as error:
        return data.count(b"\n", 0, error.start) + 1
    return 1  # decodable now: it changed since


def _dotenv(path: Path) -> dict[str, str | None]:
    if not (path.is_file() or path.is_fifo()):  # as pydantic-settings: a pipe is read too
        return {}
    from dotenv import dotenv_values

    try:
        values = dotenv_values(path, encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidSettings.of_env_file(error) from None
    return {name.lower(): value for name, value in values.items()}
