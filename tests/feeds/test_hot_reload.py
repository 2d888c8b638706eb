"""feeds.yaml changed while the bot runs: applied when valid, rejected (and reported) when not."""

import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

import bot.service as service_module
from bot.config import FeedsConfig, load_config
from bot.feeds.fetch import Fetcher
from bot.feeds.parsing_pool import ParsingPool
from bot.notify.console import ConsoleSender
from bot.service import Service
from bot.store.db import Store
from bot.store.sources import SyncReport
from bot.store.sync import apply_config
from bot.store.tables import Outbox, Source, utcnow

FIRST = """\
defaults: {admin_channel: 555}
sources:
  - {name: One, url: "https://one.example/rss"}
"""


def started(store: Store, path: Path) -> FeedsConfig:
    """feeds.yaml written and applied, as at start-up."""
    path.write_text(FIRST)
    config = load_config(path)
    with store.session() as session:
        apply_config(session, config, utcnow())
    return config


@asynccontextmanager
async def _service(
    store: Store, config: FeedsConfig, parsers: ParsingPool
) -> AsyncIterator[Service]:
    async with Fetcher.open() as fetcher:
        yield Service(store, config, ConsoleSender(io.StringIO()), fetcher, parsers, worker="t")


async def test_reload_applies_valid_and_keeps_running_on_invalid(
    store: Store, tmp_path: Path, parsers: ParsingPool, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "feeds.yaml"
    config = started(store, path)
    async with Fetcher.open() as fetcher:
        sender = ConsoleSender(io.StringIO())
        service = Service(store, config, sender, fetcher, parsers, worker="t", config_path=path)
        assert not await service.reload_config()  # unchanged: nothing to do
        assert (fetcher.limits.timeout, fetcher.limits.max_bytes) == (15, 5 * 1024 * 1024)
        second = FIRST.replace(
            "{admin_channel: 555}",
            "{admin_channel: 555, backlog_age: 2h, fetch_timeout: 1m, max_feed_size: 8MiB}",
        )
        path.write_text(second + '  - {name: Two, url: "https://two.example/rss"}\n')
        assert await service.reload_config()
        assert (fetcher.limits.timeout, fetcher.limits.max_bytes) == (60, 8 * 1024 * 1024)
        async with Fetcher.open() as at_start:  # a bot started with this feeds.yaml
            Service(store, service.config, sender, at_start, parsers, worker="t")
            assert (at_start.limits.timeout, at_start.limits.max_bytes) == (60, 8 * 1024 * 1024)
        with store.session() as session:
            assert sorted(s.name for s in session.exec(select(Source)).all()) == ["One", "Two"]
        assert service.poller.backlog_age.total_seconds() == 7200

        path.write_text("sources:\n  - name: Broken\n    url: [oops\n")
        with caplog.at_level(logging.ERROR):
            assert not await service.reload_config()
        assert f"{path}:4: yaml:" in caplog.text  # where the parser found the bracket unclosed
        assert [s.name for s in service.config.sources] == ["One", "Two"]  # the last good one
        with store.session() as session:
            [notice] = session.exec(select(Outbox)).all()
            assert (notice.channel_id, notice.kind) == (555, "notice")
        await service.reload_config()  # the same broken file is reported once
        with store.session() as session:
            assert len(session.exec(select(Outbox)).all()) == 1


def _failing(
    store: Store, path: Path, failing_for: timedelta, last_status: int
) -> tuple[FeedsConfig, Source]:
    """feeds.yaml's one source, started, failing for `failing_for` with `last_status`."""
    config = started(store, path)
    with store.session() as session:
        [source] = session.exec(select(Source)).all()
        source.consecutive_failures, source.failing_since = 9, utcnow() - failing_for
        source.last_status, source.last_error = last_status, f"HTTP {last_status}"
    return config, source


@pytest.mark.parametrize(
    ("failing_for", "last_status", "says"),
    [
        (timedelta(days=4), 503, "It has failed since"),
        (timedelta(0), 410, "The site answers that it is gone for good since"),
    ],
    ids=["three-days", "gone"],
)
async def test_a_broken_source_is_reported_once_per_streak(
    store: Store,
    tmp_path: Path,
    parsers: ParsingPool,
    failing_for: timedelta,
    last_status: int,
    says: str,
) -> None:
    config, source = _failing(store, tmp_path / "feeds.yaml", failing_for, last_status)
    source.url = source.url.replace("://", "://reader:s3cret@", 1)  # a private feed
    async with _service(store, config, parsers) as service:
        assert service._report_source(source) == 1
        assert service._report_source(source) == 0
    with store.session() as session:
        [notice] = session.exec(select(Outbox)).all()
        assert notice.channel_id == 555 and "'One' is broken" in notice.payload["headline"]
        assert notice.payload["excerpt"].startswith(says)
        assert f": HTTP {last_status}. It is retried daily." in notice.payload["excerpt"]
        assert "reader:***@" in str(notice.payload) and "s3cret" not in str(notice.payload)


async def test_a_source_that_worked_and_fails_for_less_than_three_days_is_not_reported(
    store: Store, tmp_path: Path, parsers: ParsingPool
) -> None:
    config, source = _failing(store, tmp_path / "feeds.yaml", timedelta(days=2), 404)
    source.last_success_at = utcnow() - timedelta(days=3)
    async with _service(store, config, parsers) as service:
        assert service._report_source(source) == 0


async def test_a_new_source_whose_first_poll_fails_is_reported_once(
    store: Store, tmp_path: Path, parsers: ParsingPool
) -> None:
    """A mistyped address, or a page given for its feed, is told the hour it is added,
    not three days later when the source counts as broken."""
    config, source = _failing(store, tmp_path / "feeds.yaml", timedelta(0), 404)
    source.consecutive_failures = 1
    async with _service(store, config, parsers) as service:
        assert service._report_source(source) == 1
        source.consecutive_failures = 2  # the retries are not reported again
        assert service._report_source(source) == 0
    with store.session() as session:
        [notice] = session.exec(select(Outbox)).all()
    assert notice.payload["headline"] == "The new feed 'One' failed its first poll"
    assert notice.payload["excerpt"] == (
        "HTTP 404. Check its address in feeds.yaml; it is retried with backoff meanwhile. "
        + source.url
    )


async def test_a_moved_source_is_reported_once_per_address(
    store: Store, tmp_path: Path, parsers: ParsingPool
) -> None:
    config = started(store, tmp_path / "feeds.yaml")
    with store.session() as session:
        [source] = session.exec(select(Source)).all()
    async with _service(store, config, parsers) as service:
        assert service._report_source(source) == 0  # healthy, where it always was
        for moved_to in ["https://one.example/feed", "https://one.example/feed", "https://b/"]:
            source.moved_to = moved_to
            service._report_source(source)
    with store.session() as session:
        notices = session.exec(select(Outbox).order_by(col(Outbox.id))).all()
    assert [n.payload["headline"] for n in notices] == ["The feed 'One' has moved"] * 2
    assert notices[0].payload["excerpt"] == (
        f"{source.url} redirects permanently to https://one.example/feed: give the source its "
        "new address in feeds.yaml."
    )
    assert {n.channel_id for n in notices} == {555}


async def test_a_reload_the_database_refused_is_tried_again(
    store: Store, tmp_path: Path, parsers: ParsingPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "feeds.yaml"
    config = started(store, path)
    real_apply, calls = service_module.apply_config, []

    def refused_the_first_time(*args: Any) -> SyncReport:
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("UPDATE source", {}, Exception("database is locked"))
        return real_apply(*args)

    monkeypatch.setattr(service_module, "apply_config", refused_the_first_time)
    async with Fetcher.open() as fetcher:
        service = Service(
            store, config, ConsoleSender(io.StringIO()), fetcher, parsers, worker="t",
            config_path=path,
        )  # fmt: skip
        path.write_text(FIRST + '  - {name: Two, url: "https://two.example/rss"}\n')
        assert not await service.reload_config()  # the database refused it: logged, not lost
        assert [s.name for s in service.config.sources] == ["One"]
        assert await service.reload_config()  # the same file, tried again
    with store.session() as session:
        assert sorted(s.name for s in session.exec(select(Source)).all()) == ["One", "Two"]
