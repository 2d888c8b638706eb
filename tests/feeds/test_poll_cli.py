"""`premiere-bot poll --once --json` as a separate process against the local feed server."""

import asyncio
import json
import os
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlmodel import select

from bot.store.db import Store
from bot.store.sources import SourceRepo
from bot.store.tables import Story
from tests.feeds.conftest import FeedServer, feed, fixture, slow, status

REPO = Path(__file__).resolve().parents[2]
# Runs the rest of its arguments with SIGINT as its first says ("SIG_DFL" or "SIG_IGN"),
# whatever this test run's own is: a test run that a script started in the background has
# it ignored, and every process it starts inherits that.
_WITH_SIGINT = (
    "import os, signal, sys; signal.signal(signal.SIGINT, getattr(signal, sys.argv[1])); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[2:]])"
)


async def _start_poll(
    tmp_path: Path, db_url: str, *extra: str, own_group: bool = False, sigint: str = "SIG_DFL"
) -> asyncio.subprocess.Process:
    """`poll --once --json` on tmp_path's feeds.yaml; with `own_group`, leading a process
    group of its own, to be signalled as a whole (Ctrl-C, a service manager); with
    `sigint="SIG_IGN"`, started as a script's background job is, Ctrl-C ignored."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", _WITH_SIGINT, sigint,
        "-m", "bot", "poll", "--once", "--json", *extra,
        "--config", str(tmp_path / "feeds.yaml"),
        cwd=tmp_path, env={**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "INFO"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        start_new_session=own_group,
    )  # fmt: skip


async def _poll(tmp_path: Path, db_url: str, *extra: str) -> tuple[int, list[dict], str]:  # type: ignore[type-arg]
    process = await _start_poll(tmp_path, db_url, *extra)
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
    # Polled while feeds.yaml was being applied (bot/feeds/early.py), and only then.
    assert sorted(path for path, _ in feed_server.requests) == ["/bad", "/good"]

    code, lines, _ = await _poll(tmp_path, db_url, "--all")
    by_name = {line["source"]: line for line in lines}
    assert (by_name["Good"]["status"], by_name["Good"]["new"]) == ("not_modified", 0)
    assert feed_server.headers_sent_to("/good")[-1]["If-None-Match"] == '"e"'


async def test_source_polls_the_named_sources_alone_due_or_not(
    tmp_path: Path, db_url: str, feed_server: FeedServer
) -> None:
    paths = {"Good": "/good", "Bad": "/bad", "Other": "/other"}
    feed_server.serve("/good", feed(fixture("rss2.xml")))
    feed_server.serve("/bad", status(500))
    feed_server.serve("/other", feed(fixture("atom.xml")))
    (tmp_path / "feeds.yaml").write_text(
        "sources:\n"
        + "".join(f"  - name: {n}\n    url: {feed_server.url(p)}\n" for n, p in paths.items())
    )
    # The poll that applies feeds.yaml polls the one named, and no other early.
    code, lines, _ = await _poll(tmp_path, db_url, "--source", "Other")
    assert (code, [line["source"] for line in lines]) == (0, ["Other"])
    assert [path for path, _ in feed_server.requests] == ["/other"]
    code, lines, _ = await _poll(tmp_path, db_url)  # the two others, due
    assert sorted(line["source"] for line in lines) == ["Bad", "Good"]
    # None is due now; the two named are polled again, the third is not.
    code, lines, _ = await _poll(tmp_path, db_url, "--source", "Good", "--source", "Bad")
    assert code == 0
    assert sorted((line["source"], line["status"]) for line in lines) == [
        ("Bad", "error"),
        ("Good", "unchanged"),
    ]
    requested = [path for path, _ in feed_server.requests]
    assert sorted(requested) == ["/bad", "/bad", "/good", "/good", "/other"]


async def test_an_unknown_source_name_is_a_usage_error_that_polls_nothing(
    tmp_path: Path, db_url: str, feed_server: FeedServer
) -> None:
    url = feed_server.serve("/good", feed(fixture("rss2.xml")))
    (tmp_path / "feeds.yaml").write_text(
        f"sources:\n  - name: TVLine\n    url: {url}\n"
        f"  - name: Paused\n    url: {url}?paused\n    enabled: false\n"
    )
    code, lines, err = await _poll(tmp_path, db_url, "--source", "Tvline", "--source", "Paused")
    assert (code, lines, feed_server.requests) == (2, [], [])
    assert err.splitlines()[-2:] == [
        "poll: no enabled source named 'Tvline'; did you mean 'TVLine'?",
        "poll: no enabled source named 'Paused' (premiere-bot status lists them)",
    ]


async def test_feeds_yaml_sets_the_fetch_timeout_and_the_body_cap(
    tmp_path: Path, db_url: str, feed_server: FeedServer
) -> None:
    """defaults.fetch_timeout and max_feed_size reach the fetching child: on the poll that
    applies feeds.yaml, and on the next, which keeps them from the first (polls.ConfigRead)
    and reads the file no further. A source's own fetch_timeout overrides the default."""
    body = fixture("rss2.xml").replace(b"</rss>", b"</rss>" + b" " * 30_000)  # 31 KB
    sources = [
        ("Big", feed_server.serve("/big", feed(body)), ""),
        ("Slow", feed_server.serve("/slow", slow(2.0)), ""),
        ("Patient", feed_server.serve("/patient", slow(2.0)), "    fetch_timeout: 5s\n"),
        ("Small", feed_server.serve("/small", feed(fixture("rss2.xml"))), ""),
    ]
    (tmp_path / "feeds.yaml").write_text(
        "defaults: {fetch_timeout: 1s, max_feed_size: 20KiB}\nsources:\n"
        + "".join(f"  - name: {name}\n    url: {url}\n{own}" for name, url, own in sources)
    )
    # The first poll applies feeds.yaml; the second keeps its settings from the first.
    for read in ("ok", "unchanged"):
        code, lines, _ = await _poll(tmp_path, db_url, "--all")
        assert code == 0
        assert {line["source"]: (line["status"], line["error"]) for line in lines} == {
            "Big": ("error", "body larger than 20 KiB"),
            "Slow": ("error", "no complete answer within 1 s"),
            "Patient": (read, None),
            "Small": (read, None),
        }
    assert len(feed_server.headers_sent_to("/slow")) == 2


async def test_feeds_yaml_may_put_a_source_behind_the_address_guard(
    tmp_path: Path, db_url: str, feed_server: FeedServer
) -> None:
    """A source with `address_guard: true` may not reach the bot's own network, through the
    fetching child, on the poll that applies feeds.yaml (which polls the others early, but
    not a guarded one: early polls are trusted) and after; the others may."""
    guarded = feed_server.serve("/guarded", feed(fixture("rss2.xml")))
    trusted = feed_server.serve("/trusted", feed(fixture("atom.xml")))
    (tmp_path / "feeds.yaml").write_text(
        f"sources:\n  - name: Guarded\n    url: {guarded}\n    address_guard: true\n"
        f"  - name: Trusted\n    url: {trusted}\n"
    )
    for read in ("ok", "unchanged"):
        code, lines, _ = await _poll(tmp_path, db_url, "--all")
        assert code == 0
        by_source = {line["source"]: line for line in lines}
        assert by_source["Trusted"]["status"] == read
        assert by_source["Guarded"]["status"] == "error"
        assert "127.0.0.1 is a loopback address" in by_source["Guarded"]["error"]
    assert feed_server.headers_sent_to("/guarded") == []  # refused before any request
    assert len(feed_server.headers_sent_to("/trusted")) == 2


async def test_without_json_one_readable_line_per_source(
    tmp_path: Path, db_url: str, feed_server: FeedServer
) -> None:
    good = feed_server.serve("/good", feed(fixture("rss2.xml")))
    bad = feed_server.serve("/bad", status(500))
    (tmp_path / "feeds.yaml").write_text(
        f"sources:\n  - name: Good\n    url: {good}\n  - name: Bad\n    url: {bad}\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "poll", "--once", "--config", str(tmp_path / "feeds.yaml"),
        cwd=tmp_path, env={**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "ERROR"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0
    lines = sorted(out.decode().splitlines())
    assert len(lines) == 2, lines
    assert re.fullmatch(r"Bad: error http=500 error: HTTP 500 .* \(\d+ ms\)", lines[0]), lines
    assert re.fullmatch(r"Good: ok http=200 new=3 \(\d+ ms\)", lines[1]), lines


async def test_a_poll_with_nothing_due_says_which_source_is_next_and_when(
    tmp_path: Path, db_url: str, feed_server: FeedServer
) -> None:
    good = feed_server.serve("/good", feed(fixture("rss2.xml")))
    (tmp_path / "feeds.yaml").write_text(f"sources:\n  - name: Good\n    url: {good}\n")
    assert (await _poll(tmp_path, db_url))[0] == 0

    code, lines, err = await _poll(tmp_path, db_url)
    assert (code, lines) == (0, [])
    assert len(feed_server.headers_sent_to("/good")) == 1  # not due: not fetched again
    said = re.search(r"no source is due: the next, Good, is due at (\S+ \S+) UTC", err)
    assert said, err
    when = datetime.fromisoformat(said[1]).replace(tzinfo=UTC)
    assert datetime.now(UTC) < when <= datetime.now(UTC) + timedelta(hours=1)

    (tmp_path / "feeds.yaml").write_text("sources: []\n")  # Good is retired
    code, lines, err = await _poll(tmp_path, db_url)
    assert (code, lines) == (0, [])
    assert "no source to poll: feeds.yaml lists no enabled source" in err


async def test_invalid_configuration_exits_1(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "feeds.yaml").write_text("sources:\n  - name: A\n    url: nope\n")
    code, lines, err = await _poll(tmp_path, db_url)
    assert code == 1 and lines == []
    assert "sources[0].url: not an http(s) URL" in err


async def _poll_left_hanging(
    tmp_path: Path, db_url: str, feed_server: FeedServer, sigint: str
) -> tuple[asyncio.subprocess.Process, asyncio.Event]:
    """A poll in a process group of its own that has stored Good and waits on Hanging's
    answer, and the event that lets Hanging answer (304, to a request not conditional)."""
    arrived, released = asyncio.Event(), asyncio.Event()

    async def hanging(request: web.Request) -> web.StreamResponse:
        arrived.set()
        await released.wait()
        return web.Response(status=304)

    good = feed_server.serve("/good", feed(fixture("rss2.xml")))
    hang = feed_server.serve("/hanging", hanging)
    (tmp_path / "feeds.yaml").write_text(
        f"sources:\n  - name: Good\n    url: {good}\n  - name: Hanging\n    url: {hang}\n"
    )
    process = await _start_poll(tmp_path, db_url, own_group=True, sigint=sigint)
    assert process.stderr is not None
    async with asyncio.timeout(60):
        await arrived.wait()
        while b"polled source=Good" not in (line := await process.stderr.readline()):
            assert line, "the poll ended before it could be interrupted"
    return process, released


@pytest.mark.parametrize(
    ("stop", "code", "said", "group", "sigint"),
    [
        (signal.SIGINT, 130, "interrupted", True, "SIG_DFL"),  # Ctrl-C reaches the group
        (signal.SIGTERM, 143, "terminated", False, "SIG_DFL"),  # `timeout` signals the poll
        (signal.SIGTERM, 143, "terminated", True, "SIG_DFL"),  # a service manager, them all
        # A script's background job (Ctrl-C ignored): it lost what it had stored.
        (signal.SIGTERM, 143, "terminated", False, "SIG_IGN"),
        (signal.SIGTERM, 143, "terminated", True, "SIG_IGN"),
    ],
)
async def test_ctrl_c_ends_a_poll_with_one_line_and_keeps_what_was_stored(
    tmp_path: Path,
    db_url: str,
    feed_server: FeedServer,
    store: Store,
    stop: signal.Signals,
    code: int,
    said: str,
    group: bool,
    sigint: str,
) -> None:
    # Interrupted mid-cycle: one feed stored, one in flight.
    process, released = await _poll_left_hanging(tmp_path, db_url, feed_server, sigint)
    if group:
        os.killpg(process.pid, stop)
    else:
        process.send_signal(stop)
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    released.set()
    assert process.returncode == code
    assert err.decode().splitlines()[-1:] == [said] and b"Traceback" not in err
    # The source that was stored is reported; the one cut off is not.
    [line] = [json.loads(line) for line in out.decode().splitlines()]
    assert (line["source"], line["status"], line["new"]) == ("Good", "ok", 3)
    with store.session() as session:
        assert len(session.exec(select(Story)).all()) == 3  # Good's, committed before Ctrl-C
        states = {s.name: (s.etag, s.consecutive_failures) for s in SourceRepo(session).all()}
    assert states["Hanging"] == (None, 0)  # cut off, not failed: the next run polls it again
    # The lease the cut-off cycle took on Hanging was given back: it is due at once.
    code, lines, _ = await _poll(tmp_path, db_url)
    assert code == 0 and [line["source"] for line in lines] == ["Hanging"]


async def test_a_poll_started_with_ctrl_c_ignored_goes_on_after_one(
    tmp_path: Path, db_url: str, feed_server: FeedServer
) -> None:
    """A script's background job ignores Ctrl-C, which reaches the script's whole process
    group: the poll, which blocks SIGINT in that case, still does."""
    process, released = await _poll_left_hanging(tmp_path, db_url, feed_server, "SIG_IGN")
    os.killpg(process.pid, signal.SIGINT)
    await asyncio.sleep(0.5)  # long enough for a poll it stopped to exit
    assert process.returncode is None
    released.set()
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    lines = {line["source"]: line for line in map(json.loads, out.decode().splitlines())}
    assert lines["Good"]["status"] == "ok"
    assert "304 Not Modified to a request that was not conditional" in lines["Hanging"]["error"]


def _big_feed(name: str, items: int) -> bytes:
    """A feed long enough that parsing it takes the workers a while (about 0.1 s)."""
    entries = "".join(
        f"<item><title>{name} story {n}</title><link>https://{name}.example/{n}</link>"
        f"<description>&lt;p&gt;Paragraph {n} of the {name} feed.&lt;/p&gt;</description></item>"
        for n in range(items)
    )
    return f'<rss version="2.0"><channel><title>{name}</title>{entries}</channel></rss>'.encode()


async def test_a_poll_stopped_while_its_workers_parse_ends_and_fails_no_source(
    tmp_path: Path, db_url: str, feed_server: FeedServer, store: Store
) -> None:
    """SIGTERM to the whole process group (a service manager stopping a first poll) while the
    worker processes parse: they are out of the group (bot/feeds/parse_server.py), finish
    what they began, and the poll ends. A worker it killed had failed its feeds' sources
    ("a parser process died"), or left the poll waiting for ever on half a message."""
    arrived, released = asyncio.Event(), asyncio.Event()

    async def hanging(request: web.Request) -> web.StreamResponse:
        arrived.set()
        await released.wait()
        return web.Response(status=304)

    names = [f"big{n}" for n in range(8)]
    sources = "".join(
        f"  - name: {name}\n    url: {feed_server.serve(f'/{name}', feed(_big_feed(name, 800)))}\n"
        for name in names
    )
    hang = feed_server.serve("/hanging", hanging)
    (tmp_path / "feeds.yaml").write_text(f"sources:\n{sources}  - name: Hanging\n    url: {hang}\n")
    process = await _start_poll(tmp_path, db_url, own_group=True)
    try:
        async with asyncio.timeout(60):  # every big feed sent: the workers have them
            await arrived.wait()
            await feed_server.requested(len(names) + 1)
        os.killpg(process.pid, signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        released.set()
        if process.returncode is None:
            process.kill()
    assert process.returncode == 143, err.decode()[-2000:]
    assert err.decode().splitlines()[-1:] == ["terminated"] and b"Traceback" not in err
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert all(line["status"] == "ok" for line in lines), lines
    with store.session() as session:
        failures = {s.name: s.consecutive_failures for s in SourceRepo(session).all()}
    assert set(failures.values()) == {0}, failures


async def test_a_poll_started_beside_another_leaves_it_the_sources_it_holds(
    tmp_path: Path, db_url: str, feed_server: FeedServer, store: Store
) -> None:
    """cron starting the next `poll --once` before the last one ended: each source is
    fetched once, by the poll that claimed it first."""
    holding, arrived, released = False, asyncio.Event(), asyncio.Event()

    async def slow_once_held(request: web.Request) -> web.StreamResponse:
        if holding and not arrived.is_set():
            arrived.set()
            await released.wait()
        return web.Response(body=fixture("rss2.xml"))

    slow = feed_server.serve("/slow", slow_once_held)
    quick = feed_server.serve("/quick", feed(fixture("atom.xml")))
    (tmp_path / "feeds.yaml").write_text(
        f"sources:\n  - name: Slow\n    url: {slow}\n  - name: Quick\n    url: {quick}\n"
    )
    assert (await _poll(tmp_path, db_url))[0] == 0  # applies feeds.yaml, polls both
    with store.session() as session:
        for source in SourceRepo(session).all():
            source.next_poll_at = datetime.now(UTC) - timedelta(minutes=1)  # both due again
    holding, feed_server.requests[:] = True, []

    first = asyncio.create_task(_poll(tmp_path, db_url))
    async with asyncio.timeout(60):
        await arrived.wait()  # the first poll holds Slow
        await feed_server.requested(2)  # and has Quick
    code, lines, _ = await _poll(tmp_path, db_url)
    assert (code, lines) == (0, [])  # nothing left due for the second
    released.set()
    code, lines, _ = await first
    assert code == 0 and sorted(line["source"] for line in lines) == ["Quick", "Slow"]
    assert sorted(path for path, _ in feed_server.requests) == ["/quick", "/slow"]


async def test_a_reader_that_stops_reading_is_no_failure(
    tmp_path: Path, db_url: str, feed_server: FeedServer, store: Store
) -> None:
    good = feed_server.serve("/good", feed(fixture("rss2.xml")))
    (tmp_path / "feeds.yaml").write_text(f"sources:\n  - name: Good\n    url: {good}\n")
    reading_end, writing_end = os.pipe()
    os.close(reading_end)  # `poll | head -0`: the reader is gone before the first line
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "poll", "--once", "--json",
            "--config", str(tmp_path / "feeds.yaml"),
            cwd=tmp_path, env={**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING"},
            stdout=writing_end, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
    finally:
        os.close(writing_end)
    _, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert (process.returncode, err.decode()) == (0, "")
    with store.session() as session:
        assert len(session.exec(select(Story)).all()) == 3  # the poll's work was done
