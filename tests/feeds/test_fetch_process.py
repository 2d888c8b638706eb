"""The fetching child `poll --once` forks: answers and errors come back whole, the fetches of
a child that dies are made in the parent, and the child never outlives its parent.

Each test runs a small parent in a process of its own, since forking pytest's own process
(threads, open sockets) is what FetchProcess must never do."""

import asyncio
import json
import os
import signal
import sys
import threading
from collections.abc import Awaitable
from typing import Any

from bot.feeds.fetch_process import FetchProcess, _answer
from bot.feeds.fetched import Fetched, FetchError, FetchLimits
from tests.feeds.conftest import FeedServer, feed, fixture, slow, status
from tests.feeds.test_parsing_pool import alive

PARENT = """
import asyncio, json, sys
from bot.feeds.fetch_process import FetchProcess
from bot.feeds.fetched import FetchError

fetching = FetchProcess.fork()

async def fetch(url, **validators):
    try:
        got = await fetching.fetch(url, **validators)
    except FetchError as error:
        seconds = error.retry_after.total_seconds() if error.retry_after else None
        return {"error": error.message, "http_status": error.http_status, "retry_after": seconds}
    return {"status": got.status, "etag": got.etag, "size": len(got.body or b"")}

async def main(urls):
    print(json.dumps({"child": fetching.pid, "aiohttp here": "aiohttp" in sys.modules}))
    answers = await asyncio.gather(*(fetch(url) for url in urls))
    answers.append(await fetch(urls[0], etag='"v1"'))
    await fetching.aclose()
    print(json.dumps(answers))

asyncio.run(main(sys.argv[1:]))
fetching.close()
"""


async def run_parent(script: str, *args: str) -> list[str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode().splitlines()


async def test_answers_and_errors_come_back_whole(feed_server: FeedServer) -> None:
    ok = feed_server.serve("/rss", feed(fixture("rss2.xml"), ETag='"v1"'))
    failing = feed_server.serve("/500", status(500))
    slow_down = feed_server.serve("/429", status(429, **{"Retry-After": "120"}))
    first, answers = await run_parent(PARENT, ok, failing, slow_down)
    started = json.loads(first)
    assert started["aiohttp here"] is False  # the parent never imports it
    rss, server_error, too_many, not_modified = json.loads(answers)
    assert rss == {"status": 200, "etag": '"v1"', "size": len(fixture("rss2.xml"))}
    assert server_error == {
        "error": "HTTP 500 Internal Server Error", "http_status": 500, "retry_after": None,
    }  # fmt: skip
    assert too_many["http_status"] == 429 and too_many["retry_after"] == 120
    assert not_modified == {"status": 304, "etag": '"v1"', "size": 0}
    assert not alive(started["child"])


OUTLIVE = """
import asyncio, json, sys
from bot.feeds.fetch_process import FetchProcess

fetching = FetchProcess.fork()

async def main(ok, slow):
    print(fetching.pid, flush=True)
    waiting = asyncio.ensure_future(fetching.fetch(slow))
    # The test kills the child while it waits for the slow answer, then says so here.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    answer = await waiting
    later = await fetching.fetch(ok, etag='"v1"')
    print(json.dumps([answer.status, len(answer.body), later.status, "aiohttp" in sys.modules]))
    await fetching.aclose()

asyncio.run(main(*sys.argv[1:]))
fetching.close()
"""


async def test_a_child_that_dies_leaves_its_fetches_to_the_parent(
    feed_server: FeedServer,
) -> None:
    """A child killed (out of memory, say) is no fault of the sources it was fetching: the
    fetch it was making is made again in the parent, and so is every later one."""
    ok = feed_server.serve("/rss", feed(fixture("rss2.xml"), ETag='"v1"'))
    slow_feed = feed_server.serve("/slow", slow(0.5))
    asked = feed_server.requested(1)  # the child waits for the slow answer
    out, err, _ = await _signal_the_child(OUTLIVE, [ok, slow_feed], signal.SIGKILL, asked)
    assert out == [200, len(fixture("rss2.xml")), 304, True]
    assert "the fetching process ended: fetching in this process from now on" in err
    assert len(feed_server.headers_sent_to("/slow")) == 2  # asked again by the parent
    assert feed_server.headers_sent_to("/rss")[0]["If-None-Match"] == '"v1"'


STOPPED = """
import asyncio, json, sys
from bot.feeds.fetch_process import FetchProcess

fetching = FetchProcess.fork(silence=2.0)

async def main(ok):
    print(fetching.pid, flush=True)
    # The test stops the child (SIGSTOP), then says so here.
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    answer = await fetching.fetch(ok)
    print(json.dumps([answer.status, "aiohttp" in sys.modules]))
    await fetching.aclose()

asyncio.run(main(*sys.argv[1:]))
fetching.close()
"""


async def test_a_child_that_answers_nothing_is_killed_and_its_fetches_made_here(
    feed_server: FeedServer,
) -> None:
    """A stopped or stuck child would hold a poll forever: one that answers nothing for
    longer than any fetch of its can take (`silence`, 2 s here) is killed, and the fetch
    waiting on it is made in the parent."""
    ok = feed_server.serve("/rss", feed(fixture("rss2.xml")))
    out, err, child = await _signal_the_child(STOPPED, [ok], signal.SIGSTOP)
    assert out == [200, True]
    assert "the fetching process answered nothing for 2 s: fetching in this process" in err
    assert not alive(child)


async def _signal_the_child(
    script: str, args: list[str], signum: int, ready: Awaitable[object] | None = None
) -> tuple[Any, str, int]:
    """Runs `script`, a parent that prints its fetching child's pid and then waits for a
    line: sends the child `signum` (once `ready` is done), tells the parent, and returns the
    JSON the parent printed last, its stderr, and the child's pid."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, *args, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stdin is not None
    child = int(await asyncio.wait_for(process.stdout.readline(), timeout=30))
    if ready is not None:
        await asyncio.wait_for(ready, timeout=30)
    os.kill(child, signum)
    process.stdin.write(b"signalled\n")
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return json.loads(out), err.decode(), child


LINGER = """
import sys, time
from bot.feeds.fetch_process import FetchProcess, _answer
from bot.feeds.fetched import Fetched, FetchError, FetchLimits

print(FetchProcess.fork().pid, flush=True)
time.sleep(600)
"""


async def test_the_child_exits_when_its_parent_is_killed() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", LINGER, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    child = int(await asyncio.wait_for(process.stdout.readline(), timeout=30))
    assert alive(child)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    for _ in range(100):  # the child sees its socket close once the parent is gone
        if not alive(child):
            break
        await asyncio.sleep(0.1)
    assert not alive(child)
    assert await process.stdout.read() == b""  # the child wrote nothing of the parent's


def test_a_process_with_other_threads_is_not_forked() -> None:
    """Forking copies no other thread but any lock one holds: then the poll fetches in its
    own process instead."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert FetchProcess.fork() is None
    finally:
        release.set()
        other.join()


async def test_an_answer_for_a_parent_gone_is_dropped_quietly() -> None:
    """A poll stopped mid-cycle closes its end while the child still answers: the child's
    write is reset, which must not print a task's traceback beside the poll's last line."""

    class Unreachable:
        async def fetch(self, url: str, **validators: object) -> Fetched:
            raise FetchError("HTTP 500 Internal Server Error", 500)

    class ParentGone:
        def write(self, data: bytes) -> None:
            pass

        async def drain(self) -> None:
            raise ConnectionResetError(104, "Connection reset by peer")

    request = (7, "http://127.0.0.1:9/", None, None, False, None)
    await _answer(Unreachable(), request, ParentGone(), asyncio.Lock())  # type: ignore[arg-type]


def test_the_child_may_stay_silent_as_long_as_the_configured_timeout_and_more() -> None:
    """feeds.yaml's fetch_timeout reaches the child after it was forked: a child given
    60 s a fetch must not be taken for stuck after the default 15 s and 10 more."""
    import socket

    ours, theirs = socket.socketpair()
    try:
        fetching = FetchProcess(os.getpid(), ours, FetchLimits(), silence=None)
        assert fetching.silence == 25
        fetching.set_limits(60, 8 << 20)
        assert (fetching.silence, fetching.limits.max_bytes) == (70, 8 << 20)
        assert FetchProcess(os.getpid(), ours, FetchLimits(), silence=2.0).silence == 2.0
    finally:
        ours.close()
        theirs.close()


async def test_the_child_may_stay_silent_as_long_as_the_longest_waiting_fetch_may_take() -> None:
    """A source's own fetch_timeout (feeds.yaml) may exceed the default: while its fetch
    waits, the child is allowed that long and 10 s more before it is taken for stuck."""
    import socket

    ours, theirs = socket.socketpair()  # the other end reads nothing: no answer ever comes
    fetching = FetchProcess(os.getpid(), ours, FetchLimits(), silence=None)
    try:
        patient = asyncio.ensure_future(fetching.fetch("http://127.0.0.1:9/", fetch_timeout=120))
        brief = asyncio.ensure_future(fetching.fetch("http://127.0.0.1:9/b", fetch_timeout=5))
        await asyncio.sleep(0.05)  # both sent
        assert fetching.silence == 130
        patient.cancel()
        await asyncio.gather(patient, return_exceptions=True)
        assert fetching.silence == 25  # the default's 15 s: longer than the 5 s left waiting
        brief.cancel()
        await asyncio.gather(brief, return_exceptions=True)
    finally:
        await fetching.aclose()  # not close(): its "child" is this process
        ours.close()
        theirs.close()
