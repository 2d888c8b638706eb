"""Robustness battery: `poll --once --all --json` three times over a directory of feeds nobody
here wrote, plus the faults a real feed list has, all served on 127.0.0.1.

    .venv/bin/python bench/battery.py DIR [--database-url postgresql://postgres@127.0.0.1/test]

Every *.xml, *.rss, *.atom and *.rdf file under DIR becomes a source, served with an ETag
(304 when the client sends it back). Beside them: a server that hangs, 500, 404, 429 with
Retry-After, a 26 MB body, a redirect loop, an HTML page, a gzip body, Latin-1, an empty
body and a source that only ever answers 304 to its ETag. The script then checks:
- both cycles exit 0, write a JSON line for every source and report no internal error;
- each fault is an error with a message (gzip, Latin-1 and ETag are feeds and must be read);
- no feed is refused and no usable entry lost: a file feedparser (run here, given no HTTP
  headers) reads as a feed is no error, and it stores as many stories as feedparser gives
  entries that have a title, link or text, counting an entry once per id, else link, else
  title and date;
- the second cycle stores nothing, sends back every ETag it was given, and its served
  feeds answer 304;
- the third cycle, with every file served changed outside its items (a comment appended, as
  a site that rewrites a timestamp), stores nothing either and reads again every file the
  first cycle read: the items known from the first cycle are cut (bot/feeds/items.py), and a
  file that does not scan is parsed whole.
It prints the failures and exits 1 when there are any. feedparser's own test feeds (about
2,200 files, written by its authors) make a good DIR:

    pip download --no-deps --no-binary :all: feedparser==6.0.11 -d /tmp/fp
    tar xzf /tmp/fp/feedparser-6.0.11.tar.gz -C /tmp/fp
    .venv/bin/python bench/battery.py /tmp/fp/feedparser-6.0.11/tests
"""

import argparse
import asyncio
import contextlib
import gzip
import hashlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import feedparser
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
from databases import fresh_database

FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}
# fault name -> whether premiere-bot must read it as a feed (True) or report an error (False)
FAULTS = {
    "hang": False, "500": False, "404": False, "429": False, "huge": False, "loop": False,
    "html": False, "empty": False, "gzip": True, "latin1": True, "etag": True,
}  # fmt: skip
_LATIN1 = (
    '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>Caf\xe9'
    "</title><item><title>Ren\xe9e returns for season 2</title><guid>latin1-1</guid></item>"
    "</channel></rss>"
).encode("latin-1")
_RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    b"<item><title>Season 3 date set</title><guid>g-1</guid></item></channel></rss>"
)


class Battery:
    def __init__(self, files: list[Path]) -> None:
        self.bodies = [path.read_bytes() for path in files]
        self.changed = False  # the third cycle's bodies: each with a comment appended
        self.requests: list[tuple[str, str | None]] = []  # (path, If-None-Match)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/feed/{n:\\d+}", self.feed)
        app.router.add_get("/fault/{kind}", self.fault)
        return app

    async def feed(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, request.headers.get("If-None-Match")))
        body = self.bodies[int(request.match_info["n"])]
        if self.changed:
            body = _with_comment(body)
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag, "Content-Type": "text/xml"})

    async def fault(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, request.headers.get("If-None-Match")))
        kind = request.match_info["kind"]
        if kind == "hang":
            await asyncio.sleep(3600)
        if kind in ("500", "404"):
            return web.Response(status=int(kind), text="no")
        if kind == "429":
            return web.Response(status=429, headers={"Retry-After": "120"})
        if kind == "huge":
            return await _huge(request)
        if kind == "loop":
            raise web.HTTPFound("/fault/loop")
        if kind == "html":
            return web.Response(text="<html><body>Hi</body></html>", content_type="text/html")
        if kind == "empty":
            return web.Response(body=b"", content_type="application/rss+xml")
        if kind == "gzip":
            headers = {"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}
            return web.Response(body=gzip.compress(_RSS), headers=headers)
        if kind == "latin1":
            return web.Response(body=_LATIN1, headers={"Content-Type": "application/rss+xml"})
        if request.headers.get("If-None-Match") == '"v1"':  # etag
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(body=_RSS, headers={"ETag": '"v1"', "Content-Type": "text/xml"})


def _with_comment(body: bytes) -> bytes:
    """The body with a comment after it, in the body's own code units (UTF-16 and -32 files
    are read by the width their first "<" has)."""
    widths = {b"\x00\x00\x00<": "utf-32-be", b"<\x00\x00\x00": "utf-32-le"}
    first = body.find(b"<")
    window = body[max(first - 3, 0) : first + 4] if first >= 0 else b""
    codec = next((c for mark, c in widths.items() if mark in window), None)
    if codec is None:
        codec = (
            "utf-16-be" if b"\x00<" in window else "utf-16-le" if b"<\x00" in window else "utf-8"
        )
    return body + "\n<!-- changed -->\n".encode(codec)


async def _huge(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
    await response.prepare(request)
    chunk = b"<item><title>x</title></item>" * 2000
    with contextlib.suppress(ConnectionError):  # the client gives up at its cap, as it should
        for _ in range(26 * 1024 * 1024 // len(chunk)):
            await response.write(chunk)
    return response


class _Text(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.feed(markup)
        self.close()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _text(markup: str | None) -> str:
    return "".join(_Text(markup or "").parts).strip()


def reference(body: bytes) -> tuple[bool, int]:
    """feedparser's own view of a file, given no HTTP headers: whether it is a feed (a known
    format, or entries), and the entries a reader would want, counted once per identity,
    their markup read by Python's HTML parser. feedparser's sanitiser and URI resolver are
    off: they rewrite markup (`<!' <a>`, an HTML parser's bogus comment, comes out as the
    text `<!'`). The count is written apart from bot/feeds/parse.py and bot/domain/markup.py
    on purpose: a reference that called them could not catch their mistakes."""
    identities = set()
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    for entry in parsed.entries:
        content = entry.get("content") or [{}]
        summary = _text(entry.get("summary")) or _text(content[0].get("value"))
        title, link = _text(entry.get("title")), entry.get("link")
        if title or link or summary:
            published = entry.get("published") or entry.get("updated")
            identities.add(entry.get("id") or link or f"{title or summary[:120]}|{published}")
    return bool(parsed.get("version") or parsed.entries), len(identities)


@dataclass
class Cycle:
    name: str
    code: int
    lines: dict[str, dict[str, object]]  # source name -> its JSON line
    stderr: str
    seconds: float

    def failures(self, sources: list[str]) -> list[str]:
        failures = [] if self.code == 0 else [f"{self.name}: exit {self.code}"]
        if sorted(self.lines) != sorted(sources):
            failures.append(f"{self.name}: {len(self.lines)} JSON lines for {len(sources)} sources")
        if "Traceback" in self.stderr:
            failures.append(f"{self.name}: a traceback on stderr")
        for source, line in self.lines.items():
            error = str(line["error"] or "")
            if error.startswith("internal error") or (line["status"] == "error" and not error):
                failures.append(f"{self.name}: {source}: {line['status']} {error!r}")
        return failures

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines.values() if line["status"] == status)


async def _bot(work: Path, database: str, *args: str, stdout: int) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` on the battery's own database."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=work, stdout=stdout, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "DATABASE_URL": database},
    )  # fmt: skip


async def poll(name: str, work: Path, database: str) -> Cycle:
    started = time.perf_counter()
    command = ("poll", "--once", "--all", "--json")
    process = await _bot(work, database, *command, stdout=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=600)
    lines = [json.loads(line) for line in out.decode().splitlines()]
    by_source = {str(line["source"]): line for line in lines}
    seconds = time.perf_counter() - started
    return Cycle(name, process.returncode or 0, by_source, err.decode(), seconds)


def feed_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in FEED_SUFFIXES and p.is_file())


async def run(files: list[Path], server_url: str | None) -> int:
    battery = Battery(files)
    # shutdown_timeout: the hanging handler would hold the server's exit for a minute
    runner = web.AppRunner(battery.app(), access_log=None, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    names = [f"file {n}" for n in range(len(files))] + [f"fault {k}" for k in FAULTS]
    urls = [f"{base}/feed/{n}" for n in range(len(files))] + [f"{base}/fault/{k}" for k in FAULTS]
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            fresh_database(server_url, Path(tmp) / "bot.db") as database,
        ):
            work = Path(tmp)
            listing = "".join(
                f"  - name: {n}\n    url: {u}\n" for n, u in zip(names, urls, strict=True)
            )
            (work / "feeds.yaml").write_text(f"sources:\n{listing}")
            upgrade = await _bot(work, database, "db", "upgrade", stdout=asyncio.subprocess.DEVNULL)
            await upgrade.communicate()
            first = await poll("cycle 1", work, database)
            asked_before = len(battery.requests)
            second = await poll("cycle 2", work, database)
            asked_after = len(battery.requests)
            battery.changed = True
            third = await poll("cycle 3", work, database)
    finally:
        await runner.cleanup()
    return report(files, names, battery, (first, second, third), (asked_before, asked_after))


def report(files: list[Path], sources: list[str], battery: Battery,
           cycles: tuple[Cycle, Cycle, Cycle], second_asked: tuple[int, int]) -> int:  # fmt: skip
    first, second, third = cycles
    failures = [failure for cycle in cycles for failure in cycle.failures(sources)]
    for kind, is_feed in FAULTS.items():
        line = first.lines.get(f"fault {kind}", {})
        if (line.get("status") == "error") == is_feed:
            failures.append(f"fault {kind}: {line.get('status')} {line.get('error')!r}")
    for n, path in enumerate(files):
        line = first.lines.get(f"file {n}", {})
        is_feed, expected = reference(battery.bodies[n])
        if line.get("new", 0) != expected:
            failures.append(f"{path}: stored {line.get('new')}, feedparser gives {expected}")
        if is_feed and line.get("status") == "error":
            failures.append(f"{path}: a feed to feedparser, an error here: {line.get('error')}")
    if second.lines.get("fault etag", {}).get("status") != "not_modified":
        failures.append(f"fault etag: {second.name} did not get a 304")
    for cycle in (second, third):
        again = [source for source, line in cycle.lines.items() if line["new"]]
        failures += [f"{cycle.name} stored again: {source}" for source in again]
    failures += [
        f"{third.name}: {source} read in {first.name}, now {line['status']}: {line['error']}"
        for source, line in third.lines.items()
        if source.startswith("file") and first.lines[source]["status"] == "ok"
        and line["status"] != "ok"
    ]  # fmt: skip
    asked = [
        etag for path, etag in battery.requests[slice(*second_asked)] if path.startswith("/feed/")
    ]
    sent_back = sum(1 for etag in asked if etag)
    read = sum(
        1
        for source, line in first.lines.items()
        if source.startswith("file") and line["status"] == "ok"
    )
    if sent_back < read:
        failures.append(f"{second.name} sent {sent_back} ETags back for {read} feeds read")
    print(f"{len(files)} feed files + {len(FAULTS)} faults")
    for cycle in cycles:
        stored = sum(int(str(line["new"])) for line in cycle.lines.values())
        counts = ", ".join(
            f"{status} {cycle.count(status)}"
            for status in ("ok", "not_modified", "unchanged", "error")
        )
        print(f"{cycle.name}: {cycle.seconds:.1f} s, {stored} stories stored; {counts}")
    print(f"{second.name}: {sent_back} ETags sent back for {read} feeds read")
    for failure in failures:
        print("FAIL", failure)
    print("ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("directory", type=Path, help="a directory of feed files")
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="a PostgreSQL server to make the battery's database on (default: a SQLite file)",
    )
    args = parser.parse_args()
    sys.exit(asyncio.run(run(feed_files(args.directory), args.database_url)))


if __name__ == "__main__":
    main()
