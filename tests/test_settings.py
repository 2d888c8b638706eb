"""Settings come from the environment and .env; the token stays secret."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DISCORD_TOKEN", "DATABASE_URL", "FEEDS_FILE", "LOG_LEVEL", "DISCORD_API_BASE"):
        monkeypatch.delenv(name, raising=False)
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
