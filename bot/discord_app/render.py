"""Outbox payloads and calendar facts as Discord shows them."""

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import discord

from bot.domain.airtime import AirTime
from bot.domain.dates import ReleaseDate
from bot.notify.plan import date_fields

TITLE_LIMIT, DESCRIPTION_LIMIT, FIELD_LIMIT = 256, 4096, 1024  # Discord's embed limits
EMBED_LIMIT, FIELDS_LIMIT = 6000, 25  # characters of all of an embed's text; its fields
EMBED_URL_LIMIT = 2048  # the longest embed URL Discord takes (its documentation gives none)
# ASCII characters a URL may never hold as they are (RFC 3986), which feeds' links still do.
_UNSAFE = str.maketrans({c: f"%{ord(c):02X}" for c in ' "<>\\^`{|}'})
_COLOURS = {"alert": 0x5865F2, "change": 0xFEE75C, "countdown": 0x57F287, "digest": 0xEB459E}


def when(fields: dict[str, Any] | None) -> str:
    """A date for a reader: Discord timestamps for exact days, words otherwise."""
    if not fields:
        return "no date yet"
    if "timestamp" in fields:
        stamp = fields["timestamp"]
        if fields.get("timed"):  # the moment it airs: each reader sees it in their own zone
            return f"<t:{stamp}:F> (<t:{stamp}:R>)"
        at = f" at {fields['time']}" if fields.get("time") else ""
        return f"<t:{stamp}:D>{at} (<t:{stamp}:R>)"
    return str(fields.get("text") or "TBA")


def release_when(value: str | None, air: AirTime | None = None) -> str:
    return when(date_fields(ReleaseDate.parse(value), air)) if value else "no date yet"


def embed(payload: dict[str, Any], nonce: str) -> discord.Embed:
    """The embed for a queued post. Its footer carries the nonce so that a copy already
    posted can be found again after a crash."""
    kind = payload.get("kind", "alert")
    card = discord.Embed(colour=_COLOURS.get(kind, 0x5865F2))
    if kind in ("alert", "change"):
        card.title = _cut(payload["headline"], TITLE_LIMIT)
        card.url = web_link(payload.get("url"))
        # A feed's own words, as they were written: its markup would be Discord's markdown
        # here ("[Free Nitro](https://...)" a masked link, "*" and "_" emphasis).
        lines = []
        if payload.get("title") and payload["title"] != payload["headline"]:
            lines.append(f"**{discord.utils.escape_markdown(payload['title'])}**")
        if payload.get("excerpt"):
            lines.append(discord.utils.escape_markdown(payload["excerpt"]))
        card.description = _cut("\n".join(lines), DESCRIPTION_LIMIT) or None
        if payload.get("date"):
            card.add_field(name="Date", value=when(payload["date"]))
        if payload.get("platform"):
            card.add_field(name="Where", value=payload["platform"])
        if payload.get("source"):
            published = payload.get("published")
            stamp = (
                f" · <t:{int(datetime.fromisoformat(published).timestamp())}:f>"
                if published
                else ""
            )
            also = [
                source_link(other["source"], other.get("url")) for other in payload.get("also", [])
            ]
            sources = f"{payload['source']}{stamp}" + (f"\nAlso: {', '.join(also)}" if also else "")
            card.add_field(name="Source", value=_cut(sources, FIELD_LIMIT), inline=False)
    elif kind == "notice":
        card.title = _cut(payload["headline"], TITLE_LIMIT)
        card.description = _cut(payload.get("excerpt", ""), DESCRIPTION_LIMIT) or None
    elif kind == "countdown":
        card.title = "Countdown"
        card.description = _cut(
            "\n".join(f"• {item['text']}" for item in payload["items"]), DESCRIPTION_LIMIT
        )
    elif kind == "digest":
        card.title = "This week's premieres"
        exact = [f"• {item['text']} - {when(item['date'])}" for item in payload["exact"]]
        later = [f"• {item['text']} - {when(item['date'])}" for item in payload["approximate"]]
        parts = exact or ["Nothing dated in the next two weeks."]
        if later:
            parts += ["", "**Coming later**", *later]
        card.description = _cut("\n".join(parts), DESCRIPTION_LIMIT)
    card.set_footer(text=f"premiere-bot · ref:{nonce}")
    return card


def web_link(url: str | None) -> str | None:
    """The story's link as Discord takes it for an embed's: http(s), with a host, spaces and
    the like percent-encoded, not too long; None for any other. A story links wherever its
    feed says, and Discord refuses a whole post over a link it does not take (400 Invalid
    Form Body: a `mailto:`, a broken URL), which no retry mends."""
    if not url or not url.startswith(("https://", "http://")):
        return None
    url = url.translate(_UNSAFE)
    try:
        return url if urlsplit(url).hostname and len(url) <= EMBED_URL_LIMIT else None
    except ValueError:  # "http://[broken"
        return None


def source_link(name: str, url: str | None) -> str:
    """A source's name, linked to its story when the link is one Discord takes."""
    link = web_link(url)
    return f"[{name}]({link})" if link else name


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
