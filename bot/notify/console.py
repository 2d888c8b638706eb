"""A Sender that prints posts to the terminal: `premiere-bot run --console`."""

from itertools import count
from typing import IO, Any


class ConsoleSender:
    """Each post as one line: channel, headline, date, link."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self._ids = count(1)

    async def send(self, channel_id: int, payload: dict[str, Any], nonce: str) -> int:
        kind = payload.get("kind", "post")
        if kind == "countdown":
            text = "; ".join(item["text"] for item in payload["items"])
        elif kind == "digest":
            text = "; ".join(item["text"] for item in payload["exact"] + payload["approximate"])
        else:
            text = payload.get("headline", "")
        parts = [f"#{channel_id}", kind, text]
        if payload.get("date"):
            parts.append(_date(payload["date"]))
        if payload.get("url"):
            parts.append(payload["url"])
        if payload.get("also"):
            parts.append(_also(payload))
        self._print(parts)
        return next(self._ids)

    async def edit(
        self, channel_id: int, message_id: int, payload: dict[str, Any], nonce: str
    ) -> None:
        self._print(
            [f"#{channel_id}", f"edit of #{message_id}", payload["headline"], _also(payload)]
        )

    def _print(self, parts: list[str]) -> None:
        self.out.write(" | ".join(parts) + "\n")
        self.out.flush()

    async def already_sent(self, channel_id: int, nonce: str) -> int | None:
        return None  # a terminal keeps no history; the outbox already says what was printed


def _also(payload: dict[str, Any]) -> str:
    return "also " + ", ".join(other["source"] for other in payload["also"])


def _date(fields: dict[str, Any]) -> str:
    if "timestamp" in fields:
        at = f" {fields['time']}" if fields.get("time") else ""
        return f"{fields['value']}{at}"
    return str(fields.get("text") or "TBA")
