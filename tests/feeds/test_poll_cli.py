"""`premiere-bot poll --once --json` as a separate process against the local feed server."""

import asyncio
import json
import os
import sys
from pathlib import Path

from tests.feeds.conftest import FeedServer, feed, fixture, status

REPO = Path(__file__).resolve().parents[2]


async def _poll(tmp_path: Path, db_url: str, *extra: str) -> tuple[int, list[dict], str]:  # type: ignore[type-arg]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "poll", "--once", "--json", *extra,
        "--config", str(tmp_path / "feeds.yaml"),
        cwd=tmp_path, env={**os.environ, "DATABASE_URL": db_url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    lines = [json.loads(line) for line in out.decode().splitlines()]
    return process.returncode or 0, lines, err.decode()


async def test_one_json_line_per_source_and_exit_0_despite_failures(
    tmp_path: Path, db_url: str, feed_server: FeedServer
) -> None:
    good = feed_server.serve("/good", feed(fixture("rss2.xml"), ETag='"e"'))
    bad = feed_server.serve("/bad", status(500))
    (tmp_path / "feeds.yaml").write_text(
        f"sources:\n  - name: Good\n    url: {good}\n  - name: Bad\n    url: {bad}\n"
    )
    code, lines, _ = await _poll(tmp_path, db_url)
    assert code == 0
    by_name = {line["source"]: line for line in lines}
    assert set(by_name) == {"Good", "Bad"}
    assert set(by_name["Good"]) == {
        "source",
        "url",
        "status",
        "http_status",
        "new",
        "elapsed_ms",
        "error",
    }
    assert (by_name["Good"]["status"], by_name["Good"]["new"]) == ("ok", 3)
    assert (by_name["Bad"]["status"], by_name["Bad"]["http_status"]) == ("error", 500)

    code, lines, _ = await _poll(tmp_path, db_url, "--all")
    by_name = {line["source"]: line for line in lines}
    assert (by_name["Good"]["status"], by_name["Good"]["new"]) == ("not_modified", 0)


async def test_invalid_configuration_exits_1(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "feeds.yaml").write_text("sources:\n  - name: A\n    url: nope\n")
    code, lines, err = await _poll(tmp_path, db_url)
    assert code == 1 and lines == []
    assert "sources[0].url: not an http(s) URL" in err
