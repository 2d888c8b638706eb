"""DISCORD_API_BASE and DISCORD_GATEWAY_URL reach discord.py."""

import discord.gateway
import discord.http
import pytest
import yarl

from bot.discord_app.endpoints import configure


def test_endpoints_are_set_only_when_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket,
        "DEFAULT_GATEWAY",
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
    )
    original = discord.http.Route.BASE
    configure(None, None)
    assert original == discord.http.Route.BASE
    configure("http://127.0.0.1:8080/api/v10/", "ws://127.0.0.1:8081/")
    assert discord.http.Route.BASE == "http://127.0.0.1:8080/api/v10"
    assert yarl.URL("ws://127.0.0.1:8081/") == discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:8080/api/v10/users/@me"
