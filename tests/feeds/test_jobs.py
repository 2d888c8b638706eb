"""The scheduled jobs: a poll job per source, backed off and following feeds.yaml, and the
lead that decides which process runs them."""

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from sqlalchemy import text
from sqlmodel import select

from bot.config import load_config
from bot.feeds.fetch import Fetcher
from bot.feeds.parsing_pool import ParsingPool
from bot.leader import Leadership
from bot.notify.console import ConsoleSender
from bot.scheduling import Jobs
from bot.service import Service
from bot.store.db import Store, make_engine
from bot.store.digests import DigestRepo
from bot.store.guilds import GuildSettingsRepo
from bot.store.outbox import NewPost, OutboxRepo
from bot.store.sync import apply_config
from bot.store.tables import Outbox, Source
from tests.feeds.conftest import FeedServer, Handler, feed, status
from tests.feeds.test_calendar_end_to_end import rss

CONFIG = """\
sources:
  - {{name: Good, url: "{good}", interval: 5m}}
  - {{name: Failing, url: "{failing}"}}
shows:
  - {{title: Severance, network: Apple TV+}}
subscriptions:
  - {{guild: 1, channel: 2, shows: [Severance]}}
"""


def jobs_for(store: Store, path: Path, fetcher: Fetcher, parsers: ParsingPool,
             yaml: str | None = None) -> Jobs:  # fmt: skip
    """The jobs of a process, as `run --console` builds them (from feeds.yaml at `path`,
    written first when `yaml` is given), with its scheduler paused: the test runs each job
    by hand."""
    if yaml is not None:
        path.write_text(yaml)
    config = load_config(path)
    with store.session() as session:
        apply_config(session, config, datetime.now(UTC))
    out = io.StringIO()
    service = Service(
        store, config, ConsoleSender(out), fetcher, parsers, worker="t", config_path=path
    )
    jobs = Jobs(service, Leadership(store.engine))
    jobs.scheduler.start(paused=True)
    return jobs


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher.open() as opened:
        yield opened


def poll_jobs(jobs: Jobs) -> dict[str, timedelta]:
    return {j.id: j.trigger.interval for j in jobs.scheduler.get_jobs() if j.id.startswith("poll:")}


def source(store: Store, name: str) -> Source:
    with store.session() as session:
        found = session.exec(select(Source).where(Source.name == name)).one()
        session.expunge(found)
        return found


async def test_the_leader_polls_each_source_on_its_own_schedule(
    store: Store, tmp_path: Path, feed_server: FeedServer, fetcher: Fetcher, parsers: ParsingPool
) -> None:
    now = datetime.now(UTC)
    title = f"Severance Season 2 Premieres {(now + timedelta(days=20)):%B %-d, %Y} on Apple TV+"
    good = feed_server.serve("/good", feed(rss(("a", title, now))))
    failing = feed_server.serve("/failing", status(500))
    path = tmp_path / "feeds.yaml"
    path.write_text(CONFIG.format(good=good, failing=failing))
    jobs = jobs_for(store, path, fetcher, parsers)
    try:
        assert poll_jobs(jobs) == {}  # no lead yet: no polls
        await jobs.lead()
        good_id, failing_id = source(store, "Good").id, source(store, "Failing").id
        assert jobs.leading
        assert poll_jobs(jobs) == {f"poll:{good_id}": timedelta(minutes=5),
                                   f"poll:{failing_id}": timedelta(minutes=15)}  # fmt: skip
        assert {"timed_posts_catch_up", "upkeep"} <= {j.id for j in jobs.scheduler.get_jobs()}

        # One poll: the story is stored, classified, and its alert queued.
        await jobs._poll(good_id or 0)
        with store.session() as session:
            [alert] = session.exec(select(Outbox)).all()
            assert (alert.channel_id, alert.kind) == (2, "alert")
            assert "Severance S2" in alert.payload["headline"]
        # The next run is the source's own next poll: spread within its interval.
        polled = source(store, "Good")
        assert jobs.scheduler.get_job(f"poll:{good_id}").next_run_time == polled.next_poll_at
        assert polled.next_poll_at is not None and polled.next_poll_at <= now + timedelta(minutes=6)

        # A failing source backs off: the job moves to interval x 2.
        await jobs._poll(failing_id or 0)
        backed_off = source(store, "Failing")
        assert backed_off.consecutive_failures == 1 and backed_off.next_poll_at is not None
        assert backed_off.next_poll_at - (backed_off.last_polled_at or now) == timedelta(minutes=30)
        assert jobs.scheduler.get_job(f"poll:{failing_id}").next_run_time == backed_off.next_poll_at
    finally:
        await jobs.close()


async def leading_with_good_due(store: Store, path: Path, feed_server: FeedServer,
                                fetcher: Fetcher, parsers: ParsingPool, good: Handler,
                                now: datetime) -> tuple[Jobs, int]:  # fmt: skip
    """The leader's jobs over CONFIG, Good served by `good` and due since a minute before
    `now`; Failing answers 500."""
    failing = feed_server.serve("/failing", status(500))
    yaml = CONFIG.format(good=feed_server.serve("/good", good), failing=failing)
    jobs = jobs_for(store, path, fetcher, parsers, yaml)
    await jobs.lead()
    good_id = source(store, "Good").id or 0
    store.polls.write_changes([(good_id, {"next_poll_at": now - timedelta(minutes=1)})])
    return jobs, good_id


async def test_a_poll_job_leaves_a_source_another_process_holds(
    store: Store, tmp_path: Path, feed_server: FeedServer, fetcher: Fetcher, parsers: ParsingPool
) -> None:
    """A `poll --once` beside `run` claimed Good (its lease is the next poll time): Good's job
    fetches nothing and waits for that time; once due again, the job polls it."""
    now = datetime.now(UTC)
    good = feed(rss(("a", "Severance news", now)))
    jobs, good_id = await leading_with_good_due(
        store, tmp_path / "feeds.yaml", feed_server, fetcher, parsers, good, now
    )
    try:
        lease = now + timedelta(minutes=10)
        [held] = store.polls.claim(now, lease, source_id=good_id)  # the other process's cycle
        assert store.polls.claim(now, lease, source_id=good_id) == []  # it holds Good now
        await jobs._poll(good_id)
        assert feed_server.headers_sent_to("/good") == []
        assert jobs.scheduler.get_job(f"poll:{good_id}").next_run_time == lease
        store.polls.release([held], lease)  # the other poll was cut short: due at once
        await jobs._poll(good_id)
        assert len(feed_server.headers_sent_to("/good")) == 1
        polled = source(store, "Good")
        assert polled.last_success_at is not None and polled.next_poll_at != lease
    finally:
        await jobs.close()


async def test_a_poll_job_cut_short_gives_its_source_back(
    store: Store, tmp_path: Path, feed_server: FeedServer, fetcher: Fetcher, parsers: ParsingPool
) -> None:
    """`run` stopping while a poll waits on a slow site: the source's lease is given back, so
    the next start polls it at once, not ten minutes on."""
    arrived, released = asyncio.Event(), asyncio.Event()

    async def hanging(request: web.Request) -> web.StreamResponse:
        arrived.set()
        await released.wait()
        return web.Response(status=304)

    now = datetime.now(UTC).replace(microsecond=0)
    jobs, good_id = await leading_with_good_due(
        store, tmp_path / "feeds.yaml", feed_server, fetcher, parsers, hanging, now
    )
    due = now - timedelta(minutes=1)
    try:
        polling = asyncio.create_task(jobs._poll(good_id))
        await asyncio.wait_for(arrived.wait(), timeout=30)
        assert source(store, "Good").next_poll_at != due  # held while it is polled
        polling.cancel()
        with pytest.raises(asyncio.CancelledError):
            await polling
        assert source(store, "Good").next_poll_at == due
    finally:
        released.set()
        await jobs.close()


async def test_poll_jobs_follow_feeds_yaml(
    store: Store, tmp_path: Path, feed_server: FeedServer, fetcher: Fetcher, parsers: ParsingPool
) -> None:
    good, failing = feed_server.url("/good"), feed_server.url("/failing")
    path = tmp_path / "feeds.yaml"
    path.write_text(CONFIG.format(good=good, failing=failing))
    jobs = jobs_for(store, path, fetcher, parsers)
    try:
        await jobs.lead()
        good_id, failing_id = source(store, "Good").id, source(store, "Failing").id
        # Failing goes, Good polls hourly now, and a new source arrives.
        path.write_text(
            CONFIG.format(good=good, failing=failing)
            .replace("interval: 5m", "interval: 1h")
            .replace("  - {name: Failing", f'  - {{name: New, url: "{feed_server.url("/new")}"}}\n'
                     "  - {name: Failing, enabled: false")
        )  # fmt: skip
        await jobs.reload_config()
        new_id = source(store, "New").id
        assert poll_jobs(jobs) == {f"poll:{good_id}": timedelta(hours=1),
                                   f"poll:{new_id}": timedelta(minutes=15)}  # fmt: skip
        assert f"poll:{failing_id}" not in poll_jobs(jobs)
        # The new source is due at once.
        first = jobs.scheduler.get_job(f"poll:{new_id}").next_run_time
        assert first <= datetime.now(UTC)

        path.write_text("sources: [oops\n")  # rejected: the jobs stay as they are
        await jobs.reload_config()
        assert set(poll_jobs(jobs)) == {f"poll:{good_id}", f"poll:{new_id}"}
    finally:
        await jobs.close()


async def test_a_source_scheduled_by_a_clock_since_set_back_is_polled_now(
    store: Store, tmp_path: Path, fetcher: Fetcher, parsers: ParsingPool
) -> None:
    """A next poll a year ahead was written while the clock ran ahead: the leader's poll
    job does not wait for it (polling.is_due); one a few minutes ahead is waited for."""
    yaml = CONFIG.format(good="http://127.0.0.1:9/good", failing="http://127.0.0.1:9/bad")
    jobs = jobs_for(store, tmp_path / "feeds.yaml", fetcher, parsers, yaml)
    now = datetime.now(UTC)
    with store.session() as session:
        for found in session.exec(select(Source)).all():
            ahead = timedelta(days=365) if found.name == "Good" else timedelta(minutes=7)
            found.next_poll_at = now + ahead
    try:
        await jobs.lead()
        good, failing = source(store, "Good").id, source(store, "Failing").id
        assert jobs.scheduler.get_job(f"poll:{good}").next_run_time <= datetime.now(UTC)
        later = jobs.scheduler.get_job(f"poll:{failing}").next_run_time
        assert later == now + timedelta(minutes=7)
    finally:
        await jobs.close()


async def test_closing_lets_the_send_in_flight_finish_and_gives_the_rest_back(
    store: Store, tmp_path: Path, fetcher: Fetcher, parsers: ParsingPool
) -> None:
    jobs = jobs_for(store, tmp_path / "feeds.yaml", fetcher, parsers, "sources: []\n")
    with store.session() as session:
        OutboxRepo(session).enqueue(
            [NewPost(f"k{i}", 1, 10, "notice", {"kind": "notice", "headline": f"p{i}"})
             for i in range(3)], datetime.now(UTC),
        )  # fmt: skip
    sending, release = asyncio.Event(), asyncio.Event()
    sent: list[str] = []

    class SlowSender:
        async def send(self, channel_id: int, payload: dict[str, object], nonce: str) -> int:
            sending.set()
            await release.wait()
            sent.append(str(payload["headline"]))
            return len(sent)

        async def edit(self, channel_id: int, message_id: int, payload: dict[str, object],
                       nonce: str) -> None:  # fmt: skip
            raise AssertionError("no edits here")

        async def already_sent(self, channel_id: int, nonce: str) -> int | None:
            return None

    jobs.service.delivery.sender = SlowSender()
    delivering = asyncio.create_task(jobs.service.deliver())
    await sending.wait()  # the first post is on its way when the stop comes
    closing = asyncio.create_task(jobs.close())
    await asyncio.sleep(0.1)
    assert not closing.done()  # waits for the send
    release.set()
    await closing
    await delivering
    assert sent == ["p0"]
    with store.session() as session:
        rows = session.exec(select(Outbox).order_by(Outbox.id)).all()  # type: ignore[arg-type]
        assert [(r.status, r.attempts) for r in rows] == [
            ("sent", 1),
            ("pending", 0),
            ("pending", 0),
        ]


def timed_jobs(jobs: Jobs) -> dict[str, datetime]:
    return {j.id: j.next_run_time for j in jobs.scheduler.get_jobs() if j.id.startswith("timed:")}


async def test_countdown_and_digest_jobs_follow_guild_settings(
    store: Store, tmp_path: Path, fetcher: Fetcher, parsers: ParsingPool
) -> None:
    yaml = 'defaults: {timezone: America/New_York, countdown_hour: "09:00"}\n'
    jobs = jobs_for(store, tmp_path / "feeds.yaml", fetcher, parsers, yaml)
    try:
        await jobs.lead()
        [(job_id, first)] = timed_jobs(jobs).items()
        assert job_id == "timed:America/New_York:09:00"
        local = first.astimezone(ZoneInfo("America/New_York"))
        assert (local.hour, local.minute) == (9, 0) and first > datetime.now(UTC)

        # A guild picks 18:30 in Berlin, a channel a Friday digest at 10:00: both get jobs at
        # the next lead round; the default's job stays for the guilds that did not choose.
        with store.session() as session:
            GuildSettingsRepo(session).update(
                7, timezone="Europe/Berlin", countdown_time=time(18, 30)
            )
            DigestRepo(session).set(7, 70, 4, time(10))
        await jobs.lead()
        timed = timed_jobs(jobs)
        assert set(timed) == {"timed:America/New_York:09:00", "timed:Europe/Berlin:18:30",
                              "timed:Europe/Berlin:4:10:00"}  # fmt: skip
        friday = timed["timed:Europe/Berlin:4:10:00"].astimezone(ZoneInfo("Europe/Berlin"))
        assert (friday.weekday(), friday.hour) == (4, 10)

        # The guild goes back to the default hour: its Berlin 18:30 job goes.
        with store.session() as session:
            GuildSettingsRepo(session).update(7, countdown_time=None)
        await jobs.lead()
        assert "timed:Europe/Berlin:18:30" not in timed_jobs(jobs)
        assert "timed:Europe/Berlin:09:00" in timed_jobs(jobs)
    finally:
        await jobs.close()


async def test_one_process_leads_and_another_takes_over(
    db_url: str, backend: str, tmp_path: Path, feed_server: FeedServer, fetcher: Fetcher,
    parsers: ParsingPool,
) -> None:  # fmt: skip
    if backend != "postgresql":
        pytest.skip("SQLite is one process's database: it always leads")
    path = tmp_path / "feeds.yaml"
    path.write_text(CONFIG.format(good=feed_server.url("/a"), failing=feed_server.url("/b")))
    first_store, second_store = Store(make_engine(db_url)), Store(make_engine(db_url))
    first = jobs_for(first_store, path, fetcher, parsers)
    second = jobs_for(second_store, path, fetcher, parsers)
    try:
        await first.lead()
        await second.lead()
        assert first.leading and not second.leading
        assert len(poll_jobs(first)) == 2 and poll_jobs(second) == {}
        assert "upkeep" not in {j.id for j in second.scheduler.get_jobs()}

        # The leader's database session dies (a crash, a lost network): its lock goes
        # with it, the leader notices at its next round, and the other process leads.
        pid = first.leadership._connection.execute(text("SELECT pg_backend_pid()")).scalar()  # type: ignore[union-attr]
        with second_store.engine.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await first.lead()
        assert not first.leading and poll_jobs(first) == {}
        await second.lead()
        assert second.leading and len(poll_jobs(second)) == 2

        # A clean stop hands the lead over too.
        await second.close()
        await first.lead()
        assert first.leading
    finally:
        await first.close()
        await second.close()
        first_store.close()
        second_store.close()
