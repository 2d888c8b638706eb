"""The one thing delivery needs from Discord, so the core is tested without it."""

import hashlib
import string
from typing import Any, Protocol

_DIGITS = string.digits + string.ascii_lowercase


class SendError(Exception):
    """A post could not be sent. Permanent errors will not go away by retrying: the channel
    cannot be posted in (missing access, unknown channel), or Discord refused the post itself
    (400: what it holds), when `channel_lost` is False. The others (5xx, timeouts) will."""

    def __init__(self, message: str, *, permanent: bool, channel_lost: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.channel_lost = permanent if channel_lost is None else channel_lost


class Sender(Protocol):
    async def send(self, channel_id: int, payload: dict[str, Any], nonce: str) -> int:
        """Posts `payload` to the channel; returns the message id. Raises SendError."""
        ...

    async def edit(
        self, channel_id: int, message_id: int, payload: dict[str, Any], nonce: str
    ) -> None:
        """Rewrites a message this bot posted (`nonce`: the original post's). Raises SendError."""
        ...

    async def already_sent(self, channel_id: int, nonce: str) -> int | None:
        """The id of a message this bot posted with `nonce`, if the channel has one."""
        ...


def nonce_for(dedupe_key: str) -> str:
    """The post's nonce: the same for every attempt, at most 25 characters (Discord's limit)."""
    number = int.from_bytes(hashlib.sha256(dedupe_key.encode()).digest()[:16], "big")
    digits = []
    while number:
        number, digit = divmod(number, 36)
        digits.append(_DIGITS[digit])
    return "".join(reversed(digits))[:25]
