"""From a feed item to a Discord channel: a local feed server, the real poller, classifier,
calendar and outbox, discord.py's client on simcord, and the jobs of `premiere-bot run`.

The scheduler's own timing is APScheduler's (real time); here each job is run by hand at
instants of a clock the test moves, so weeks pass in a second and across a DST change.
"""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.config import load_config
from bot.discord_app.client import PremiereBot
from bot.discord_app.sender import DiscordSender
from bot.feeds.fetch import Fetcher
from bot.feeds.parsing_pool import ParsingPool
from bot.leader import Leadership
from bot.scheduling import Jobs
from bot.service import Service
from bot.store.db import Store
from bot.store.sync import apply_config
from bot.store.tables import Source
from tests.feeds.conftest import Clock, FeedServer, feed, feed_server
from tests.feeds.test_calendar_end_to_end import rss

__all__ = ["feed_server"]  # the fixture, used by name below

FEEDS = """\
defaults: {{timezone: America/New_York, countdown_hour: "09:00", admin_channel: {admin}}}
sources:
  - {{name: Local TV News, url: "{url}"}}
shows:
  - {{title: Severance, network: Apple TV+}}
"""
# New York moves to daylight time on Sunday 2027-03-14: 09:00 local is 14:00 UTC before
# and 13:00 UTC from that day on.
ANNOUNCED = datetime(2027, 3, 6, 13, tzinfo=UTC)
ANNOUNCEMENT = "Severance Season 2 Premieres March 15, 2027 on Apple TV+"
DELAY = "Severance Season 2 Delayed to March 22, 2027"


class Bot:
    """One run of the bot: the client on simcord and its jobs, driven by hand."""

    def __init__(self, env, store: Store, path: Path, clock: Clock, fetcher: Fetcher,  # type: ignore[no-untyped-def]
                 parsers: ParsingPool) -> None:  # fmt: skip
        self.env, self.store, self.path, self.clock = env, store, path, clock
        self.fetcher, self.parsers = fetcher, parsers
        self.jobs: Jobs | None = None

    async def start(self) -> Jobs:
        if self.jobs is not None:  # a restart: the old process's jobs and lead end with it
            await self.jobs.close()
        config = load_config(self.path)
        with self.store.session() as session:
            apply_config(session, config, self.clock())

        def jobs(client: PremiereBot) -> Jobs:
            service = Service(self.store, config, DiscordSender(client), self.fetcher,
                              self.parsers, worker="e2e", config_path=self.path,
                              clock=self.clock)  # fmt: skip
            made = Jobs(service, Leadership(self.store.engine))
            for job in made.scheduler.get_jobs():
                job.pause()  # run by hand below
            return made

        client = PremiereBot(self.store, config.defaults, jobs)
        await self.env.restart_bot(client)
        assert client.jobs is not None
        self.jobs = client.jobs
        await self.jobs.lead()
        return self.jobs

    async def poll_due(self) -> None:
        """Runs the poll job of each source that is due at the clock's time, as the
        scheduler would, then delivers."""
        assert self.jobs is not None
        with self.store.session() as session:
            due = {s.id for s in session.exec(select(Source)).all()
                   if s.next_poll_at is None or s.next_poll_at <= self.clock()}  # fmt: skip
        for job in self.jobs.scheduler.get_jobs():
            if job.id.startswith("poll:") and int(job.id.removeprefix("poll:")) in due:
                await self.jobs._poll(int(job.id.removeprefix("poll:")))
        await self.jobs.service.deliver()

    async def at(self, when: datetime) -> None:
        """The timed jobs at `when`: countdowns and digests, then delivery."""
        assert self.jobs is not None
        self.clock.now = when
        await self.jobs.service.timed_posts()
        await self.jobs.service.deliver()


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher.open() as opened:
        yield opened


def posts(channel) -> list:  # type: ignore[no-untyped-def]
    """The bot's posts in the channel (embeds; not replies to commands), oldest first."""
    return [message for message in channel.history() if message.embeds]


def texts(channel) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{m.embeds[0].title} | {m.embeds[0].description or ''}" for m in posts(channel)]


async def test_feed_to_channel_through_a_dst_change_and_a_restart(  # type: ignore[no-untyped-def]
    simcord_env, bot_store: Store, feed_server: FeedServer, fetcher: Fetcher, tmp_path: Path
) -> None:
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("tv")
    admin = guild.create_text_channel("bot-admin")
    alice = guild.add_member(simcord_env.create_user("alice"))
    url = feed_server.serve("/rss", feed(rss(("a", ANNOUNCEMENT, ANNOUNCED))))
    path = tmp_path / "feeds.yaml"
    path.write_text(FEEDS.format(url=url, admin=admin.id))
    clock = Clock(ANNOUNCED.replace(hour=14))
    parsers = ParsingPool(workers=1)
    bot = Bot(simcord_env, bot_store, path, clock, fetcher, parsers)
    try:
        jobs = await bot.start()
        assert "timed:America/New_York:09:00" in {job.id for job in jobs.scheduler.get_jobs()}
        follow = await alice.slash(channel, "follow", show="Severance")
        assert "Following **Severance**" in follow.response.content

        # One poll: the story is read and its alert is in the channel.
        await bot.poll_due()
        [alert] = posts(channel)
        assert alert.embeds[0].title == "Severance S2 premieres Mar 15 on Apple TV+"
        stamp = int(datetime(2027, 3, 15, 12, tzinfo=UTC).timestamp())  # noon: any zone's day
        assert alert.embeds[0].fields[0].value == f"<t:{stamp}:D> (<t:{stamp}:R>)"

        # The countdowns come at 09:00 in New York: 14:00 UTC before the change to daylight
        # time, 13:00 UTC after it; an hour early there is nothing.
        await bot.at(datetime(2027, 3, 8, 13, 59, tzinfo=UTC))
        assert len(posts(channel)) == 1
        await bot.at(datetime(2027, 3, 8, 14, 0, tzinfo=UTC))
        assert "Severance S2 premieres in 7 days - Mon, Mar 15" in texts(channel)[-1]
        await bot.at(datetime(2027, 3, 12, 14, 0, tzinfo=UTC))
        assert "in 3 days" in texts(channel)[-1]
        await bot.at(datetime(2027, 3, 14, 12, 59, tzinfo=UTC))
        assert len(posts(channel)) == 3
        await bot.at(datetime(2027, 3, 14, 13, 0, tzinfo=UTC))
        assert "Severance S2 premieres tomorrow - Mon, Mar 15" in texts(channel)[-1]

        # A second story moves the date: a date-change post follows.
        feed_server.serve("/rss", feed(rss(("a", ANNOUNCEMENT, ANNOUNCED),
                                           ("b", DELAY, clock.now))))  # fmt: skip
        clock.now = datetime(2027, 3, 14, 15, tzinfo=UTC)
        await bot.poll_due()
        assert "moves to Mar 22 (was Mar 15)" in texts(channel)[-1]
        posted = len(posts(channel))

        # The bot restarts: the same feed, the same hour, and nothing is posted twice.
        await bot.start()
        await bot.at(datetime(2027, 3, 14, 13, 30, tzinfo=UTC))  # today's countdown hour
        with bot_store.session() as session:
            [source] = session.exec(select(Source)).all()
        assert source.next_poll_at is not None
        clock.now = source.next_poll_at  # the feed is due again, both stories still on it,
        # in a body that differs (so it is parsed again, not skipped as unchanged)
        feed_server.serve(
            "/rss", feed(rss(("b", DELAY, clock.now), ("a", ANNOUNCEMENT, ANNOUNCED)))
        )
        await bot.poll_due()
        assert len(feed_server.headers_sent_to("/rss")) == 3
        assert len(posts(channel)) == posted

        # feeds.yaml gains a source while the bot runs: it gets a poll job and is polled.
        second = feed_server.serve("/two", feed(rss(("c", "Unrelated news", clock.now))))
        path.write_text(
            FEEDS.format(url=url, admin=admin.id).replace(
                "shows:", f'  - {{name: Two, url: "{second}"}}\nshows:'
            )
        )
        assert bot.jobs is not None
        await bot.jobs.reload_config()
        assert len([j for j in bot.jobs.scheduler.get_jobs() if j.id.startswith("poll:")]) == 2
        await bot.poll_due()
        assert len(feed_server.headers_sent_to("/two")) == 1

        # A broken feeds.yaml is rejected: the admin channel hears of it, both sources stay.
        path.write_text("sources:\n  - name: Broken\n    url: [oops\n")
        await bot.jobs.reload_config()
        await bot.jobs.service.deliver()
        [notice] = posts(admin)
        assert "feeds.yaml was rejected" in notice.embeds[0].title
        assert "feeds.yaml:4: yaml:" in (notice.embeds[0].description or "")  # file and line
        assert [s.name for s in bot.jobs.service.config.sources] == ["Local TV News", "Two"]
        assert len([j for j in bot.jobs.scheduler.get_jobs() if j.id.startswith("poll:")]) == 2
    finally:
        if bot.jobs is not None:
            await bot.jobs.close()
        parsers.close()
