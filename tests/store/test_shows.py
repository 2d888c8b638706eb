"""The show catalogue: one show per name, kept in step with feeds.yaml."""

import pytest
from sqlalchemy.exc import IntegrityError

from bot.config import parse_config
from bot.store.db import Store
from bot.store.follows import FollowRepo, NewFollow
from bot.store.shows import ShowRepo
from bot.store.tables import Release, Show

CATALOGUE = """\
shows:
  - title: "Star Trek: Picard"
    aliases: [Picard]
    network: Paramount+
  - title: Grey's Anatomy
  - title: The Office
    year: 2005
"""


def _sync(store: Store, text: str) -> None:
    with store.session() as session:
        ShowRepo(session).sync_catalogue(parse_config(text, "feeds.yaml").shows)


@pytest.mark.parametrize(
    ("written", "title"),
    [
        ("star trek picard", "Star Trek: Picard"),
        ("PICARD", "Star Trek: Picard"),
        ("Grey’s Anatomy", "Grey's Anatomy"),
        ("greys anatomy", "Grey's Anatomy"),
        ("Office", "The Office"),
        ("the office", "The Office"),
    ],
)
def test_any_spelling_of_a_name_finds_the_show(store: Store, written: str, title: str) -> None:
    _sync(store, CATALOGUE)
    with store.session() as session:
        show = ShowRepo(session).find(written)
    assert show is not None and show.title == title


def test_a_name_that_folds_longer_than_its_column_still_fits(store: Store) -> None:
    title, alias = "Law & Order " * 16, "Straße " * 28  # 192 and 196 characters
    _sync(store, f"shows:\n  - title: {title}\n    aliases: ['{alias}']\n")  # "and", "ss"
    with store.session() as session:
        shows = ShowRepo(session)
        assert shows.find(title.upper()) is not None and shows.find(alias) is not None
        assert not shows.add("Law and Order " * 16)[1]  # folds alike: the same show
        assert shows.add("&" * 200)[1]  # 800 characters folded (SQLite would not mind)


def test_unknown_name_finds_nothing(store: Store) -> None:
    _sync(store, CATALOGUE)
    with store.session() as session:
        assert ShowRepo(session).find("Picard Family Fishing") is None


def test_add_returns_the_existing_show_or_creates_one(store: Store) -> None:
    _sync(store, CATALOGUE)
    with store.session() as session:
        shows = ShowRepo(session)
        same, created = shows.add("picard")
        assert not created and same.title == "Star Trek: Picard"
        new, created = shows.add("  Pluribus ")
        assert created and new.title == "Pluribus" and new.origin == "discord"


def test_alias_changes_are_applied(store: Store) -> None:
    _sync(store, CATALOGUE)
    _sync(store, CATALOGUE.replace("[Picard]", "[ST Picard]"))
    with store.session() as session:
        shows = ShowRepo(session)
        assert shows.find("Picard") is None
        found = shows.find("st picard")
        assert found is not None and found.title == "Star Trek: Picard"


def test_dropped_show_leaves_the_catalogue_unless_followed(store: Store) -> None:
    _sync(store, CATALOGUE)
    with store.session() as session:
        office = ShowRepo(session).find("The Office")
        assert office is not None and office.id is not None
        FollowRepo(session).follow(NewFollow(guild_id=1, channel_id=10, show_id=office.id))
    _sync(store, "shows:\n  - title: Grey's Anatomy\n")
    with store.session() as session:
        titles = [show.title for show, _ in ShowRepo(session).catalogue()]
    assert titles == ["Grey's Anatomy", "The Office"]  # Picard retired; The Office is followed


def test_catalogue_lists_aliases(store: Store) -> None:
    _sync(store, CATALOGUE)
    with store.session() as session:
        catalogue = {show.title: aliases for show, aliases in ShowRepo(session).catalogue()}
    assert catalogue["Star Trek: Picard"] == ["Picard"]
    assert catalogue["Grey's Anatomy"] == []


def test_followed_show_named_later_in_feeds_yaml_is_merged(store: Store) -> None:
    """Someone follows "Picard" before the admin adds it as an alias: one show remains."""
    with store.session() as session:
        user_show, _ = ShowRepo(session).add("Picard")
        assert user_show.id is not None
        follows = FollowRepo(session)
        follows.follow(NewFollow(guild_id=1, channel_id=10, show_id=user_show.id, user_id=5))
        session.add(Release(show_id=user_show.id, season=2, kind="premiere"))
    _sync(store, CATALOGUE)
    with store.session() as session:
        picard = ShowRepo(session).find("Picard")
        assert picard is not None and picard.title == "Star Trek: Picard"
        [(follow, show)] = FollowRepo(session).in_channel(10)
        assert show.id == picard.id and follow.user_id == 5
        assert session.get(Show, user_show.id) is None
        assert session.get(Release, 1) is not None and session.get(Release, 1).show_id == picard.id  # type: ignore[union-attr]


def test_show_names_are_unique_in_the_database(store: Store) -> None:
    with pytest.raises(IntegrityError), store.session() as session:
        session.add(Show(title="Lost", title_key="lost"))
        session.add(Show(title="LOST", title_key="lost"))
        session.flush()
