"""The outbox's Sender, over discord.py: embeds, a nonce per post, honest error kinds."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import discord

from bot.discord_app.render import embed
from bot.notify.sender import SendError

_PERMANENT = (discord.Forbidden, discord.NotFound)  # missing access, unknown channel


class DiscordSender:
    """429s are left to discord.py, which waits and retries them itself."""

    def __init__(self, client: discord.Client, history_limit: int = 50) -> None:
        self.client = client
        self.history_limit = history_limit

    async def send(self, channel_id: int, payload: dict[str, Any], nonce: str) -> int:
        with _as_send_errors():
            channel = await self._channel(channel_id)
            role = payload.get("role_id")
            message = await channel.send(
                content=f"<@&{role}>" if role else None,
                embed=embed(payload, nonce),
                nonce=nonce,  # discord.py also sets enforce_nonce
                allowed_mentions=discord.AllowedMentions(roles=[discord.Object(role)])
                if role
                else discord.AllowedMentions.none(),
            )
        return message.id

    async def edit(
        self, channel_id: int, message_id: int, payload: dict[str, Any], nonce: str
    ) -> None:
        with _as_send_errors():
            channel = await self._channel(channel_id)
            message = discord.PartialMessage(channel=channel, id=message_id)  # type: ignore[arg-type]
            await message.edit(embed=embed(payload, nonce))

    async def already_sent(self, channel_id: int, nonce: str) -> int | None:
        """Looks through the channel's recent messages for this post's reference."""
        try:
            channel = await self._channel(channel_id)
            async for message in channel.history(limit=self.history_limit):
                if message.author.id == getattr(self.client.user, "id", None) and any(
                    f"ref:{nonce}" in (e.footer.text or "") for e in message.embeds
                ):
                    return message.id
        except (discord.HTTPException, SendError):
            return None  # no history access: the nonce (minutes) is the only guard left
        return None

    async def _channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise SendError(f"channel {channel_id} cannot hold messages", permanent=True)
        return channel


@contextmanager
def _as_send_errors() -> Iterator[None]:
    """discord.py's errors as the outbox sees them: 403/404 (the channel) and 400 (the post
    itself) will not go away by retrying; 5xx, timeouts and connection errors will."""
    try:
        yield
    except _PERMANENT as error:
        raise SendError(
            f"{error.status} {error.text or type(error).__name__}", permanent=True
        ) from None
    except discord.HTTPException as error:
        refused = error.status == 400  # Invalid Form Body and the like: resent, refused again
        raise SendError(
            f"{type(error).__name__}: {error}", permanent=refused, channel_lost=False
        ) from None
    except (TimeoutError, OSError) as error:
        raise SendError(f"{type(error).__name__}: {error}", permanent=False) from None
