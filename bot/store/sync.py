"""Applying feeds.yaml to the store: what start-up and hot reload both do."""

from datetime import datetime

from sqlmodel import Session

from bot.config.schema import FeedsConfig
from bot.store.follows import FollowRepo
from bot.store.locks import CONFIG_LOCK, until_commit
from bot.store.polls import CONFIG_APPLIED
from bot.store.shows import ShowRepo
from bot.store.sources import SourceRepo, SyncReport
from bot.store.state import StateRepo


def apply_config(session: Session, config: FeedsConfig, now: datetime) -> SyncReport:
    """Sources, then the show catalogue, then subscriptions (which name catalogue shows).
    Processes sharing the database apply one at a time. Which configuration was applied
    last is recorded, so `poll --once` can tell whether it needs applying at all."""
    until_commit(session, CONFIG_LOCK)
    report = SourceRepo(session).sync_config(config, now)
    ShowRepo(session).sync_catalogue(config.shows)
    FollowRepo(session).sync_subscriptions(config.subscriptions)
    StateRepo(session).set(CONFIG_APPLIED, config.digest())
    return report
