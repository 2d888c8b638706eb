"""Discord scheduled events for followed releases: created, moved, deleted, capped."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.discord_app.events import sync_events
from bot.domain.airtime import AirTime
from bot.store.db import Store
from bot.store.guilds import GuildSettingsRepo
from bot.store.tables import utcnow
from tests.discord.conftest import CONFIG, add_release


def day(offset: int) -> str:
    return (datetime.now(UTC) + timedelta(days=offset)).date().isoformat()


async def test_events_follow_the_calendar(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    handle = simcord_env.create_guild()
    channel = handle.create_text_channel("tv")
    admin = handle.add_member(simcord_env.create_user("alice"))
    await admin.slash(channel, "follow", show="Picard")
    guild = simcord_env.bot.get_guild(handle.id)
    add_release(bot_store, "Picard", day(12))

    assert await sync_events(guild, bot_store, CONFIG.defaults) == (0, 0, 0)  # events are opt-in
    with bot_store.session() as session:
        GuildSettingsRepo(session).update(handle.id, events_enabled=True)
    assert await sync_events(guild, bot_store, CONFIG.defaults) == (1, 0, 0)
    [event] = await guild.fetch_scheduled_events()
    assert event.name == "Star Trek: Picard S2 premiere" and event.location == "Paramount+"
    start = event.start_time.astimezone(UTC)
    assert (
        start.date().isoformat() == day(12) and start.hour == 20
    )  # 20:00 in the guild's zone (UTC)
    assert await sync_events(guild, bot_store, CONFIG.defaults) == (0, 0, 0)  # nothing changed

    add_release(bot_store, "Picard", day(19), event="date_change")
    assert await sync_events(guild, bot_store, CONFIG.defaults) == (0, 1, 0)
    [event] = await guild.fetch_scheduled_events()
    assert event.start_time.astimezone(UTC).date().isoformat() == day(19)

    # A story gives the air time: the event moves to that moment, in the story's zone.
    add_release(bot_store, "Picard", day(19), air=AirTime(time(21), "America/New_York"))
    assert await sync_events(guild, bot_store, CONFIG.defaults) == (0, 1, 0)
    [event] = await guild.fetch_scheduled_events()
    start = event.start_time.astimezone(ZoneInfo("America/New_York"))
    assert (start.date().isoformat(), start.hour) == (day(19), 21)
    assert event.end_time is not None and event.end_time - event.start_time == timedelta(hours=1)

    add_release(bot_store, "Picard", str(utcnow().year), season=0, event="cancellation")
    assert await sync_events(guild, bot_store, CONFIG.defaults) == (0, 0, 1)
    assert await guild.fetch_scheduled_events() == []


async def test_never_more_than_a_hundred_events_nearest_first(
    simcord_env, bot_store: Store
) -> None:  # type: ignore[no-untyped-def]
    handle = simcord_env.create_guild()
    channel = handle.create_text_channel("tv")
    await handle.add_member(simcord_env.create_user("alice")).slash(
        channel, "follow", show="Picard"
    )
    with bot_store.session() as session:
        GuildSettingsRepo(session).update(handle.id, events_enabled=True)
    for season in range(1, 106):
        add_release(bot_store, "Picard", day(season), season=season)
    guild = simcord_env.bot.get_guild(handle.id)
    assert await sync_events(guild, bot_store, CONFIG.defaults) == (100, 0, 0)
    names = {e.name for e in await guild.fetch_scheduled_events()}
    assert (
        "Star Trek: Picard S1 premiere" in names and "Star Trek: Picard S105 premiere" not in names
    )
