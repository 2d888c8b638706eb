"""Pointing discord.py at a REST or gateway proxy, or a Discord-compatible server."""

import discord.gateway
import discord.http
import yarl


def configure(api_base: str | None, gateway_url: str | None) -> None:
    """Sets discord.py's REST base and gateway when DISCORD_API_BASE / DISCORD_GATEWAY_URL
    are given; otherwise discord.py keeps Discord's own."""
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
