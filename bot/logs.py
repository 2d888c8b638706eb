"""Log lines: `event key=value ...` text by default, or one JSON object per line.

Every log call in the bot names its context in its format string (`"polled source=%s
status=%s"`), so the JSON form can give each `key=%s` its value as a field of its own
without a second way of logging.
"""

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# A %-placeholder, with the `key=` in front of it when it has one.
_PLACEHOLDER = re.compile(
    r"%%|(?:(\w+)=)?%(?:\(\w+\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]"
)
# Fields every line has; a context key of the same name must not overwrite them.
_RESERVED = frozenset({"time", "level", "logger", "message", "traceback"})


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in context(record).items():
            entry[key if key not in _RESERVED else f"{key}_"] = value
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def context(record: logging.LogRecord) -> dict[str, Any]:
    """The `key=%s` values of a record, by key."""
    if not isinstance(record.args, tuple) or not isinstance(record.msg, str):
        return {}
    names = [m.group(1) for m in _PLACEHOLDER.finditer(record.msg) if m.group(0) != "%%"]
    return {
        name: value if isinstance(value, int | float | str | bool | None) else str(value)
        for name, value in zip(names, record.args, strict=False)
        if name
    }


def configure(level: str, form: str) -> None:
    """Logs to stderr at `level`, as `text` or `json` lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if form == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    if level != "DEBUG":
        # Alembic narrates every plugin and revision at INFO, APScheduler every job run;
        # only their problems matter here (the jobs log what they did themselves).
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
