"""Settings come from the environment and .env; the token stays secret."""

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.basic_settings import InvalidSettings, read_basic_settings
from bot.settings import Settings, read_settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    names = ("DISCORD_TOKEN", "DATABASE_URL", "FEEDS_FILE", "LOG_LEVEL", "DISCORD_API_BASE",
             "SHARD_COUNT", "SHARD_IDS")  # fmt: skip
    for name in names:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_need_nothing_set() -> None:
    settings = Settings()
    assert settings.discord_token is None
    assert settings.database_url == "sqlite:///premiere.db"
    assert settings.feeds_file == Path("feeds.yaml")
    assert settings.log_level == "INFO"


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=from-dotenv\nLOG_LEVEL=debug\n")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    settings = Settings()
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "from-dotenv"
    assert settings.log_level == "DEBUG"
    assert settings.database_url.startswith("postgresql://")


def test_token_never_shows_in_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "MTIz.secret-token")
    settings = Settings()
    assert "secret-token" not in repr(settings) and "secret-token" not in str(settings)


def test_bad_log_level_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ValidationError, match="unknown log level"):
        Settings()


def test_shards_default_to_every_shard_in_one_process() -> None:
    assert Settings().shards is None


def test_shard_ids_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", "0, 2")
    shards = Settings().shards
    assert shards is not None and (shards.count, shards.ids) == (4, (0, 2))


@pytest.mark.parametrize(
    ("count", "ids", "message"),
    [
        ("2", "0,2", "must each be below SHARD_COUNT 2"),
        (None, "0", "SHARD_IDS needs SHARD_COUNT"),
        ("2", "zero", "SHARD_IDS must be shard numbers"),
        ("0", None, "SHARD_COUNT must be at least 1"),
    ],
)
def test_bad_shard_settings_say_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, count: str | None, ids: str | None, message: str
) -> None:
    for name, value in (("SHARD_COUNT", count), ("SHARD_IDS", ids)):
        if value is not None:
            monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///premiere.db",
        "sqlite:////var/lib/premiere/bot.db",
        "sqlite+pysqlite:///bot.db?timeout=5",
        "postgresql://bot:pw@db.example/premiere",
        "postgresql+psycopg://bot@127.0.0.1:5432/premiere",
        "postgres://bot@db.example/premiere",
    ],
)
def test_database_urls_of_both_backends_are_taken(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert Settings().database_url == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/bot", "mysql:// is no database the bot can use"),
        ("premiere.db", "not a database URL"),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
    ],
)
def test_database_urls_of_no_usable_database_are_refused(
    url: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ValidationError, match=message):
        Settings()


@pytest.mark.parametrize(
    ("environment", "dotenv"),
    [
        ({}, None),
        ({"LOG_LEVEL": "debug", "FEEDS_FILE": "~/feeds.yaml"}, None),
        ({}, "LOG_LEVEL=warning\nDATABASE_URL=sqlite:///x.db\n"),
        ({"LOG_LEVEL": "error"}, "LOG_LEVEL=warning\nFEEDS_FILE=mine.yaml\n"),
        ({"log_level": "error"}, "log_level=warning\nFeeds_File=a.yaml\n"),
        ({}, "export LOG_LEVEL='debug'  # a comment\nFEEDS_FILE=\"my feeds.yaml\"\n"),
        ({}, "LOG_LEVEL\n"),
        ({"FEEDS_FILE": ""}, None),
        ({"LOG_LEVEL": ""}, None),
        ({"DATABASE_URL": ""}, None),
        ({"DATABASE_URL": "mysql://root:pw@db/bot", "LOG_LEVEL": "LOUD"}, None),
        ({}, "DATABASE_URL=${HOME}/bot.db\n"),
        ({"SHARD_IDS": "0"}, "DISCORD_TOKEN=x\n"),  # wrong, but not what a poll reads
    ],
)
def test_a_poll_reads_its_settings_as_settings_reads_them(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, environment: dict[str, str], dotenv: str | None
) -> None:
    """`poll --once` reads DATABASE_URL, FEEDS_FILE and LOG_LEVEL without pydantic-settings
    (bot/basic_settings.py): from the same places, in the same order, to the same values or
    the same complaints."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    if dotenv is not None:
        (tmp_path / ".env").write_text(dotenv)
    try:
        basic = read_basic_settings()
    except InvalidSettings as invalid:
        with pytest.raises(InvalidSettings) as full:
            read_settings()
        assert full.value.problems == invalid.problems
        return
    if "SHARD_IDS" in environment:
        with pytest.raises(InvalidSettings, match="SHARD_IDS needs SHARD_COUNT"):
            read_settings()
        environment.pop("SHARD_IDS")
        monkeypatch.delenv("SHARD_IDS")
    full = read_settings()
    assert basic == (full.database_url, full.feeds_file, full.log_level)


@pytest.mark.parametrize("read", [read_settings, read_basic_settings])
def test_a_dotenv_that_cannot_be_read_is_named(read: Callable[[], object], tmp_path: Path) -> None:
    lines = [b"LOG_LEVEL=debug"] * 2000 + [b"FEEDS_FILE=caf\xe9.yaml"]  # past a read's chunk
    (tmp_path / ".env").write_bytes(b"\n".join(lines))
    with pytest.raises(InvalidSettings) as invalid:
        read()
    assert invalid.value.problems == [(".env", "line 2001 is not UTF-8 text")]
    (tmp_path / ".env").unlink()
    (tmp_path / ".env").mkdir()  # not a file: there is no .env to read
    read()
