"""Group commit: writes that arrive together share a batch, and a bad one fails alone."""

import asyncio
from collections.abc import Sequence

import pytest

from bot.feeds.group_commit import GroupCommit


class Recorder:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def write(self, items: Sequence[int]) -> list[int]:
        if 13 in items:
            raise ValueError("13 is unlucky")
        self.batches.append(list(items))
        return [item * 10 for item in items]


async def test_concurrent_writes_share_batches_and_get_their_own_results() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    values = range(20, 120)
    results = await asyncio.gather(*(commit.write(i) for i in values))
    assert results == [i * 10 for i in values]
    assert len(recorder.batches) < 10  # far fewer transactions than writes
    assert sorted(i for batch in recorder.batches for i in batch) == list(values)


async def test_a_failing_item_fails_alone() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write)
    outcomes = await asyncio.gather(
        *(commit.write(i) for i in (11, 12, 13, 14)), return_exceptions=True
    )
    assert outcomes[:2] == [110, 120] and outcomes[3] == 140
    assert isinstance(outcomes[2], ValueError)
    with pytest.raises(ValueError, match="unlucky"):
        await commit.write(13)


async def test_a_failure_of_the_store_itself_fails_the_batch_without_retrying_each() -> None:
    """A full disk or a lost table is not one item's fault: written again one by one, each
    item would fail the same way (after SQLite's 30 s busy timeout, when it is a lock)."""
    tries: list[list[int]] = []

    def full(items: Sequence[int]) -> list[int]:
        tries.append(list(items))
        raise OSError("disk full")

    commit = GroupCommit(full, isolate=lambda failure: not isinstance(failure, OSError))
    outcomes = await asyncio.gather(*(commit.write(i) for i in (1, 2, 3)), return_exceptions=True)
    assert [str(outcome) for outcome in outcomes] == ["disk full"] * 3
    assert len(tries) <= 2  # the first item's batch, then the rest's; never one by one


async def test_items_arriving_one_by_one_share_a_batch_while_more_are_coming() -> None:
    """Parsed feeds come back a few milliseconds apart: without lingering, each would pay a
    transaction of its own. Once nothing more is coming, the batch is written at once."""
    recorder = Recorder()
    coming = 6
    commit = GroupCommit(recorder.write, linger=60, more_coming=lambda: coming > 0)

    async def arrive(item: int) -> int:
        nonlocal coming
        await asyncio.sleep(0.002 * item)
        coming -= 1
        return await commit.write(item)

    async with asyncio.timeout(30):  # a writer that waited out its linger would fail here
        results = await asyncio.gather(*(arrive(i) for i in range(1, 7)))
    assert results == [10, 20, 30, 40, 50, 60]
    assert recorder.batches == [[1, 2, 3, 4, 5, 6]]


async def test_without_more_coming_a_lone_item_is_written_at_once() -> None:
    recorder = Recorder()
    commit = GroupCommit(recorder.write, linger=60)
    async with asyncio.timeout(30):
        assert await commit.write(7) == 70
    assert recorder.batches == [[7]]
