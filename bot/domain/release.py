"""The vocabulary of the release calendar."""

from enum import StrEnum


class ReleaseKind(StrEnum):
    PREMIERE = "premiere"
    RETURN = "return"
    FINALE = "finale"
    RENEWAL = "renewal"
    CANCELLATION = "cancellation"
    OTHER = "other"


class Precision(StrEnum):
    """How exactly a release date is known, from best to worst."""

    DAY = "day"
    MONTH = "month"
    SEASON = "season"
    YEAR = "year"
    TBA = "tba"


class ReleaseStatus(StrEnum):
    ANNOUNCED = "announced"
    CONFIRMED = "confirmed"
    DELAYED = "delayed"
    AIRED = "aired"


class AlertMode(StrEnum):
    """Which stories a channel is told about: every story, or only those that carry a fact."""

    ALL = "all"
    DATES = "dates"
