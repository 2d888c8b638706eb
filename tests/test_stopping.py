"""SIGTERM as Ctrl-C (bot/commands/stopping.py), in-process; through real signals and the
real CLI in tests/feeds/test_poll_cli.py."""

import asyncio
import os
import signal
import threading

import pytest

from bot.commands.stopping import SigtermAsCtrlC


def test_sigterm_cancels_the_command_at_its_next_await_and_ends_as_ctrl_c() -> None:
    sigterm = SigtermAsCtrlC()
    cleaned_up = []

    async def command() -> None:
        try:
            sigterm(signal.SIGTERM, None)  # as if it came now, between two steps
            cleaned_up.append("not yet")  # the cancellation waits for the next await
            await asyncio.sleep(10)
        finally:
            cleaned_up.append("finally")

    with pytest.raises(KeyboardInterrupt):
        sigterm.run(command())
    assert sigterm.received and cleaned_up == ["not yet", "finally"]


def test_a_real_sigterm_wakes_a_loop_asleep_waiting_for_nothing() -> None:
    sigterm = SigtermAsCtrlC()
    previous = signal.signal(signal.SIGTERM, sigterm)
    rescued = []
    try:

        async def command() -> None:
            loop = asyncio.get_running_loop()

            def rescue() -> None:  # what the test needs if the signal leaves the loop asleep
                rescued.append(True)
                loop.call_soon_threadsafe(lambda: None)

            watchdog = threading.Timer(10, rescue)
            watchdog.start()
            threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGTERM)).start()
            try:
                await asyncio.Event().wait()  # nothing else would ever wake it
            finally:
                watchdog.cancel()

        with pytest.raises(KeyboardInterrupt):
            sigterm.run(command())
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert rescued == []  # woken by the signal itself


def test_a_second_sigterm_or_one_outside_the_loop_stops_at_once() -> None:
    sigterm = SigtermAsCtrlC()
    with pytest.raises(KeyboardInterrupt):
        sigterm(signal.SIGTERM, None)  # no command running in a loop

    cleaned_up = []

    async def slow_to_stop() -> None:
        try:
            sigterm(signal.SIGTERM, None)
            await asyncio.sleep(10)
        finally:
            sigterm(signal.SIGTERM, None)  # a second one, while the command cleans up
            cleaned_up.append("finished")

    with pytest.raises(KeyboardInterrupt):
        sigterm.run(slow_to_stop())
    assert cleaned_up == []  # stopped where the second one came


def test_a_cancellation_of_another_cause_is_not_taken_for_sigterm() -> None:
    sigterm = SigtermAsCtrlC()

    async def cancelled() -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        sigterm.run(cancelled())
    assert not sigterm.received


def test_what_the_command_returns_is_returned() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert SigtermAsCtrlC().run(answer()) == 42
