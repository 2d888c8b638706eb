"""/upcoming, /countdown, /show and /calendar through the real client on simcord."""

from datetime import UTC, datetime, timedelta

import icalendar
from simcord import assert_error

from bot.discord_app.cogs.common import UserError
from bot.store.db import Store
from tests.discord.conftest import add_release


def setup(env):  # type: ignore[no-untyped-def]
    guild = env.create_guild()
    channel = guild.create_text_channel("tv")
    return channel, guild.add_member(env.create_user("alice"))


def day(offset: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=offset)


async def test_upcoming_lists_followed_releases_exact_first(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    channel, alice = setup(simcord_env)
    add_release(bot_store, "Picard", day(12).date().isoformat())
    add_release(bot_store, "Severance", f"{day(20).year}", season=3, platform="Apple TV+")
    add_release(
        bot_store, "The Bear", day(5).date().isoformat(), season=5, platform="FX"
    )  # not followed
    await alice.slash(channel, "follow", show="Picard")
    await alice.slash(channel, "follow", show="Severance")
    result = await alice.slash(channel, "upcoming", days=365)
    lines = result.response.content.splitlines()[1:]
    stamp = int(
        datetime.combine(day(12).date(), datetime.min.time(), UTC).replace(hour=12).timestamp()
    )
    assert (
        lines[0] == f"• Star Trek: Picard S2 premiere on Paramount+ - <t:{stamp}:D> (<t:{stamp}:R>)"
    )
    assert lines[1].startswith("• Severance S3 premiere on Apple TV+ - ")
    assert len(lines) == 2  # The Bear is not followed here


async def test_countdown_and_show(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    channel, alice = setup(simcord_env)
    add_release(bot_store, "Picard", day(12).date().isoformat())
    add_release(bot_store, "Picard", day(19).date().isoformat(), event="date_change")
    result = await alice.slash(channel, "countdown", show="picard")
    target = day(19).date()
    assert result.response.content == (
        f"Star Trek: Picard S2 premieres in 19 days - {target:%a, %b} {target.day} on Paramount+"
    )
    shown = await alice.slash(channel, "show", show="Picard")
    [card] = shown.response.embeds
    assert card.title == "Star Trek: Picard"
    [field] = card.fields
    assert f"moved {day(12).date().isoformat()} → {target.isoformat()}" in field.value
    assert "[TVLine](https://tvline.example/" in field.value

    unknown = await alice.slash(channel, "countdown", show="Nope")
    assert unknown.ephemeral and "don't know a show called **Nope**" in unknown.response.content
    assert_error(simcord_env, UserError)


async def test_calendar_attaches_an_ics_of_this_server(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    channel, alice = setup(simcord_env)
    add_release(bot_store, "Picard", day(12).date().isoformat())
    await alice.slash(channel, "follow", show="Picard")
    result = await alice.slash(channel, "calendar")
    [attachment] = result.response.attachments
    assert attachment.filename == "premieres.ics"
    parsed = icalendar.Calendar.from_ical(await attachment.read())
    [event] = parsed.walk("VEVENT")
    assert event.decoded("dtstart") == day(12).date()


async def test_a_show_with_more_releases_than_one_card_holds_says_how_many_more(
    simcord_env, bot_store: Store
) -> None:  # type: ignore[no-untyped-def]
    """Discord refuses a card past 6,000 characters (or 25 fields): the card keeps the
    releases that fit, and says how many more there are."""
    from sqlmodel import select

    from bot.store.tables import Story

    channel, alice = setup(simcord_env)
    for season in range(1, 31):
        add_release(bot_store, "Picard", day(season).date().isoformat(), season=season)
    with bot_store.session() as session:  # long links, as some sites' are
        for story in session.exec(select(Story)).all():
            story.url = f"https://tvline.example/{story.id}/" + "picard-season-news-" * 40
    shown = await alice.slash(channel, "show", show="Picard")
    [card] = shown.response.embeds
    assert 1 < len(card.fields) < 30
    assert card.footer.text == f"{30 - len(card.fields)} more releases not shown"
    assert [f.name for f in card.fields] == [
        f"Season {n} premiere" for n in range(1, len(card.fields) + 1)
    ]
