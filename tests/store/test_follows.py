"""Follows: at most one per channel and show, from /follow or from feeds.yaml."""

import pytest
from sqlalchemy.exc import IntegrityError

from bot.config import parse_config
from bot.store.db import Store
from bot.store.follows import FollowRepo, NewFollow
from bot.store.shows import ShowRepo
from bot.store.tables import Follow

CONFIG = """\
shows:
  - title: Severance
  - title: The Bear
subscriptions:
  - guild: 1
    channel: 10
    shows: [Severance, the bear]
    mode: dates
    role: 77
"""


def _apply(store: Store, text: str) -> None:
    config = parse_config(text, "feeds.yaml")
    with store.session() as session:
        ShowRepo(session).sync_catalogue(config.shows)
        FollowRepo(session).sync_subscriptions(config.subscriptions)


def _show_id(store: Store, name: str) -> int:
    with store.session() as session:
        show = ShowRepo(session).find(name)
    assert show is not None and show.id is not None
    return show.id


def test_follow_is_idempotent_and_unfollow_reports(store: Store) -> None:
    _apply(store, "shows:\n  - title: Severance\n")
    show_id = _show_id(store, "Severance")
    with store.session() as session:
        follows = FollowRepo(session)
        first, created = follows.follow(NewFollow(1, 10, show_id, user_id=3))
        again, created_again = follows.follow(NewFollow(1, 10, show_id, user_id=4))
        assert created and not created_again and again.id == first.id
        assert follows.unfollow(10, show_id)
        assert not follows.unfollow(10, show_id)


def test_database_refuses_a_second_follow(store: Store) -> None:
    _apply(store, "shows:\n  - title: Severance\n")
    show_id = _show_id(store, "Severance")
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(Follow(guild_id=1, channel_id=10, show_id=show_id))
        session.add(Follow(guild_id=1, channel_id=10, show_id=show_id))
        session.flush()


def test_subscriptions_become_follows_with_their_options(store: Store) -> None:
    _apply(store, CONFIG)
    with store.session() as session:
        rows = FollowRepo(session).in_channel(10)
    assert [show.title for _, show in rows] == ["Severance", "The Bear"]
    assert all(
        f.origin == "config" and f.alert_mode == "dates" and f.role_id == 77 for f, _ in rows
    )


def test_removing_a_subscription_keeps_follows_made_with_commands(store: Store) -> None:
    _apply(store, CONFIG)
    bear = _show_id(store, "The Bear")
    with store.session() as session:
        FollowRepo(session).follow(NewFollow(1, 11, bear, user_id=9))
    _apply(store, CONFIG.replace("[Severance, the bear]", "[Severance]"))
    with store.session() as session:
        follows = FollowRepo(session)
        assert [s.title for _, s in follows.in_channel(10)] == ["Severance"]
        assert [s.title for _, s in follows.in_channel(11)] == ["The Bear"]
        assert [f.channel_id for f in follows.of_show(bear)] == [11]


def test_forgetting_a_deleted_channel(store: Store) -> None:
    _apply(store, CONFIG)
    with store.session() as session:
        assert FollowRepo(session).forget_channel(10) == 2
        assert FollowRepo(session).in_guild(1) == []


def test_broken_follows_are_not_delivered_to(store: Store) -> None:
    _apply(store, CONFIG)
    severance = _show_id(store, "Severance")
    with store.session() as session:
        [(follow, _), _] = FollowRepo(session).in_channel(10)
        follow.broken_reason = "Missing Access"
    with store.session() as session:
        assert FollowRepo(session).of_show(severance) == []
