"""Environment settings: read once in the composition root, then passed in. (`poll --once`
reads only its three, without pydantic-settings: bot/basic_settings.py.)"""

from pathlib import Path
from typing import Annotated, Self

from pydantic import SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.basic_settings import (
    DEFAULT_DATABASE_URL,
    DEFAULT_FEEDS_FILE,
    DEFAULT_LOG_LEVEL,
    ENV_FILE,
    InvalidSettings,
    known_log_level,
    usable_database_url,
)
from bot.domain.shards import ShardSet


class Settings(BaseSettings):
    """Everything that comes from the environment or `.env`. The token never reaches a log."""

    model_config = SettingsConfigDict(env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    feeds_file: Path = DEFAULT_FEEDS_FILE
    log_level: str = DEFAULT_LOG_LEVEL
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    # Several processes sharing one bot: each runs SHARD_IDS (e.g. "0,1") of SHARD_COUNT.
    # Unset, one process runs every shard, as many as Discord recommends.
    shard_count: int | None = None
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None

    @field_validator("discord_token")
    @classmethod
    def _blank_is_missing(cls, value: SecretStr | None) -> SecretStr | None:
        # `DISCORD_TOKEN=` in a copied .env means "not set", not "an empty token".
        return value if value is not None and value.get_secret_value().strip() else None

    _usable_database = field_validator("database_url")(usable_database_url)
    _known_level = field_validator("log_level")(known_log_level)

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in value.replace(",", " ").split() if p]
            if not all(p.isdigit() for p in parts):
                raise ValueError(f"SHARD_IDS must be shard numbers such as 0,1; got {value!r}")
            return tuple(int(p) for p in parts) or None
        return value

    @model_validator(mode="after")
    def _shards_fit(self) -> Self:
        count, ids = self.shard_count, self.shard_ids
        if count is not None and count < 1:
            raise ValueError("SHARD_COUNT must be at least 1")
        if ids is not None and count is None:
            raise ValueError("SHARD_IDS needs SHARD_COUNT: the total number of shards")
        if count is not None and ids is not None and any(i >= count for i in ids):
            raise ValueError(f"SHARD_IDS {list(ids)} must each be below SHARD_COUNT {count}")
        return self

    @property
    def shards(self) -> ShardSet | None:
        """The shards this process delivers for; None when it runs them all."""
        if self.shard_count is None or self.shard_ids is None:
            return None
        return ShardSet(self.shard_count, self.shard_ids)


def read_settings() -> Settings:
    """The settings, or InvalidSettings naming every one that is wrong."""
    try:
        return Settings()
    except ValidationError as error:
        problems = error.errors(include_input=False, include_url=False)
        raise InvalidSettings(
            [
                (_name(problem["loc"]), problem["msg"].removeprefix("Value error, "))
                for problem in problems
            ]
        ) from None
    except (OSError, UnicodeDecodeError) as error:  # from reading .env
        raise InvalidSettings.of_env_file(error) from None


def _name(location: tuple[int | str, ...]) -> str:
    """A setting as named in the environment ("settings" for the whole of them)."""
    return "_".join(str(part) for part in location).upper() or "settings"
