"""`premiere-bot run --console` end to end: a feed item becomes a printed alert, once."""

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.feeds.conftest import FeedServer, feed
from tests.feeds.test_calendar_end_to_end import CONFIG, rss


async def start(tmp_path: Path, db_url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--console", "--config", str(tmp_path / "feeds.yaml"),
        cwd=tmp_path, env={**os.environ, "DATABASE_URL": db_url, "DISCORD_TOKEN": ""},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode()


async def test_alert_is_printed_once_across_restarts(
    tmp_path: Path, db_url: str, feed_server: FeedServer
) -> None:
    now = datetime.now(UTC)
    premiere = (now + timedelta(days=20)).date()
    title = f"Severance Season 2 Premieres {premiere:%B %-d, %Y} on Apple TV+"
    url = feed_server.serve("/rss", feed(rss(("a", title, now))))
    (tmp_path / "feeds.yaml").write_text(CONFIG.format(url=url))

    process = await start(tmp_path, db_url)
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), timeout=90)).decode()
    assert line.startswith("#2 | alert | Severance S2 premieres ")
    assert "Apple TV+" in line and premiere.isoformat() in line
    code, rest = await stop(process)
    assert code == 0 and "Severance" not in rest

    again = await start(tmp_path, db_url)
    await asyncio.sleep(8)  # long enough for a poll and a delivery round at start-up
    code, out = await stop(again)
    assert code == 0 and out == ""
