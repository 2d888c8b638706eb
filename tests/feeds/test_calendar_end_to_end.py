"""From a feed item to the calendar, as a person runs it: poll, then calendar."""

import asyncio
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import icalendar

from tests.feeds.conftest import FeedServer, feed

CONFIG = """\
sources:
  - name: Local TV News
    url: {url}
shows:
  - title: Severance
    network: Apple TV+
subscriptions:
  - guild: 1
    channel: 2
    shows: [Severance]
"""


def rss(*items: tuple[str, str, datetime]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><guid>{guid}</guid>"
        f"<pubDate>{format_datetime(published)}</pubDate></item>"
        for guid, title, published in items
    )
    channel = f"<channel><title>T</title>{body}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


async def run(tmp_path: Path, db_url: str, *args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, "--config", str(tmp_path / "feeds.yaml"),
        cwd=tmp_path, env={**os.environ, "DATABASE_URL": db_url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_announced_date_reaches_the_calendar_and_moves(
    tmp_path: Path, db_url: str, feed_server: FeedServer
) -> None:
    now = datetime.now(UTC)
    premiere = (now + timedelta(days=20)).date()
    moved = premiere + timedelta(days=7)
    url = feed_server.serve(
        "/rss",
        feed(rss(("a", f"Severance Season 2 Premieres {premiere:%B %-d, %Y} on Apple TV+", now))),
    )
    (tmp_path / "feeds.yaml").write_text(CONFIG.format(url=url))

    await run(tmp_path, db_url, "poll", "--once", "--json")
    [entry] = [
        json.loads(line)
        for line in (await run(tmp_path, db_url, "calendar", "--json")).splitlines()
    ]
    assert (entry["show"], entry["season"], entry["date"], entry["date_precision"]) == (
        "Severance", 2, premiere.isoformat(), "day",
    )  # fmt: skip
    assert entry["platform"] == "Apple TV+" and entry["sources"][0]["source"] == "Local TV News"

    await run(tmp_path, db_url, "calendar", "--ics", str(tmp_path / "tv.ics"))
    parsed = icalendar.Calendar.from_ical((tmp_path / "tv.ics").read_bytes())
    [event] = parsed.walk("VEVENT")
    assert event.decoded("dtstart") == premiere and event["sequence"] == 0

    later = now + timedelta(hours=1)
    feed_server.serve("/rss", feed(rss(
        ("a", f"Severance Season 2 Premieres {premiere:%B %-d, %Y} on Apple TV+", now),
        ("b", f"Severance Season 2 Moves to {moved:%B %-d, %Y}", later),
    )))  # fmt: skip
    await run(tmp_path, db_url, "poll", "--once", "--all", "--json")
    [entry] = [
        json.loads(line)
        for line in (await run(tmp_path, db_url, "calendar", "--json")).splitlines()
    ]
    assert (entry["date"], entry["date_changes"]) == (moved.isoformat(), 1)
    await run(tmp_path, db_url, "calendar", "--ics", str(tmp_path / "tv.ics"))
    [event] = icalendar.Calendar.from_ical((tmp_path / "tv.ics").read_bytes()).walk("VEVENT")
    assert event.decoded("dtstart") == moved and event["sequence"] == 1
    assert str(event["uid"]).startswith("release-")
