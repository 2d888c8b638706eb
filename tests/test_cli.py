"""The command line as a person (or a script) uses it: real processes, real exit codes."""

import gc
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from bot import __version__
from bot.__main__ import main
from bot.feeds.entry import Entry
from bot.store.db import Store, make_engine
from bot.store.polls import SCHEMA_REVISION
from bot.store.tables import Source

REPO = Path(__file__).resolve().parent.parent


def _run(
    *args: str, cwd: Path = REPO, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_help_lists_every_command() -> None:
    result = _run("--help")
    assert result.returncode == 0
    for command in ("run", "check", "poll", "classify", "calendar", "status", "db"):
        assert f"    {command} " in result.stdout


def test_bad_settings_are_named_and_exit_1() -> None:
    result = _run("check", env={"SHARD_IDS": "0,1"})
    assert result.returncode == 1
    assert "SHARD_IDS needs SHARD_COUNT" in result.stderr and "Traceback" not in result.stderr


def test_check_accepts_the_shipped_feeds_yaml() -> None:
    result = _run("check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("feeds.yaml: ok")


def test_check_reports_problems_with_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "sources:\n  - name: A\n    url: https://a.example/\n  - name: B\n    url: gopher://b\n"
    )
    result = _run("check", "--config", str(broken))
    assert result.returncode == 1
    assert result.stderr.strip() == f"{broken}:5: sources[1].url: not an http(s) URL"


def test_check_uses_feeds_file_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("defaults:\n  timezone: Atlantis/Capital\n")
    result = _run("check", cwd=tmp_path, env={"FEEDS_FILE": "mine.yaml"})
    assert result.returncode == 1 and "mine.yaml:2: defaults.timezone" in result.stderr


def test_check_does_not_load_discord() -> None:
    code = (
        "import sys; from bot.__main__ import main; main(['check']); "
        "sys.exit(1 if any(m == 'discord' or m.startswith('discord.') for m in sys.modules) else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, check=False
    )
    assert result.returncode == 0


def test_db_upgrade_creates_the_schema(empty_db_url: str, tmp_path: Path) -> None:
    result = _run("db", "upgrade", cwd=tmp_path, env={"DATABASE_URL": empty_db_url})
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout
    engine = make_engine(empty_db_url)
    try:
        assert {"source", "story", "release", "follow", "outbox"} <= set(
            inspect(engine).get_table_names()
        )
    finally:
        engine.dispose()
    current = _run("db", "current", cwd=tmp_path, env={"DATABASE_URL": empty_db_url})
    assert current.stdout.startswith(f"current {SCHEMA_REVISION}; newest {SCHEMA_REVISION}")


def test_default_database_is_a_file_in_the_working_directory(tmp_path: Path) -> None:
    env = {"DATABASE_URL": "sqlite:///premiere.db"}
    result = _run("db", "upgrade", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "premiere.db").exists()


def test_unusable_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("sources: []\n")
    file = tmp_path / "file"
    file.write_text("")
    commands = [["poll", "--once"], ["status"], ["calendar"], ["db", "upgrade"], ["db", "current"]]
    for url, reason in [
        ("postgresql://nobody@127.0.0.1:1/none", "connection"),
        (f"sqlite:///{file}/under/a/file.db", "Not a directory"),  # the folder cannot be made
        (f"sqlite:///{tmp_path}", "unable to open database file"),  # a folder, not a file
    ]:
        for command in commands:
            result = _run(*command, cwd=tmp_path, env={"DATABASE_URL": url})
            assert result.returncode == 1, (url, command, result.stderr)
            assert result.stderr.startswith("database unusable:"), result.stderr
            assert len(result.stderr.splitlines()) == 1 and reason in result.stderr, result.stderr


def test_a_database_url_of_no_usable_database_is_refused_without_repeating_it(
    tmp_path: Path,
) -> None:
    for url, reason in [
        ("mysql://root:s3cret@127.0.0.1/bot", "mysql:// is no database the bot can use"),
        ("premiere.db", "not a database URL"),
        ("sqlite://", "an in-memory SQLite database lasts one command"),
    ]:
        result = _run("poll", "--once", cwd=tmp_path, env={"DATABASE_URL": url})
        assert result.returncode == 1
        assert result.stderr.splitlines() == [
            "invalid settings (environment or .env):",
            f"  DATABASE_URL: {reason}: write sqlite:///FILE or postgresql://USER@HOST/DATABASE",
        ]
        assert "s3cret" not in result.stderr


def test_a_database_that_fails_midway_is_a_clear_error(empty_db_url: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": empty_db_url}
    # A closed loopback port: if the poll ever got as far as fetching, it would stay local.
    (tmp_path / "feeds.yaml").write_text("sources:\n  - name: A\n    url: http://127.0.0.1:9/\n")
    # feeds.yaml applied, so the next poll reads the sources in plain SQL (polls.py).
    assert _run("poll", "--once", cwd=tmp_path, env=env).returncode == 0
    engine = make_engine(empty_db_url)
    try:
        with engine.begin() as connection:  # the schema is at the newest revision, yet broken
            connection.execute(text("ALTER TABLE source RENAME TO source_gone"))
    finally:
        engine.dispose()
    for command in (["poll", "--once"], ["status"], ["calendar"]):
        result = _run(*command, cwd=tmp_path, env=env)
        assert result.returncode == 1, command
        assert result.stderr.startswith("database unusable:"), result.stderr
        assert len(result.stderr.splitlines()) == 1 and "source" in result.stderr


def test_a_schema_a_newer_bot_migrated_is_a_clear_error(empty_db_url: str, tmp_path: Path) -> None:
    """After a downgrade the database is at a revision this bot has no script for: every
    command says so in one line and leaves the database as it is."""
    env = {"DATABASE_URL": empty_db_url}
    (tmp_path / "feeds.yaml").write_text("sources: []\n")
    assert _run("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    engine = make_engine(empty_db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        for command in (["poll", "--once"], ["status"], ["calendar"], ["db", "upgrade"]):
            result = _run(*command, cwd=tmp_path, env=env)
            assert result.returncode == 1, command
            assert result.stderr.splitlines() == [
                f"database unusable: the schema is at revision 9999, which premiere-bot "
                f"{__version__} does not know (its newest is {SCHEMA_REVISION}): run the "
                "newer version that migrated it, or restore a backup"
            ], command
        with engine.connect() as connection:
            revision = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert revision.scalar() == "9999"
    finally:
        engine.dispose()


def test_run_without_a_token_says_how_to_set_it(tmp_path: Path) -> None:
    env = {"DISCORD_TOKEN": "", "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    result = _run("run", "--config", str(REPO / "feeds.yaml"), cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr and "--console" in result.stderr


_WATCH_A_POLL = """
import gc, sys
from bot import __main__ as entry
from bot.commands import poll as poll_command
from bot.feeds import poll

real_cycle = poll.Poller.cycle

async def cycle(self, **options):
    print("fetching: collecting", gc.isenabled(), "frozen", gc.get_freeze_count() > 0)
    return await real_cycle(self, **options)

real_classify = poll_command._classify_unread

def classify_unread(*args):
    print("classifying: collecting", gc.isenabled())
    return real_classify(*args)

poll.Poller.cycle = cycle
poll_command._classify_unread = classify_unread
sys.argv = ["premiere-bot", "poll", "--once", "--config", sys.argv[1]]
code = entry.cli()
heavy = ("discord", "bot.classify.classifier", "sqlalchemy", "aiohttp", "pydantic")
print("loaded", [m for m in heavy if m in sys.modules])
sys.exit(code)
"""


def test_poll_collects_garbage_while_it_classifies_and_loads_only_what_it_needs(
    tmp_path: Path,
) -> None:
    """`cli` holds the collector off during imports and a poll's fetch cycle (see `cli` and
    bot/commands/poll.py); classifying makes enough cyclic garbage to need it (12 MB more at
    the peak of a 15,000-story cycle without it). A poll that loaded discord.py or, with
    nothing to read and feeds.yaml applied already, the classifier or SQLAlchemy would
    start slower; so would one that loaded pydantic for its settings (bot/basic_settings.py)."""
    config = tmp_path / "feeds.yaml"
    config.write_text("sources: []\nshows:\n  - title: Severance\n")
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = {**os.environ, "DATABASE_URL": url}

    def poll() -> list[str]:
        result = subprocess.run(
            [sys.executable, "-c", _WATCH_A_POLL, str(config)],
            cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    first = ["fetching: collecting False frozen True", "loaded ['sqlalchemy', 'pydantic']"]
    assert poll() == first  # feeds.yaml read (its schema is pydantic) and applied
    assert poll() == ["fetching: collecting False frozen True", "loaded []"]
    store = Store.open(url)
    try:
        with store.session() as session:  # a story a cut-short poll stored, still unread
            source = Source(
                name="A", url="http://127.0.0.1:9/", interval_seconds=900, enabled=False
            )
            session.add(source)
            session.flush()
            assert source.id is not None
        entry = Entry("k", "f", None, "Severance returns", "", None)
        store.polls.store([(source.id, {}, [entry])], datetime.now(UTC), timedelta(days=1))
    finally:
        store.close()
    assert poll() == [
        "fetching: collecting False frozen True",
        "classifying: collecting True",
        "loaded ['bot.classify.classifier', 'sqlalchemy', 'pydantic']",
    ]


def test_main_in_process_leaves_the_collector_alone(tmp_path: Path) -> None:
    """Tests and embedders call `main` directly: only the `cli` process tunes the collector,
    even for a command that says its imports are done (classify does)."""
    stories = tmp_path / "stories.jsonl"
    stories.write_text("")
    frozen = gc.get_freeze_count()
    shows = str(REPO / "tests" / "classify" / "shows.yaml")
    output = str(tmp_path / "out.jsonl")
    assert main(["classify", "--shows", shows, "--input", str(stories), "--output", output]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen


_GUESS_WRONG = """
import os, sys
from bot.__main__ import _fork_for_poll, main

child = _fork_for_poll(sys.argv[1:])
print("forked", child is not None)
try:
    code = main(sys.argv[1:], fetching=child)
except SystemExit as usage:
    code = usage.code
if child is not None:
    try:
        os.kill(child.pid, 0)
        print("child left running")
    except ProcessLookupError:
        print("child ended")
sys.exit(code)
"""


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["check", "--config", "poll", "--once"], 2),  # argparse refuses --once for check
        (["check", "--config", "poll"], 1),  # "--once" nowhere: no fork, nothing to end
        (["check", "--config", "poll --once"], 1),  # one word, not the two
    ],
)
def test_a_fetching_child_forked_on_a_wrong_guess_is_ended(
    tmp_path: Path, argv: list[str], code: int
) -> None:
    """`cli` forks the fetching child on the words `poll` and `--once` alone, before argparse
    reads the command line (bot/__main__.py): a command that is no poll ends that child."""
    result = subprocess.run(
        [sys.executable, "-c", _GUESS_WRONG, *argv],
        cwd=tmp_path, env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == code, result.stderr
    forked = "--once" in argv
    assert result.stdout.splitlines() == [f"forked {forked}"] + (["child ended"] if forked else [])


def test_status_json_is_one_object_a_monitoring_script_reads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    (tmp_path / "feeds.yaml").write_text("sources: []\n")
    assert _run("db", "upgrade", cwd=tmp_path, env={"DATABASE_URL": url}).returncode == 0
    store = Store(make_engine(url))
    since = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
    with store.session() as session:
        session.add(Source(name="Gone", url="https://gone.example/", interval_seconds=900,
                           last_status=410, last_error="HTTP 410 Gone", consecutive_failures=1,
                           failing_since=since))  # fmt: skip
    store.close()
    result = _run("status", "--json", cwd=tmp_path, env={"DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    report = json.loads(line)
    [gone] = report["sources"]
    assert (gone["name"], gone["state"], gone["error"], gone["failing_since"]) == (
        "Gone", "broken", "HTTP 410 Gone", "2026-12-06T09:30:00+00:00",
    )  # fmt: skip
    assert report["outbox"] == {"waiting": 0, "oldest_waiting_since": None, "failed": 0}
    assert report["next_poll"]["source"] == "Gone"  # never polled: due now
    assert (report["last_poll"], report["next_countdown"]) == (None, None)
