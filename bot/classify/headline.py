"""Headlines short enough for a phone: "Picard S2 returns Mar 3 on Paramount+"."""

from bot.domain.dates import ReleaseDate
from bot.domain.release import Precision


def headline(
    name: str, season: int | None, event: str, when: ReleaseDate, platform: str | None
) -> str:
    subject = f"{name} S{season}" if season else name
    on = f" on {platform}" if platform else ""
    date = when.text()
    if event == "renewal":
        return f"{name} renewed for season {season}" if season else f"{name} renewed"
    if event == "cancellation":
        return f"{name} canceled" + (f" at {platform}" if platform else "")
    if event == "date_change":
        return (
            f"{subject} moves to {date.removeprefix('in ')}{on}" if date else f"{subject} delayed"
        )
    verb = {"premiere": "premieres", "return": "returns", "finale": "finale airs"}.get(event, "")
    if when.precision == Precision.TBA:
        noun = {"premiere": "premiere", "return": "return", "finale": "finale"}.get(event, "news")
        return f"{subject} {noun} date TBA{on}"
    return f"{subject} {verb} {date}{on}"
