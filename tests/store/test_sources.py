"""feeds.yaml sources in the store: added, updated, renamed and retired without losing state."""

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import event

from bot.config import parse_config
from bot.store.db import Store, make_engine
from bot.store.polls import PollStore
from bot.store.sources import REMOVED_FROM_CONFIG, SourceRepo, SyncReport
from bot.store.sync import apply_config

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def _config(sources: str, interval: str = "15m") -> str:
    return f"defaults:\n  poll_interval: {interval}\nsources:\n{sources}"


TWO = """\
  - name: TVLine
    url: https://tvline.com/feed/
  - name: Decider
    url: https://decider.com/feed/
    interval: 1h
    fetch_timeout: 45s
"""


def _sync(store: Store, text: str):  # type: ignore[no-untyped-def]
    with store.session() as session:
        return SourceRepo(session).sync_config(parse_config(text, "feeds.yaml"), NOW)


def test_new_sources_are_added_due_now(store: Store) -> None:
    report = _sync(store, _config(TWO))
    assert sorted(report.added) == ["Decider", "TVLine"]
    with store.session() as session:
        rows = {s.name: s for s in SourceRepo(session).all()}
    assert rows["Decider"].interval_seconds == 3600
    assert rows["TVLine"].interval_seconds == 900
    assert (rows["Decider"].fetch_timeout_seconds, rows["TVLine"].fetch_timeout_seconds) == (
        45, None,
    )  # fmt: skip
    assert rows["TVLine"].next_poll_at == NOW and rows["TVLine"].origin == "config"
    # Inserted as plain rows: the columns' defaults are the model's.
    tvline = rows["TVLine"]
    assert (tvline.trusted, tvline.enabled, tvline.consecutive_failures) == (True, True, 0)
    assert (tvline.etag, tvline.body_hash, tvline.item_digests, tvline.disabled_reason) == (
        None, None, None, None,
    )  # fmt: skip
    assert tvline.created_at.tzinfo is not None and tvline.id is not None


def test_sync_twice_changes_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _sync(store, _config(TWO))
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    changes: list[object] = []  # source rows are written in plain SQL, past those events
    write_changes = PollStore.write_changes
    monkeypatch.setattr(
        PollStore, "write_changes", lambda self, c: (changes.extend(c), write_changes(self, c))
    )
    report = _sync(store, _config(TWO))
    assert (report.added, report.updated, report.disabled) == ([], [], [])
    # Every start applies feeds.yaml: it reads the sources and writes nothing when they match.
    assert [s.split()[0] for s in statements] == ["SELECT"]
    assert changes == []


def test_rename_keeps_poll_state_and_interval_change_applies(store: Store) -> None:
    _sync(store, _config(TWO))
    with store.session() as session:
        tvline = SourceRepo(session).by_name("TVLine")
        assert tvline is not None
        tvline.etag, tvline.consecutive_failures = '"abc"', 2
    renamed = TWO.replace("name: TVLine", "name: TV Line")
    report = _sync(store, _config(renamed, interval="30m"))
    assert sorted(report.updated) == ["TV Line"]  # Decider has its own interval
    with store.session() as session:
        row = SourceRepo(session).by_name("TV Line")
    assert row is not None
    assert (row.etag, row.consecutive_failures, row.interval_seconds) == ('"abc"', 2, 1800)


@pytest.mark.parametrize(("written", "seconds"), [("2m30s", 150), (None, None)])
def test_a_changed_fetch_timeout_applies(
    store: Store, written: str | None, seconds: float | None
) -> None:
    _sync(store, _config(TWO))
    line = "    fetch_timeout: 45s\n"
    report = _sync(
        store, _config(TWO.replace(line, f"    fetch_timeout: {written}\n" if written else ""))
    )
    assert report.updated == ["Decider"]
    with store.session() as session:
        row = SourceRepo(session).by_name("Decider")
    assert row is not None and row.fetch_timeout_seconds == seconds


@pytest.mark.parametrize(
    ("defaults", "tvline", "trusted"),
    [
        ("", "", True),  # feeds.yaml's sources are trusted unless told
        ("  address_guard: true\n", "", False),
        ("", "    address_guard: true\n", False),
        ("  address_guard: true\n", "    address_guard: false\n", True),  # its own wins
    ],
)
def test_the_address_guard_is_set_by_feeds_yaml(
    store: Store, defaults: str, tvline: str, trusted: bool
) -> None:
    def tvline_trusted() -> bool:
        with store.session() as session:
            row = SourceRepo(session).by_name("TVLine")
        assert row is not None
        return row.trusted

    sources = TWO.replace(
        "    url: https://tvline.com/feed/\n", f"    url: https://tvline.com/feed/\n{tvline}"
    )
    written = _config(sources).replace("defaults:\n", f"defaults:\n{defaults}")
    assert _sync(store, written).added == ["TVLine", "Decider"]
    assert tvline_trusted() is trusted
    # Turned the other way on the source itself, the row follows and is reported updated.
    flipped = TWO.replace(
        "    url: https://tvline.com/feed/\n",
        f"    url: https://tvline.com/feed/\n    address_guard: {str(trusted).lower()}\n",
    )
    report = _sync(store, _config(flipped).replace("defaults:\n", f"defaults:\n{defaults}"))
    assert report.updated == ["TVLine"]
    assert tvline_trusted() is not trusted


def test_removed_source_is_disabled_and_comes_back(store: Store) -> None:
    _sync(store, _config(TWO))
    only_decider = _config("  - name: Decider\n    url: https://decider.com/feed/\n")
    report = _sync(store, only_decider)
    assert report.disabled == ["TVLine"]
    with store.session() as session:
        gone = SourceRepo(session).by_name("TVLine")
    assert gone is not None and not gone.enabled and gone.disabled_reason == REMOVED_FROM_CONFIG
    _sync(store, _config(TWO))
    with store.session() as session:
        back = SourceRepo(session).by_name("TVLine")
    assert back is not None and back.enabled and back.disabled_reason is None


def test_name_of_a_retired_source_can_be_reused_for_a_new_url(store: Store) -> None:
    _sync(store, _config(TWO))
    moved = TWO.replace("https://tvline.com/feed/", "https://tvline.com/feed/rss2/")
    report = _sync(store, _config(moved))
    assert report.added == ["TVLine"] and len(report.disabled) == 1
    with store.session() as session:
        names = [s.name for s in SourceRepo(session).all()]
    assert "TVLine" in names and len(names) == 3


def test_sources_may_swap_and_rotate_names(store: Store) -> None:
    three = TWO + "  - name: Deadline\n    url: https://deadline.com/feed/\n"
    _sync(store, _config(three))
    with store.session() as session:
        tvline = SourceRepo(session).by_name("TVLine")
        assert tvline is not None
        tvline.etag = '"tvline"'
    # Names are UNIQUE: renaming one row onto a name another row is about to give up must
    # not trip the constraint, whichever row the database updates first.
    swapped = three.replace("TVLine", "@").replace("name: Decider", "name: TVLine")
    swapped = swapped.replace("@", "Decider")
    report = _sync(store, _config(swapped))
    assert sorted(report.updated) == ["Decider", "TVLine"]
    rotated = (
        three.replace("TVLine", "@")
        .replace("name: Deadline", "name: TVLine")
        .replace("name: Decider", "name: Deadline")
        .replace("@", "Decider")
    )
    _sync(store, _config(rotated))
    with store.session() as session:
        names = {s.url: (s.name, s.etag, s.enabled) for s in SourceRepo(session).all()}
    assert names == {
        "https://tvline.com/feed/": ("Decider", '"tvline"', True),  # state follows the URL
        "https://decider.com/feed/": ("Deadline", None, True),
        "https://deadline.com/feed/": ("TVLine", None, True),
    }


def test_disabled_in_config(store: Store) -> None:
    _sync(store, _config(TWO + "    enabled: false\n"))
    with store.session() as session:
        decider = SourceRepo(session).by_name("Decider")
    assert decider is not None and not decider.enabled


def test_two_processes_applying_feeds_yaml_at_once_take_turns(db_url: str) -> None:
    """A `poll --once` started while another poll (or `run`) applies the same feeds.yaml:
    the later one waits for the first to commit, then finds its sources there. On SQLite
    it used to read first, then fail on its insert ("UNIQUE constraint failed:
    source.url") and report the database unusable."""
    config = parse_config(_config(TWO), "feeds.yaml")
    first, second = Store(make_engine(db_url)), Store(make_engine(db_url))
    second_done = threading.Event()
    outcome: list[object] = []

    def apply_second() -> None:
        try:
            with second.session() as session:
                outcome.append(apply_config(session, config, NOW))
        except Exception as error:  # what the test reports
            outcome.append(error)
        second_done.set()

    try:
        with first.session() as session:
            apply_config(session, config, NOW)
            late = threading.Thread(target=apply_second)
            late.start()
            # The first has not committed: the second must be waiting, not done or failed.
            assert not second_done.wait(0.5), outcome
        late.join(30)
        [report] = outcome
        assert isinstance(report, SyncReport), report
        assert report.added == []  # the first's rows, seen once it committed
        with first.session() as session:
            assert sorted(s.name for s in SourceRepo(session).all()) == ["Decider", "TVLine"]
    finally:
        first.close()
        second.close()
