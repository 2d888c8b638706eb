"""Group commit: many small writes that arrive together share one transaction."""

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """Runs `write_batch` in a thread for everything queued while the previous batch was
    being written. Hundreds of sources answering at once then cost a few commits, not
    hundreds, and only one write runs at a time (SQLite allows no more).

    If a batch fails, its items are written one by one, so a bad item fails alone.
    """

    def __init__(self, write_batch: Callable[[Sequence[Item]], list[Result]]) -> None:
        self._write_batch = write_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            if len(batch) == 1:
                await self._settle(batch)
                continue
            try:
                results = await asyncio.to_thread(self._write_batch, [item for item, _ in batch])
            except Exception:
                for one in batch:
                    await self._settle([one])
                continue
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)

    async def _settle(self, batch: list[tuple[Item, "asyncio.Future[Result]"]]) -> None:
        [(item, future)] = batch
        try:
            [result] = await asyncio.to_thread(self._write_batch, [item])
        except Exception as error:
            future.set_exception(error)
        else:
            future.set_result(result)
