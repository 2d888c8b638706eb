"""`premiere-bot classify`: JSON lines in, one JSON line out per line, in the same order."""

import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import yaml
from pydantic import TypeAdapter, ValidationError

from bot.classify.catalogue import Catalogue, catalogue_from_config
from bot.classify.classifier import Classifier
from bot.config.schema import ShowConfig
from bot.domain.markup import plain_text


class ShowsFileError(Exception):
    pass


def load_catalogue(path: Path) -> Catalogue:
    """The `shows:` list of a YAML file (a whole feeds.yaml works too)."""
    try:
        data = yaml.load(
            path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise ShowsFileError(f"{path}: cannot read: {error}") from None
    if not isinstance(data, dict) or "shows" not in data:
        raise ShowsFileError(f"{path}: expected a top-level `shows:` list")
    try:
        shows = TypeAdapter(list[ShowConfig]).validate_python(data["shows"] or [])
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ShowsFileError(f"{path}: shows.{where}: {first['msg']}") from None
    return catalogue_from_config(shows)


def classify_lines(
    classifier: Classifier, lines: Iterable[str], output: IO[str], errors: IO[str]
) -> int:
    """Classifies each JSON line; a bad line is reported on `errors` and skipped.
    Returns the exit code: 0, or 1 when any line was bad."""
    status = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            story = _story(line)
        except ValueError as error:
            print(f"line {number}: {error}", file=errors)
            status = 1
            continue
        result = classifier.classify(story["title"], story["summary"], story["published"])
        record = {
            "id": story["id"],
            "about": [show.title for show in result.about],
            "facts": [fact.as_json() for fact in result.facts],
        }
        output.write(_json_line(record))
    return status


def _json_line(record: dict[str, Any]) -> str:
    """Readable UTF-8, unless the input smuggled in a lone surrogate ("\\ud83d" in an id):
    then escaped, as JSON allows, rather than a crash that loses the lines after it."""
    line = json.dumps(record, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(record)
    return line + "\n"


def _story(line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    missing = [key for key in ("id", "title", "published") if key not in data]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    title, summary = data["title"], data.get("summary") or ""
    if not isinstance(title, str) or not isinstance(summary, str):
        raise ValueError("title and summary must be strings")
    return {
        "id": data["id"],
        "title": plain_text(title),
        "summary": plain_text(summary),
        "published": _published(data["published"]),
    }


def _published(value: object) -> date:
    """The day of publication as written (its own time zone's calendar day)."""
    if not isinstance(value, str):
        raise ValueError("published must be an ISO date or date-time string")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        raise ValueError(f"published {value!r} is not an ISO date or date-time") from None
