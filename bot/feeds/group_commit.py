"""Group commit: many small writes that arrive together share one transaction."""

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """Runs `write_batch` in a thread for everything queued while the previous batch was
    being written. Hundreds of sources answering at once then cost a few commits, not
    hundreds, and only one write runs at a time (SQLite allows no more).

    If a batch fails, its items are written one by one, so a bad item fails alone, unless
    `isolate` says the failure is not one item's (a full disk): then they all fail with it.

    Items that arrive one at a time (feeds coming back from the parsers) would each get a
    transaction of their own, and a transaction's fixed cost is about as much as storing
    one feed's fifty stories. So while `more_coming()` says further items are on their way,
    a batch waits up to `linger` seconds for them to join it.
    """

    def __init__(
        self,
        write_batch: Callable[[Sequence[Item]], list[Result]],
        *,
        linger: float = 0.0,
        more_coming: Callable[[], bool] = lambda: False,
        isolate: Callable[[Exception], bool] = lambda _: True,
    ) -> None:
        self._write_batch = write_batch
        self._isolate = isolate
        self._linger = linger
        self._more_coming = more_coming
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._arrived = asyncio.Event()

    async def write(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        self._arrived.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            await self._gather()
            batch, self._pending = self._pending, []
            if len(batch) == 1:
                await self._settle(batch)
                continue
            try:
                results = await asyncio.to_thread(self._write_batch, [item for item, _ in batch])
            except Exception as failure:
                if not self._isolate(failure):
                    for _, future in batch:
                        future.set_exception(failure)
                    continue
                for one in batch:
                    await self._settle([one])
                continue
            for (_, future), result in zip(batch, results, strict=True):
                future.set_result(result)

    async def _gather(self) -> None:
        """Waits, at most `linger` seconds, while more items are on their way."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._linger
        while self._more_coming() and loop.time() < deadline:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await self._arrived.wait()

    async def _settle(self, batch: list[tuple[Item, "asyncio.Future[Result]"]]) -> None:
        [(item, future)] = batch
        try:
            [result] = await asyncio.to_thread(self._write_batch, [item])
        except Exception as error:
            future.set_exception(error)
        else:
            future.set_result(result)
