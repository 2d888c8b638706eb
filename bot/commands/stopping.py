"""How SIGTERM stops a command: as Ctrl-C does (see `cli` in bot/__main__.py)."""

from collections.abc import Coroutine
from types import FrameType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import asyncio

_T = TypeVar("_T")


class SigtermAsCtrlC:
    """The SIGTERM handler of the `premiere-bot` process (`timeout`, a service manager).

    Inside a command's event loop (`run`) it cancels the command's task at its next await,
    as asyncio's own Ctrl-C handler does: a source whose poll was logged as done is then
    also reported as done, where an exception raised at once could land between the two.
    Anywhere else, and at a second SIGTERM, it raises KeyboardInterrupt, as Ctrl-C does.

    It cancels the task itself rather than through asyncio's Ctrl-C handler, which asyncio
    does not set where SIGINT is ignored: in a script's background job (`premiere-bot poll
    --once &`). There SIGTERM raised KeyboardInterrupt wherever the event loop was, and a
    poll so stopped printed nothing of the sources it had stored."""

    def __init__(self) -> None:
        self.received = False
        self._task: asyncio.Task[Any] | None = None  # the command's, while its loop runs

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.received = True
        task = self._task
        if task is None or task.cancelling():
            raise KeyboardInterrupt
        task.cancel()
        task.get_loop().call_soon_threadsafe(lambda: None)  # wakes a loop waiting on I/O

    def run(self, main: Coroutine[Any, Any, _T]) -> _T:
        """asyncio.run(main); cancelled by SIGTERM, it ends in KeyboardInterrupt, as it
        does when cancelled by Ctrl-C."""
        import asyncio

        async def watched() -> _T:
            self._task = asyncio.current_task()
            try:
                return await main
            finally:
                self._task = None

        try:
            return asyncio.run(watched())
        except asyncio.CancelledError:
            if not self.received:
                raise
            raise KeyboardInterrupt from None


sigterm = SigtermAsCtrlC()  # the process's handler: `cli` sets it, commands run through it
