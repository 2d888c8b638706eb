"""/follow, /unfollow, /following through discord.py's real client on simcord."""

import discord
from simcord import assert_error
from sqlmodel import select

from bot.discord_app.cogs.common import UserError
from bot.store.db import Store
from bot.store.tables import Follow, Show


def setup(env):  # type: ignore[no-untyped-def]
    guild = env.create_guild()
    channel = guild.create_text_channel("tv")
    alice = guild.add_member(env.create_user("alice"))
    return guild, channel, alice


async def test_follow_then_following_then_unfollow(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    guild, channel, alice = setup(simcord_env)
    result = await alice.slash(channel, "follow", show="picard")
    assert "Following **Star Trek: Picard**" in result.response.content
    assert "No date yet" in result.response.content and not result.ephemeral
    with bot_store.session() as session:
        [follow] = session.exec(select(Follow)).all()
        assert (follow.guild_id, follow.channel_id, follow.user_id) == (
            guild.id,
            channel.id,
            alice.id,
        )

    listing = await alice.slash(channel, "following")
    assert "**Star Trek: Picard** - no date yet" in listing.response.content

    gone = await alice.slash(channel, "unfollow", show="Star Trek: Picard")
    assert "Stopped following **Star Trek: Picard**" in gone.response.content
    with bot_store.session() as session:
        assert session.exec(select(Follow)).all() == []


async def test_unknown_title_becomes_a_show(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    _, channel, alice = setup(simcord_env)
    result = await alice.slash(channel, "follow", show="Pluribus")
    assert "added it to the catalogue" in result.response.content
    with bot_store.session() as session:
        show = session.exec(select(Show).where(Show.title == "Pluribus")).one()
        assert show.origin == "discord"


async def test_bad_input_is_an_ephemeral_error_and_changes_nothing(
    simcord_env, bot_store: Store
) -> None:  # type: ignore[no-untyped-def]
    _, channel, alice = setup(simcord_env)
    unknown = await alice.slash(channel, "unfollow", show="Severance")
    assert unknown.ephemeral and "doesn't follow **Severance**" in unknown.response.content
    too_long = await alice.slash(channel, "follow", show="x" * 300)
    assert too_long.ephemeral and "300 characters" in too_long.response.content
    assert_error(simcord_env, UserError, contains="300 characters")
    with bot_store.session() as session:
        assert session.exec(select(Follow)).all() == []


async def test_a_channel_the_bot_cannot_post_in_is_refused(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    guild, channel, alice = setup(simcord_env)
    bot_member = guild.me
    assert bot_member is not None
    hidden = guild.create_text_channel(
        "secret",
        overwrites={
            bot_member: discord.PermissionOverwrite(send_messages=False, embed_links=False)
        },
    )
    result = await alice.slash(channel, "follow", show="Severance", channel=hidden)
    assert result.ephemeral
    assert "missing Send Messages, Embed Links" in result.response.content
    assert_error(simcord_env, UserError, contains="can't post in")
    with bot_store.session() as session:
        assert session.exec(select(Follow)).all() == []


async def test_autocomplete_offers_catalogue_titles(simcord_env) -> None:  # type: ignore[no-untyped-def]
    _, channel, alice = setup(simcord_env)
    choices = await alice.autocomplete(channel, "follow", "show", "sev")
    assert [c["name"] for c in choices] == ["Severance"]
    everything = await alice.autocomplete(channel, "follow", "show", "")
    assert {c["name"] for c in everything} == {"Star Trek: Picard", "Severance", "The Bear"}


async def test_a_long_following_list_comes_in_several_messages(
    simcord_env, bot_store: Store
) -> None:  # type: ignore[no-untyped-def]
    """Discord takes 2,000 characters a message: 60 long titles are three messages' worth,
    sent whole, none of them cut."""
    from bot.store.follows import FollowRepo, NewFollow
    from bot.store.shows import ShowRepo

    guild, channel, alice = setup(simcord_env)
    titles = [
        f"The Extraordinarily Long Running Chronicles of Everything, Part {n:02}" for n in range(60)
    ]
    with bot_store.session() as session:
        for title in titles:
            show, _ = ShowRepo(session).add(title)
            session.flush()
            FollowRepo(session).follow(NewFollow(guild.id, channel.id, show.id or 0))
    listing = await alice.slash(channel, "following")
    messages = [listing.response, *listing.followups]
    assert len(messages) > 1 and all(len(m.content) <= 2000 for m in messages)
    lines = "\n".join(m.content for m in messages).splitlines()
    assert lines[0] == f"<#{channel.id}> follows:"
    assert sorted(lines[1:]) == [f"• **{title}** - no date yet" for title in titles]
