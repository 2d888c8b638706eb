"""Environment settings: read once in the composition root, then passed in."""

import logging
from pathlib import Path
from typing import Annotated, Self

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.shards import ShardSet
from bot.store.polls import database_of


class Settings(BaseSettings):
    """Everything that comes from the environment or `.env`. The token never reaches a log."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = None
    database_url: str = "sqlite:///premiere.db"
    feeds_file: Path = Path("feeds.yaml")
    log_level: str = "INFO"
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

    @field_validator("database_url")
    @classmethod
    def _usable_database(cls, value: str) -> str:
        database_of(value)  # says what to write instead
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in logging.getLevelNamesMapping():
            raise ValueError(f"unknown log level {value!r}; use DEBUG, INFO, WARNING or ERROR")
        return level

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
