"""Every SQLite connection, the ORM's and the polls repository's, is set up by
bot/store/polls.py's `sqlite_pragmas`."""

import subprocess
import sys
from pathlib import Path

# Forks four processes that open the same new file at once, forty times over, and prints
# what each got: the journal mode, or the error.
_OPEN_TOGETHER = """
import multiprocessing, os, sqlite3, sys
from bot.store.polls import sqlite_pragmas

def open_it(path, start, answers):
    start.wait()
    try:
        connection = sqlite3.connect(path, timeout=30)
        sqlite_pragmas(connection)
        answers.put(connection.execute("PRAGMA journal_mode").fetchone()[0])
        connection.close()
    except sqlite3.Error as error:
        answers.put(f"{type(error).__name__}: {error}")

context = multiprocessing.get_context("fork")
for round in range(40):
    path = os.path.join(sys.argv[1], f"{round}.db")
    start, answers = context.Barrier(4), context.Queue()
    processes = [context.Process(target=open_it, args=(path, start, answers)) for _ in range(4)]
    for process in processes:
        process.start()
    print(*sorted(answers.get() for _ in processes))
    for process in processes:
        process.join()
"""


def test_processes_opening_a_new_file_together_all_get_it_in_wal_mode(tmp_path: Path) -> None:
    """Switching a new file to WAL takes its exclusive lock, and SQLite refuses the switch at
    once ("database is locked"), busy timeout or not, to a connection that finds another
    process switching it. Without retrying, about one connection in fifteen failed so, and
    with it a `run` and a `poll` started together on a new database."""
    result = subprocess.run(
        [sys.executable, "-c", _OPEN_TOGETHER, str(tmp_path)],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["wal wal wal wal"] * 40
