"""Commands for people with Manage Server, through the real client on simcord."""

from datetime import UTC, datetime, time, timedelta

import discord
import pytest
from simcord import SetupError, assert_error
from sqlmodel import select

from bot.discord_app.cogs.common import UserError
from bot.store.db import Store
from bot.store.guilds import GuildSettingsRepo
from bot.store.tables import Release, Source, Story
from tests.discord.conftest import CONFIG, add_release


def setup(env):  # type: ignore[no-untyped-def]
    guild = env.create_guild()
    channel = guild.create_text_channel("tv")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(env.create_user("admin"), roles=[admins])
    member = guild.add_member(env.create_user("member"))
    return guild, channel, admin, member


async def test_members_without_manage_server_are_denied(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    guild, channel, _, member = setup(simcord_env)
    with pytest.raises(SetupError, match="not visible"):  # hidden by default_permissions
        await member.slash(channel, "settings timezone", zone="Asia/Tokyo")
    # A server admin may show the command to anyone; the code still checks.
    commands = await simcord_env.bot.tree.fetch_commands()
    guild.set_command_permissions(next(c for c in commands if c.name == "settings"), {member: True})
    result = await member.slash(channel, "settings timezone", zone="Asia/Tokyo")
    assert result.ephemeral and "Manage Server" in result.response.content
    assert_error(simcord_env, discord.app_commands.MissingPermissions)
    with bot_store.session() as session:
        assert (
            GuildSettingsRepo(session).effective(channel.guild.id, CONFIG.defaults).timezone
            == "UTC"
        )


async def test_manual_date_wins_over_news(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    _, channel, admin, _ = setup(simcord_env)
    target = (datetime.now(UTC) + timedelta(days=40)).date()
    options = {"show": "Picard", "season": 2, "date": target.isoformat(), "platform": "Paramount+"}
    result = await admin.slash(channel, "premiere set", **options)
    assert "set by hand" in result.response.content
    add_release(bot_store, "Picard", (target + timedelta(days=7)).isoformat(), event="date_change")
    with bot_store.session() as session:
        [release] = session.exec(select(Release)).all()
        assert (release.date_value, release.manual, release.status) == (
            target.isoformat(),
            True,
            "confirmed",
        )
    cleared = await admin.slash(channel, "premiere clear", show="Picard", season=2)
    assert "follows the news again" in cleared.response.content


async def test_bad_input_is_specific_and_changes_nothing(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    _, channel, admin, _ = setup(simcord_env)
    past = await admin.slash(channel, "premiere set", show="Picard", season=2, date="2020-01-01")
    assert past.ephemeral and "already passed" in past.response.content
    unreadable = await admin.slash(channel, "premiere set", show="Picard", season=2, date="soonish")
    assert unreadable.ephemeral and "can't read 'soonish'" in unreadable.response.content
    zone = await admin.slash(channel, "settings timezone", zone="Mars/Olympus")
    assert zone.ephemeral and "not a time zone" in zone.response.content
    hour = await admin.slash(channel, "settings countdown-hour", at="25:00")
    assert hour.ephemeral and "not a time of day" in hour.response.content
    assert_error(simcord_env, UserError)
    with bot_store.session() as session:
        assert session.exec(select(Release)).all() == []


async def test_settings_are_saved(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    guild, channel, admin, _ = setup(simcord_env)
    zones = await admin.autocomplete(channel, "settings timezone", "zone", "new_y")
    assert "America/New_York" in [c["name"] for c in zones]
    await admin.slash(channel, "settings timezone", zone="America/New_York")
    await admin.slash(channel, "settings countdown-hour", at="18:30")
    await admin.slash(channel, "settings mode", mode="dates")
    await admin.slash(channel, "settings events", enabled=True)
    with bot_store.session() as session:
        prefs = GuildSettingsRepo(session).effective(guild.id, CONFIG.defaults)
    assert (prefs.timezone, prefs.countdown_time, prefs.alert_mode, prefs.events_enabled) == (
        "America/New_York", time(18, 30), "dates", True,
    )  # fmt: skip


async def test_feeds_status(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    _, channel, admin, _ = setup(simcord_env)
    now = datetime.now(UTC)
    with bot_store.session() as session:
        session.add(
            Source(
                name="Good",
                url="https://good/",
                interval_seconds=900,
                last_success_at=now,
                last_polled_at=now,
            )
        )
        moved_to = "https://user:secret@new.example/feed?`x`"  # shown without its password
        session.add(Source(name="Moved", url="https://old.example/", interval_seconds=900,
                           last_success_at=now, last_polled_at=now,
                           moved_to=moved_to))  # fmt: skip
        error = "HTTP 500 *Down* [see](https://evil.example)"  # the reason phrase is the site's
        broken = Source(name="Bad", url="https://bad/", interval_seconds=900, last_error=error)
        broken.consecutive_failures, broken.failing_since = 9, now - timedelta(days=4)
        session.add(broken)
        quiet = Source(name="Quiet", url="https://quiet/", interval_seconds=900,
                       last_success_at=now, last_polled_at=now,
                       created_at=now - timedelta(days=60))  # fmt: skip
        session.add(Source(name="Waiting", url="https://new.example/", interval_seconds=900))
        session.add(quiet)
        session.flush()
        last_story = now - timedelta(days=20)
        session.add(Story(source_id=quiet.id, key="k", fingerprint="f", title="t",
                          published_at=last_story, first_seen_at=last_story))  # fmt: skip
    result = await admin.slash(channel, "feeds status")
    lines = result.response.content.splitlines()
    assert lines[0].startswith(
        "• **Bad** - BROKEN: HTTP 500 \\*Down\\* \\[see](https://evil.example) ·"
    )
    assert lines[1].startswith("• **Good** - ok · last success <t:")
    assert lines[2].startswith(
        "• **Moved** - ok, moved permanently to `https://user:***@new.example/feed?%60x%60`"
        " · last success <t:"
    )
    assert lines[3].startswith(
        f"• **Quiet** - quiet: no new story since <t:{int(last_story.timestamp())}:R> · last"
    )
    assert lines[4] == "• **Waiting** - not polled yet · last success never"


async def test_digest_and_admin_channel_settings(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    from bot.store.digests import DigestRepo

    guild, channel, admin, _ = setup(simcord_env)
    result = await admin.slash(channel, "settings digest", day="friday", at="18:30")
    assert "every Friday at 18:30" in result.response.content
    with bot_store.session() as session:
        [digest] = DigestRepo(session).all()
        assert (digest.channel_id, digest.weekday, digest.at) == (channel.id, 4, time(18, 30))
    await admin.slash(channel, "settings digest", day="off")
    with bot_store.session() as session:
        assert DigestRepo(session).all() == []
    await admin.slash(channel, "settings admin-channel", channel=channel)
    with bot_store.session() as session:
        assert (
            GuildSettingsRepo(session).effective(guild.id, CONFIG.defaults).admin_channel_id
            == channel.id
        )


async def test_feeds_status_of_many_sources_comes_in_several_private_messages(
    simcord_env, bot_store: Store
) -> None:  # type: ignore[no-untyped-def]
    _, channel, admin, _ = setup(simcord_env)
    now = datetime.now(UTC)
    names = [f"A television news site with a long name, number {n:02}" for n in range(40)]
    with bot_store.session() as session:
        for n, name in enumerate(names):
            session.add(Source(name=name, url=f"https://site{n}.example/feed/",
                               interval_seconds=900, last_success_at=now,
                               last_polled_at=now))  # fmt: skip
    result = await admin.slash(channel, "feeds status")
    messages = [result.response, *result.followups]
    assert len(messages) > 1 and all(len(m.content) <= 2000 for m in messages)
    assert all(m.ephemeral for m in messages)
    lines = "\n".join(m.content for m in messages).splitlines()
    assert [line.split(" - ")[0] for line in lines] == [f"• **{name}**" for name in names]
