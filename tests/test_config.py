"""feeds.yaml: the shipped file is valid, and each kind of mistake names its line."""

import codecs
from datetime import time, timedelta
from pathlib import Path
from textwrap import dedent

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, load_config, parse_config
from bot.config.schema import parse_duration
from bot.config.yaml_lines import load_with_lines

REPO = Path(__file__).resolve().parent.parent

VALID = """\
defaults:
  poll_interval: 20m
  timezone: Europe/London
  countdown_hour: "18:30"
  countdown_milestones: [1, 7, 7, 0]
  backlog_age: 2d
  admin_channel: 123456789012345678
  fetch_timeout: 40s
  max_feed_size: 12MiB
  address_guard: true
sources:
  - name: TVLine
    url: https://tvline.com/feed/
  - name: Slow site
    url: http://slow.example/rss
    interval: 1h30m
    fetch_timeout: 1m
    address_guard: false
    enabled: false
shows:
  - title: "Star Trek: Picard"
    aliases: [Picard]
    year: 2020
    network: Paramount+
subscriptions:
  - guild: 1
    channel: 2
    shows: [picard]
    mode: dates
"""


def test_shipped_feeds_yaml_is_valid_and_useful() -> None:
    config = load_config(REPO / "feeds.yaml")
    assert 10 <= len(config.sources) <= 20
    assert len(config.shows) >= 30
    assert all(s.url.startswith("https://") for s in config.sources)


def test_valid_file_becomes_typed_values() -> None:
    config = parse_config(VALID, "feeds.yaml")
    assert config.defaults.poll_interval == timedelta(minutes=20)
    assert config.defaults.countdown_hour == time(18, 30)
    assert config.defaults.countdown_milestones == (7, 1, 0)
    assert config.defaults.backlog_age == timedelta(days=2)
    assert config.defaults.fetch_timeout == timedelta(seconds=40)
    assert config.defaults.max_feed_size == 12 * 1024 * 1024
    slow = config.sources[1]
    assert (slow.interval, slow.enabled) == (timedelta(hours=1, minutes=30), False)
    assert (slow.fetch_timeout, config.sources[0].fetch_timeout) == (timedelta(minutes=1), None)
    assert config.interval_of(config.sources[0]) == timedelta(minutes=20)
    assert [config.guarded(s) for s in config.sources] == [True, False]
    assert config.shows[0].aliases == ("Picard",)
    assert config.subscriptions[0].mode == "dates"


def test_empty_file_is_an_empty_configuration() -> None:
    config = parse_config("# nothing yet\n", "feeds.yaml")
    assert config.sources == () and config.defaults.timezone == "UTC"
    assert config.defaults.fetch_timeout == timedelta(seconds=15)
    assert config.defaults.max_feed_size == 5 * 1024 * 1024
    assert config.defaults.address_guard is False


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(dedent(text), "feeds.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "sources:\n  - name: A\n    url: [unclosed\n",
            "feeds.yaml:4: yaml: ",
            id="yaml-syntax",
        ),
        pytest.param(
            "sources:\n  - name: A\n    url: https://a.example/\n    intervall: 5m\n",
            "feeds.yaml:4: sources[0].intervall: unknown key; did you mean 'interval'?",
            id="unknown-key-in-source",
        ),
        pytest.param(
            "default:\n  timezone: UTC\n",
            "feeds.yaml:1: default: unknown key; did you mean 'defaults'?",
            id="unknown-top-level-key",
        ),
        pytest.param(
            "sources:\n  - name: A\n    url: https://a.example/\n  - name: B\n    url: ftp://b\n",
            "feeds.yaml:5: sources[1].url: not an http(s) URL",
            id="bad-url",
        ),
        pytest.param(
            f"sources:\n  - name: A\n    url: https://a.example/{'a' * 2000}\n",
            "feeds.yaml:3: sources[0].url: longer than 2000 characters",
            id="url-too-long",
        ),
        pytest.param(
            "sources:\n  - name: A\n    url: https://a.example:99999/feed\n",
            "feeds.yaml:3: sources[0].url: the port must be a number from 0 to 65535",
            id="port-out-of-range",
        ),
        pytest.param(
            "defaults:\n  poll_interval: 5m\n  timezone: Mars/Olympus_Mons\n",
            "feeds.yaml:3: defaults.timezone: unknown time zone 'Mars/Olympus_Mons'",
            id="unknown-time-zone",
        ),
        pytest.param(
            "defaults:\n  backlog_age: ten minutes\n",
            "feeds.yaml:2: defaults.backlog_age: 'ten minutes' is not a duration",
            id="bad-duration",
        ),
        pytest.param(
            "defaults:\n  poll_interval: 10s\n",
            "feeds.yaml:2: defaults.poll_interval: poll more often than once a minute",
            id="impolite-interval",
        ),
        pytest.param(
            "sources:\n  - name: A\n    url: https://a.example/\n    interval: 31d\n",
            "feeds.yaml:4: sources[0].interval: at most 30d",
            id="interval-too-long",
        ),
        pytest.param(
            "defaults:\n  poll_interval: 9999999999d\n",
            "feeds.yaml:2: defaults.poll_interval: '9999999999d' is not a usable duration",
            id="duration-past-any-date",
        ),
        pytest.param(
            "defaults:\n  backlog_age: .inf\n",
            "feeds.yaml:2: defaults.backlog_age: inf is not a usable duration",
            id="infinite-duration",
        ),
        pytest.param(
            "defaults:\n  fetch_timeout: 0s\n",
            "feeds.yaml:2: defaults.fetch_timeout: must be 1s to 10m",
            id="fetch-timeout-zero",
        ),
        pytest.param(
            "defaults:\n  fetch_timeout: 1h\n",
            "feeds.yaml:2: defaults.fetch_timeout: must be 1s to 10m",
            id="fetch-timeout-too-long",
        ),
        pytest.param(
            "sources:\n  - name: A\n    url: https://a.example/\n    fetch_timeout: 11m\n",
            "feeds.yaml:4: sources[0].fetch_timeout: must be 1s to 10m",
            id="source-fetch-timeout-too-long",
        ),
        pytest.param(
            "sources:\n  - name: A\n    url: https://a.example/\n    address_guard: maybe\n",
            "feeds.yaml:4: sources[0].address_guard: Input should be a valid boolean, unable to"
            " interpret input",
            id="address-guard-not-a-boolean",
        ),
        pytest.param(
            "defaults:\n  max_feed_size: 1GB\n",
            "feeds.yaml:2: defaults.max_feed_size: must be 10KiB to 50MiB",
            id="feed-size-too-large",
        ),
        pytest.param(
            "defaults:\n  max_feed_size: big\n",
            "feeds.yaml:2: defaults.max_feed_size: could not parse value and unit",
            id="feed-size-not-a-size",
        ),
        pytest.param(
            "defaults:\n  backlog_age: 3651d\n",
            "feeds.yaml:2: defaults.backlog_age: at most 3650d",
            id="backlog-age-too-long",
        ),
        pytest.param(
            "defaults:\n  countdown_hour: '25:00'\n",
            "feeds.yaml:2: defaults.countdown_hour: '25:00' is not a time of day",
            id="bad-countdown-hour",
        ),
        pytest.param(
            """\
            sources:
              - name: TVLine
                url: https://tvline.com/feed/
              - name: tvline
                url: https://other.example/feed
            """,
            "feeds.yaml:4: sources[1].name: duplicate source name (also sources[0])",
            id="duplicate-source-name",
        ),
        pytest.param(
            """\
            sources:
              - name: TVLine
                url: https://tvline.com/feed/
              - name: TVLine again
                url: https://TVLINE.com/feed
            """,
            "feeds.yaml:5: sources[1].url: duplicate source URL (also sources[0])",
            id="duplicate-source-url",
        ),
        pytest.param(
            "shows:\n  - title: The Office\n  - title: office\n",
            "feeds.yaml:3: shows[1].title: duplicate show title (also shows[0])",
            id="duplicate-show-title",
        ),
        pytest.param(
            """\
            shows:
              - title: Star Trek Picard
                aliases: [Picard]
              - title: Picard Family Fishing
                aliases: [Another, PICARD]
            """,
            "feeds.yaml:5: shows[1].aliases[1]: 'PICARD' also names shows[0] (Star Trek Picard)",
            id="alias-shared-by-two-shows",
        ),
        pytest.param(
            "shows:\n  - title: Lost\n  - title: Found\n    aliases: [The Lost]\n",
            "feeds.yaml:4: shows[1].aliases[0]: 'The Lost' also names shows[0] (Lost)",
            id="alias-is-another-title",
        ),
        pytest.param(
            "shows:\n  - title: Lost\nsubscriptions:\n  - guild: 1\n    channel: 2\n"
            "    shows: [Lost, Found]\n",
            "feeds.yaml:6: subscriptions[0].shows[1]: 'Found' is not a title or alias in shows",
            id="subscription-to-unknown-show",
        ),
        pytest.param(
            "sources:\n  - name: A\n    name: B\n    url: https://a.example/\n",
            "feeds.yaml:3: sources[0].name: key written twice",
            id="duplicate-key",
        ),
        pytest.param(
            "- just a list\n",
            "feeds.yaml:1: (top level): expected a mapping",
            id="top-level-not-a-mapping",
        ),
        pytest.param(
            "sources:\n  - url: https://a.example/\n",
            "feeds.yaml:2: sources[0].name: required",
            id="missing-name",
        ),
        pytest.param(
            'sources:\n  - name: "Deadline\\nTV"\n    url: https://a.example/\n',
            "feeds.yaml:2: sources[0].name: must be one line, without line breaks, tabs",
            id="name-with-a-line-break",
        ),
        pytest.param(
            'shows:\n  - title: "Lost\\t"\n    aliases: ["Found\\x00"]\n',
            "feeds.yaml:3: shows[0].aliases[0]: must be one line",
            id="alias-with-a-control-character",
        ),
        pytest.param(
            "subscriptions:\n  - guild: -4\n    channel: 2\n    shows: [x]\n",
            "feeds.yaml:2: subscriptions[0].guild: Input should be greater than 0",
            id="bad-snowflake",
        ),
    ],
)
def test_each_mistake_is_reported_with_its_line(text: str, expected: str) -> None:
    problems = _problems(text)
    assert any(p.startswith(expected) for p in problems), problems


def test_all_problems_are_reported_at_once_in_line_order() -> None:
    problems = _problems(
        """\
        defaults:
          timezone: Nowhere/Special
        sources:
          - name: A
            url: not-a-url
          - name: B
            url: https://b.example/
            colour: blue
        """
    )
    assert [p.split(":")[1] for p in problems] == ["2", "5", "8"]


def test_unreadable_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "missing.yaml")
    assert "cannot read" in str(caught.value)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("shows:\n  - title: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert str(caught.value) == (
        f"{bad}:2: file: not UTF-8 text (invalid continuation byte): save the file as UTF-8"
    )


def test_a_utf16_file_with_its_byte_order_mark_is_read(tmp_path: Path) -> None:
    """What an editor saves as "Unicode"; YAML allows it."""
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{encoding}.yaml"
        bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
        path.write_bytes(bom + "shows:\n  - title: Café Society\n".encode(encoding))
        assert [show.title for show in load_config(path).shows] == ["Café Society"]


@given(days=st.integers(0, 30), hours=st.integers(0, 23), minutes=st.integers(0, 59))
def test_durations_read_back_what_was_written(days: int, hours: int, minutes: int) -> None:
    written = f"{days}d{hours}h{minutes}m"
    assert parse_duration(written) == timedelta(days=days, hours=hours, minutes=minutes)
    assert parse_duration(f"{days}d {hours}H") == timedelta(days=days, hours=hours)


def test_yaml_values_are_what_pyyaml_makes_of_them() -> None:
    """Strings are taken from the node without PyYAML's constructor; every tag still reads
    as PyYAML reads it, quoted numbers and explicit tags included."""
    text = dedent("""\
        base: &base {interval: 15m, enabled: yes}
        sources:
          - name: "2024"
            url: 'https://a.example/'
            <<: *base
          - name: !!str 42
            count: 7
            ratio: 0.5
            empty: null
            paused: off
            when: 2026-11-25
            tags: [plain, "quoted", 'single']
    """)
    data, lines = load_with_lines(text)
    assert data == yaml.safe_load(text)
    assert data["sources"][0]["name"] == "2024" and data["sources"][1]["name"] == "42"
    assert data["sources"][1]["paused"] is False and data["sources"][0]["interval"] == "15m"
    assert lines[("sources", 1, "name")] == 6
