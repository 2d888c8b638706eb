"""How a new fact changes what the calendar says about a release. Pure: data in, decision out.

Precision only goes up ("March" then "March 3"). A different date at the same or a higher
precision from a later story is a date change. A less specific or older story never
overrides a more specific one, except a story that says the date moved ("delayed to 2028").
A manual entry (/premiere set) is never overridden by news.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.dates import ReleaseDate
from bot.domain.release import Precision, ReleaseKind

_ORDER = list(Precision)  # best first


class Change(StrEnum):
    NEW = "new"  # the calendar had nothing: add the release
    REFINED = "refined"  # the same date, said more precisely: no date-change post
    MOVED = "moved"  # a different date: history row and a date-change post
    SAME = "same"  # nothing new (another source for what we know)
    IGNORED = "ignored"  # less specific, older, or against a manual entry


@dataclass(frozen=True)
class Known:
    """What the calendar knows of a release."""

    date: ReleaseDate
    manual: bool
    dated_by: datetime | None  # publication time of the story that set the date


@dataclass(frozen=True)
class Decision:
    change: Change
    date: ReleaseDate  # the date the calendar holds afterwards


def precision_rank(when: ReleaseDate) -> int:
    """0 for a day, up to 4 for TBA: lower is more precise."""
    return _ORDER.index(when.precision)


def within(inner: ReleaseDate, outer: ReleaseDate) -> bool:
    """`inner` lies inside `outer`'s window ("March 3, 2027" within "spring 2027")."""
    inner_window, outer_window = inner.window(), outer.window()
    if outer_window is None:
        return True
    if inner_window is None:
        return False
    return outer_window[0] <= inner_window[0] and inner_window[1] <= outer_window[1]


def decide(
    known: Known | None, incoming: ReleaseDate, published: datetime, moved: bool
) -> Decision:
    """What the calendar does with a story's date for a release.

    `moved` is true when the story says the date changed (a date_change fact).
    """
    if known is None:
        return Decision(Change.NEW, incoming)
    current = known.date
    if known.manual:
        return Decision(Change.IGNORED, current)
    if incoming.precision == Precision.TBA or incoming == current:
        return Decision(Change.SAME, current)
    older = known.dated_by is not None and published < known.dated_by
    finer = precision_rank(incoming) < precision_rank(current)
    if within(incoming, current) and finer:
        return Decision(Change.REFINED, incoming)
    if within(current, incoming) and not moved:
        return Decision(Change.SAME, current)  # vaguer but consistent: nothing to learn
    if older:
        return Decision(Change.IGNORED, current)
    if moved or precision_rank(incoming) <= precision_rank(current):
        return Decision(Change.MOVED, incoming)
    return Decision(Change.IGNORED, current)  # vaguer and contradicting: keep the precise one


def release_kind(event: str) -> ReleaseKind:
    """The calendar slot a fact's event speaks of. A date change moves a season's release."""
    return {
        "premiere": ReleaseKind.PREMIERE,
        "return": ReleaseKind.RETURN,
        "finale": ReleaseKind.FINALE,
        "renewal": ReleaseKind.RENEWAL,
        "cancellation": ReleaseKind.CANCELLATION,
        "date_change": ReleaseKind.PREMIERE,
    }.get(event, ReleaseKind.OTHER)
