"""Which addresses a source added from Discord may not reach. Pure: nothing is connected to."""

import pytest

from bot.feeds.guard import refused_reason


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fd00::1", "private"),
    ],
)
def test_refused(address: str, reason: str) -> None:
    refused = refused_reason(address)
    assert refused is not None and reason in refused


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "example.com"]
)
def test_allowed(address: str) -> None:
    assert refused_reason(address) is None
