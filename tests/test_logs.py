"""Log lines as JSON: one object per line, each `key=%s` of the message a field of its own."""

import json
import logging
import socket
import sys
from pathlib import Path

from bot.logs import JsonFormatter, context
from tests.test_cli import _run


def record(msg: str, *args: object, exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord("bot.x", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_context_comes_from_the_keys_in_the_format_string() -> None:
    line = record("polled source=%s status=%s http=%s new=%d elapsed_ms=%5d %s tail", "TVLine",
                  "ok", None, 3, 120, "free text")  # fmt: skip
    assert context(line) == {"source": "TVLine", "status": "ok", "http": None, "new": 3,
                             "elapsed_ms": 120}  # fmt: skip
    assert context(record("100%% done channel=%s", 7)) == {"channel": 7}
    assert context(record("no context here")) == {}
    assert context(record("odd=%s", Path("/x"))) == {"odd": "/x"}  # not JSON: as text


def test_a_json_line_has_message_level_context_and_traceback() -> None:
    entry = json.loads(JsonFormatter().format(record("job failed job=%s", "poll", exc=True)))
    assert (entry["level"], entry["logger"], entry["job"]) == ("WARNING", "bot.x", "poll")
    assert entry["message"] == "job failed job=poll"
    assert "ValueError: boom" in entry["traceback"]
    clash = json.loads(JsonFormatter().format(record("x message=%s", "m")))
    assert clash["message"] == "x message=m" and clash["message_"] == "m"


def test_the_command_line_logs_json_lines(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "feeds.yaml").write_text(
        f'sources:\n  - {{name: Nowhere, url: "http://127.0.0.1:{port}/rss"}}\n'
    )
    result = _run("poll", "--once", "--log-format", "json", cwd=tmp_path,
                  env={"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})  # fmt: skip
    assert result.returncode == 0, result.stderr
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    [polled] = [e for e in entries if e["message"].startswith("polled ")]
    assert (polled["source"], polled["status"], polled["level"]) == ("Nowhere", "error", "WARNING")
