"""feeds.yaml: its schema and its loader."""

from bot.config.load import ConfigError, Problem, load_config, parse_config
from bot.config.schema import Defaults, FeedsConfig, ShowConfig, SourceConfig, Subscription

__all__ = [
    "ConfigError",
    "Defaults",
    "FeedsConfig",
    "Problem",
    "ShowConfig",
    "SourceConfig",
    "Subscription",
    "load_config",
    "parse_config",
]
