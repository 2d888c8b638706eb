"""Posts from the outbox arriving in Discord channels through the real client."""

from datetime import UTC, datetime

import pytest

from bot.discord_app.sender import DiscordSender
from bot.domain.dates import ReleaseDate
from bot.notify.delivery import Delivery
from bot.notify.plan import date_fields
from bot.notify.sender import nonce_for
from bot.store.db import Store
from bot.store.outbox import NewPost, OutboxRepo
from bot.store.tables import Outbox

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def alert(
    channel_id: int,
    key: str = "alert:1:fact",
    title: str = "Picard returns",
    url: str = "https://news.example/picard",
) -> NewPost:
    payload = {
        "kind": "alert",
        "headline": "Picard S2 returns Mar 3 on Paramount+",
        "title": title,
        "url": url,
        "source": "TVLine",
        "published": NOW.isoformat(),
        "excerpt": "The crew reunites.",
        "date": date_fields(ReleaseDate.parse("2027-03-03")),
        "platform": "Paramount+",
        "role_id": None,
    }
    return NewPost(key, 1, channel_id, "alert", payload)


def queue(store: Store, *posts: NewPost) -> list[int]:
    with store.session() as session:
        return OutboxRepo(session).enqueue(list(posts), NOW)


def status(store: Store, post_id: int) -> Outbox:
    with store.session() as session:
        row = session.get(Outbox, post_id)
        assert row is not None
        return row


async def test_an_alert_arrives_as_an_embed_with_timestamps(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    channel = simcord_env.create_guild().create_text_channel("tv")
    [post_id] = queue(bot_store, alert(channel.id))
    report = await Delivery(
        bot_store, DiscordSender(simcord_env.bot), worker="w", clock=lambda: NOW
    ).run_once()
    assert report.sent == 1
    message = channel.last_message
    [card] = message.embeds
    assert card.title == "Picard S2 returns Mar 3 on Paramount+"
    assert card.url == "https://news.example/picard"
    stamp = int(datetime(2027, 3, 3, 12, tzinfo=UTC).timestamp())
    assert card.fields[0].value == f"<t:{stamp}:D> (<t:{stamp}:R>)"
    assert card.footer.text.endswith(f"ref:{nonce_for('alert:1:fact')}")
    assert status(bot_store, post_id).message_id == message.id


@pytest.mark.parametrize(
    "url",
    ["mailto:tips@news.example", "/news/1", "http://[broken", "https://news.example/" + "a" * 2100],
    ids=["mailto", "relative", "broken", "too-long"],
)
async def test_a_link_discord_refuses_is_left_out_of_the_card(  # type: ignore[no-untyped-def]
    simcord_env, bot_store: Store, url: str
) -> None:
    # Discord answers 400 to an embed whose URL is no http(s) URL or too long: the post
    # would fail for good, for its link alone.
    channel = simcord_env.create_guild().create_text_channel("tv")
    queue(bot_store, alert(channel.id, url=url))
    report = await Delivery(
        bot_store, DiscordSender(simcord_env.bot), worker="w", clock=lambda: NOW
    ).run_once()
    assert report.sent == 1
    [card] = channel.last_message.embeds
    assert (card.title, card.url) == ("Picard S2 returns Mar 3 on Paramount+", None)


async def test_a_link_with_spaces_is_sent_percent_encoded(  # type: ignore[no-untyped-def]
    simcord_env, bot_store: Store
) -> None:
    channel = simcord_env.create_guild().create_text_channel("tv")
    queue(bot_store, alert(channel.id, url='https://news.example/a b/"c"?q={1}'))
    await Delivery(
        bot_store, DiscordSender(simcord_env.bot), worker="w", clock=lambda: NOW
    ).run_once()
    assert channel.last_message.embeds[0].url == "https://news.example/a%20b/%22c%22?q=%7B1%7D"


async def test_later_sources_link_only_where_discord_takes_the_link(  # type: ignore[no-untyped-def]
    simcord_env, bot_store: Store
) -> None:
    channel = simcord_env.create_guild().create_text_channel("tv")
    post = alert(channel.id)
    post.payload["also"] = [
        {"source": "Deadline", "url": "mailto:tips@deadline.example"},
        {"source": "Variety", "url": "https://variety.example/picard s2"},
    ]
    queue(bot_store, post)
    await Delivery(
        bot_store, DiscordSender(simcord_env.bot), worker="w", clock=lambda: NOW
    ).run_once()
    source = channel.last_message.embeds[0].fields[-1].value
    assert source.endswith("Also: Deadline, [Variety](https://variety.example/picard%20s2)")


async def test_a_feeds_markdown_is_shown_as_written(  # type: ignore[no-untyped-def]
    simcord_env, bot_store: Store
) -> None:
    channel = simcord_env.create_guild().create_text_channel("tv")
    post = alert(channel.id, title="Picard *returns* in [March](https://evil.example)")
    post.payload["excerpt"] = "Claim it [here](https://evil.example) __now__"
    queue(bot_store, post)
    await Delivery(
        bot_store, DiscordSender(simcord_env.bot), worker="w", clock=lambda: NOW
    ).run_once()
    assert channel.last_message.embeds[0].description == (
        "**Picard \\*returns\\* in \\[March](https://evil.example)**\n"
        "Claim it \\[here](https://evil.example) \\_\\_now\\_\\_"
    )


async def test_everyone_in_a_title_pings_nobody(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    channel = simcord_env.create_guild().create_text_channel("tv")
    queue(bot_store, alert(channel.id, title="@everyone Picard is back"))
    await Delivery(
        bot_store, DiscordSender(simcord_env.bot), worker="w", clock=lambda: NOW
    ).run_once()
    message = channel.last_message
    assert not message.mention_everyone and message.mentions == [] and message.role_mentions == []
    assert "@everyone" in message.embeds[0].description


async def test_server_errors_are_retried_and_lost_channels_fail(
    simcord_env, bot_store: Store
) -> None:  # type: ignore[no-untyped-def]
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("tv")
    [retried] = queue(bot_store, alert(channel.id, key="a"))
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=500)
    delivery = Delivery(bot_store, DiscordSender(simcord_env.bot), worker="w", clock=lambda: NOW)
    report = await delivery.run_once()
    assert (report.sent, report.retried) == (0, 1)
    assert status(bot_store, retried).status == "pending" and channel.last_message is None

    [lost] = queue(bot_store, alert(999_999_999, key="b"))
    report = await delivery.run_once()
    assert report.failed == 1 and status(bot_store, lost).status == "failed"


async def test_a_post_discord_refuses_fails_alone(  # type: ignore[no-untyped-def]
    simcord_env, bot_store: Store
) -> None:
    """A 400 is about the post itself: resent, it would be refused again, every hour for
    ever. It fails, and the channel keeps its follows and its other posts."""
    channel = simcord_env.create_guild().create_text_channel("tv")
    refused, later = queue(bot_store, alert(channel.id, key="a"), alert(channel.id, key="b"))
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=400,
                             code=50035, message="Invalid Form Body")  # fmt: skip
    report = await Delivery(
        bot_store, DiscordSender(simcord_env.bot), worker="w", clock=lambda: NOW
    ).run_once()
    assert (report.sent, report.failed, report.retried) == (1, 1, 0)
    row = status(bot_store, refused)
    assert row.status == "failed" and "400" in (row.last_error or "")
    assert status(bot_store, later).status == "sent" and channel.last_message is not None


async def test_a_429_that_reaches_the_bot_is_retried_later_not_failed(
    simcord_env, bot_store: Store
) -> None:  # type: ignore[no-untyped-def]
    """discord.py waits out 429s itself; one it gives up on reaches the Sender as an
    HTTPException and must cost a retry, never the channel's follows."""
    from datetime import timedelta

    channel = simcord_env.create_guild().create_text_channel("tv")
    [post_id] = queue(bot_store, alert(channel.id))
    simcord_env.inject_error("POST", f"/channels/{channel.id}/messages", status=429,
                             message="You are being rate limited.")  # fmt: skip
    clock = [NOW]
    delivery = Delivery(
        bot_store, DiscordSender(simcord_env.bot), worker="w", clock=lambda: clock[0]
    )
    assert (await delivery.run_once()).retried == 1
    row = status(bot_store, post_id)
    assert row.status == "pending" and "429" in (row.last_error or "")
    assert (await delivery.run_once()).sent == 0  # not due yet: backing off
    clock[0] = row.next_attempt_at + timedelta(seconds=1)
    assert (await delivery.run_once()).sent == 1
    assert channel.last_message is not None and status(bot_store, post_id).status == "sent"


async def test_a_later_source_is_added_to_the_posted_alert(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    from bot.notify.plan import edit_post, joined

    channel = simcord_env.create_guild().create_text_channel("tv")
    first = alert(channel.id)
    queue(bot_store, first)
    delivery = Delivery(bot_store, DiscordSender(simcord_env.bot), worker="w", clock=lambda: NOW)
    await delivery.run_once()
    grown = joined(first.payload, {"source": "Deadline", "url": "https://deadline.example/p"})
    assert grown is not None
    queue(bot_store, edit_post(first.dedupe_key, 1, channel.id, grown))
    assert (await delivery.run_once()).sent == 1
    [message] = channel.history()  # the same message, edited
    source = message.embeds[0].fields[-1]
    assert source.name == "Source" and source.value.startswith("TVLine")
    assert source.value.endswith("Also: [Deadline](https://deadline.example/p)")
    assert message.embeds[0].footer.text.endswith(f"ref:{nonce_for(first.dedupe_key)}")


async def test_already_sent_finds_the_earlier_copy(simcord_env, bot_store: Store) -> None:  # type: ignore[no-untyped-def]
    channel = simcord_env.create_guild().create_text_channel("tv")
    sender = DiscordSender(simcord_env.bot)
    payload = alert(channel.id).payload
    first = await sender.send(channel.id, payload, nonce_for("alert:1:fact"))
    assert await sender.already_sent(channel.id, nonce_for("alert:1:fact")) == first
    assert await sender.already_sent(channel.id, nonce_for("something else")) is None
