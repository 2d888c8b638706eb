"""Ingestion benchmark: `premiere-bot poll --once --all` against the `reader` library, both
as whole processes, on one loopback server (bench/feed_server.py) in the same run.

    .venv/bin/python bench/ingest.py [--feeds 200 1000] [--skip-reader] [--repeat 3]

Prints, for each feed count and cycle (cold: all new; warm: all 304; changed: 10% of
feeds have five new items), seconds, CPU seconds, feeds/s, entries/s and the peak memory of
the whole process tree (CPU and resident memory read from /proc every 20 ms, proportional
memory every 100 ms: what a process spends after its last reading is missed), and the
ratio reader/premiere-bot (higher is better for premiere-bot).
Peak memory is given twice. Resident: the sum of each process's resident size, which
counts the pages forked processes share (the interpreter, feedparser) once per process.
Proportional (PSS): each shared page split between the processes sharing it, so the
tree's sum is what it takes of the machine's memory.
Each side runs its three cycles `--repeat` times, the sides taking turns; the table gives
medians and the range of each round's own ratio. Each side's database is made afresh
before its cold cycle (reader: make_reader and add_feed; premiere-bot: `db upgrade`).
feeds.yaml lists no shows, so the classifier has nothing to match.
Needs `pip install reader` for the baseline.
"""

import argparse
import compileall
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from feed_server import ITEMS, feed_url  # noqa: E402

READER_SETUP = """
import sys
from reader import make_reader
r = make_reader(sys.argv[1])
for url in sys.stdin.read().split():
    r.add_feed(url)
r.close()
"""
READER_CYCLE = """
import sys
from reader import make_reader
r = make_reader(sys.argv[1])
r.update_feeds(workers=8, scheduled=False)
r.close()
"""


@dataclass
class Run:
    seconds: float
    peak_mb: float  # resident: each process's pages, shared ones counted in every process
    peak_pss_mb: float  # proportional: a page shared by n processes counts 1/n in each
    cpu_seconds: float
    output: str


_TICK = os.sysconf("SC_CLK_TCK")
# Every how many samples the proportional size is read too: the kernel walks a process's
# page tables for it (0.2 ms a process against 0.01 ms for the resident size), and read
# every 20 ms from our five processes it took a twentieth of a core from the run measured.
_PSS_EVERY = 5


def _tree(pid: int, proportional: bool) -> tuple[int, int | None, dict[int, float]]:
    """Resident memory (KB) of a process and all its descendants, their proportional set
    size (KB, if `proportional`), and the CPU seconds each has spent so far."""
    rss, pss, cpu, stack = 0, 0 if proportional else None, {}, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            rss += sum(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
            if pss is not None:
                rollup = Path(f"/proc/{current}/smaps_rollup").read_text().splitlines()
                pss += sum(int(line.split()[1]) for line in rollup if line.startswith("Pss:"))
            # utime and stime: the 12th and 13th fields after the command's closing bracket
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            cpu[current] = (int(fields[11]) + int(fields[12])) / _TICK
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue
    return rss, pss, cpu


def timed(command: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> Run:
    peak, peak_pss, cpu = 0, 0, {}  # CPU: the last reading of each process of the tree
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_pss
        for tick in itertools.count():
            if done.is_set():
                break
            rss, pss, seen = _tree(process.pid, proportional=tick % _PSS_EVERY == 0)
            peak = max(peak, rss)
            peak_pss = max(peak_pss, pss or 0)
            cpu.update(seen)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = process.communicate(stdin)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"{command} failed ({process.returncode}):\n{err[-2000:]}")
    return Run(elapsed, peak / 1024, peak_pss / 1024, sum(cpu.values()), out)


def control(port: int, action: str) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/{action}", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cycles(port: int, run_cycle: Callable[[], Run]) -> dict[str, Run]:
    """One side's three cycles, from a server put back to its first version."""
    control(port, "_reset")
    results = {"cold": run_cycle(), "warm": run_cycle()}
    control(port, "_bump?every=10")
    results["changed"] = run_cycle()
    return results


def bench(count: int, with_reader: bool, repeat: int) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(HERE / "feed_server.py"), str(port), str(count)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        urls = [feed_url(port, i) for i in range(count)]
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            sources = "".join(f"  - name: feed {i}\n    url: {u}\n" for i, u in enumerate(urls))
            (work / "feeds.yaml").write_text(f"sources:\n{sources}")
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{work / 'bot.db'}",
                "LOG_LEVEL": "WARNING",
            }
            ours_cmd = [sys.executable, "-m", "bot", "poll", "--once", "--all", "--json"]
            reader_db = str(work / "reader.sqlite")

            def ours() -> dict[str, Run]:
                # Creating the schema is set-up, as creating reader's database is (below).
                for stale in work.glob("bot.db*"):
                    stale.unlink()
                timed([sys.executable, "-m", "bot", "db", "upgrade"], env, work)
                runs = cycles(port, lambda: timed(ours_cmd, env, work))
                _verify(runs, count)
                return runs

            def reader() -> dict[str, Run]:
                for stale in work.glob("reader.sqlite*"):
                    stale.unlink()
                setup = [sys.executable, "-c", READER_SETUP, reader_db]
                timed(setup, env, work, stdin="\n".join(urls))
                cycle = [sys.executable, "-c", READER_CYCLE, reader_db]
                return cycles(port, lambda: timed(cycle, env, work))

            sides = {"premiere-bot": ours}
            if with_reader:
                sides["reader"] = reader
            print(f"{count} feeds x {ITEMS} items on 50 loopback hosts")
            rounds: list[dict[str, dict[str, Run]]] = []
            for number in range(repeat):
                # The machine's speed drifts within minutes: the sides take turns going first,
                # and each round's ratio compares runs made a minute apart at most.
                order = list(sides) if number % 2 == 0 else list(reversed(sides))
                rounds.append({name: sides[name]() for name in order})
                for name in sides:
                    times = "  ".join(
                        f"{cycle} {run.seconds:6.2f} s" for cycle, run in rounds[-1][name].items()
                    )
                    print(f"  round {number + 1}  {name:13} {times}", flush=True)
            _report(count, rounds)
    finally:
        server.terminate()
        server.wait()


def _verify(runs: dict[str, Run], count: int) -> None:
    """A fast run that failed is no result: every source must have answered as expected."""
    expected = {"cold": ("ok", ITEMS), "warm": ("not_modified", 0)}
    for cycle, run in runs.items():
        lines = [json.loads(line) for line in run.output.splitlines()]
        errors = [line for line in lines if line["status"] == "error"]
        if len(lines) != count or errors:
            raise SystemExit(f"{cycle}: {len(lines)} lines, errors: {errors[:3]}")
        if cycle in expected:
            status, new = expected[cycle]
            assert all((line["status"], line["new"]) == (status, new) for line in lines), cycle
        else:
            assert sum(line["new"] for line in lines) == len(range(0, count, 10)) * 5, cycle


def _report(count: int, rounds: list[dict[str, dict[str, Run]]]) -> None:
    """Medians over the rounds, and the range of the rounds' own ratios."""
    changed_feeds = len(range(0, count, 10))
    entries = {"cold": count * ITEMS, "warm": 0, "changed": changed_feeds * 5}
    with_reader = "reader" in rounds[0]
    header = "| feeds | cycle | premiere-bot s | CPU s | feeds/s | new entries/s | peak MB |"
    if with_reader:
        header += " reader s | reader CPU s | reader peak MB | reader/premiere-bot | each round |"
    print(header + "  (peak MB: resident / proportional)")
    for cycle in entries:
        ours = [r["premiere-bot"][cycle] for r in rounds]
        seconds = median(run.seconds for run in ours)
        row = (
            f"| {count} | {cycle} | {seconds:.2f} | {median(run.cpu_seconds for run in ours):.2f}"
            f" | {count / seconds:.0f} | {entries[cycle] / seconds:.0f} | {_peaks(ours)} |"
        )
        if with_reader:
            theirs = [r["reader"][cycle] for r in rounds]
            their_seconds = median(run.seconds for run in theirs)
            their_cpu = median(run.cpu_seconds for run in theirs)
            each = [t.seconds / o.seconds for o, t in zip(ours, theirs, strict=True)]
            row += (
                f" {their_seconds:.2f} | {their_cpu:.2f} | {_peaks(theirs)}"
                f" | {their_seconds / seconds:.1f}x | {min(each):.1f}-{max(each):.1f}x |"
            )
        print(row, flush=True)


def _peaks(runs: list[Run]) -> str:
    """The highest resident and proportional peaks of the runs, in MB."""
    return f"{max(r.peak_mb for r in runs):.0f} / {max(r.peak_pss_mb for r in runs):.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--skip-reader", action="store_true", help="measure premiere-bot only")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of both sides (default 3)")
    args = parser.parse_args()
    # pip compiles what it installs, reader included, but an editable install leaves bot/ as
    # source; with PYTHONDONTWRITEBYTECODE set (as on this project's machines) every run
    # would compile it again. Both sides start from bytecode, as a wheel install would.
    compileall.compile_dir(HERE.parent / "bot", quiet=1)
    # Off when the installed feedparser's code is not the code they were written for.
    short_paths = ", ".join(_short_paths()) or "none (parsing is slower)"
    print(f"feedparser {version('feedparser')}, short paths: {short_paths}")
    for count in args.feeds:
        bench(count, with_reader=not args.skip_reader, repeat=args.repeat)


def _short_paths() -> tuple[str, ...]:
    import bot.feeds.parse  # noqa: F401  (installs them)
    from bot.feeds import feedparser_speedups

    return feedparser_speedups.ACTIVE


if __name__ == "__main__":
    main()
