"""Show names that people write differently fold to the same key."""

import pytest

from bot.domain.names import fold, title_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Grey's Anatomy", "Grey’s  Anatomy"),
        ("Grey's Anatomy", "GREYS ANATOMY"),
        ("Law & Order", "Law and Order"),
        ("Pokémon", "Pokemon"),
        ("Star Trek: Picard", "star trek picard"),
        ("The Office", "Office"),
        ("Schitt's Creek!", "schitts creek"),
    ],
)
def test_same_name(a: str, b: str) -> None:
    assert title_key(a) == title_key(b)


@pytest.mark.parametrize(
    ("a", "b"), [("The Boys", "Boys Town"), ("Lost", "The Last"), ("Theo", "O")]
)
def test_different_names(a: str, b: str) -> None:
    assert title_key(a) != title_key(b)


def test_fold_keeps_the_leading_the() -> None:
    assert fold("The Bear") == "the bear" and title_key("The Bear") == "bear"
