"""Environment settings: read once in the composition root, then passed in."""

import logging
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything that comes from the environment or `.env`. The token never reaches a log."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = None
    database_url: str = "sqlite:///premiere.db"
    feeds_file: Path = Path("feeds.yaml")
    log_level: str = "INFO"
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None

    @field_validator("discord_token")
    @classmethod
    def _blank_is_missing(cls, value: SecretStr | None) -> SecretStr | None:
        # `DISCORD_TOKEN=` in a copied .env means "not set", not "an empty token".
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"unknown log level {value!r}; use DEBUG, INFO, WARNING or ERROR")
        return level
