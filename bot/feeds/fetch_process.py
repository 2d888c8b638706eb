"""`poll --once` fetches in a child process, forked before the command imports anything.

A poll of unchanged feeds is mostly start-up, and two imports made one after the other
took most of it: aiohttp (0.1-0.15 s, the TLS contexts it builds at import included), and
pydantic-settings with the feeds.yaml schema (about 0.1 s). Forked first, the child imports
aiohttp and opens the HTTP sessions on one core while this process imports the rest, reads
feeds.yaml and the sources due on the other. Of what the two use, only asyncio is imported
before the fork (with this module), once for both: imported in each after it, it cost a
warm 200-feed poll 11-14 ms more CPU (0.19-0.20 s against 0.18-0.19) for no less wall
time while each process has a core, and on a machine whose other core is busy, wall time
is CPU time.

The poller fetches through `FetchProcess` as through a `Fetcher` (the same `fetch` and
`limits`): each request goes to the child over a socket pair, and its answer, a `Fetched`
or a `FetchError`, comes back pickled. The child answers requests concurrently, with its
own per-host and total limits, and exits when this process closes its end or dies.

A child that dies (killed, or out of memory) is no fault of the sources: the fetches it
was making, and every later one, are made in this process instead, as `run` makes them.
So are they when the child answers nothing for longer than any fetch of its can take
(stopped, or stuck): it is killed first.
"""

import asyncio
import contextlib
import itertools
import logging
import os
import pickle
import signal
import socket
import threading
import time
from typing import TYPE_CHECKING, Any, NoReturn

from bot.feeds.fetched import Fetched, FetchError, FetchLimits, describe

if TYPE_CHECKING:
    from bot.feeds.fetch import Fetcher

log = logging.getLogger(__name__)
_LENGTH = 4  # bytes of the big-endian length before each pickled message
_SET_LIMITS = -1  # in a request's place of its number: (this, timeout, max_bytes)
# A fetch's arguments, as sent after its number: url, etag, last_modified, guard, timeout.
_Request = tuple[str, str | None, str | None, bool, float | None]


class _ChildGone(Exception):
    """The child can answer no more: it died, or what it sent could not be read."""


class FetchProcess:
    """A forked child that fetches for this process."""

    def __init__(
        self, pid: int, end: socket.socket, limits: FetchLimits, silence: float | None
    ) -> None:
        self.pid = pid
        self.limits = limits
        self._silence = silence
        self._child_limits = (limits.timeout, limits.max_bytes)  # what the child fetches with
        self._heard = 0.0  # when it last answered, or was asked something while idle
        self._watching: asyncio.Task[None] | None = None
        self._end = end
        self._writer: asyncio.StreamWriter | None = None
        self._connecting: asyncio.Future[asyncio.StreamWriter] | None = None
        self._answers: dict[int, asyncio.Future[Any]] = {}
        self._timeouts: dict[int, float] = {}  # the own timeouts of the fetches waiting
        self._numbers = itertools.count()
        self._listening: asyncio.Task[None] | None = None
        self._gone: _ChildGone | None = None  # set once the child can answer no more
        # The fetcher of this process, opened once the child has gone (see the module).
        self._fallback: asyncio.Future[Fetcher] | None = None
        self._fallback_open = contextlib.AsyncExitStack()
        self._closed = False

    @classmethod
    def fork(
        cls, limits: FetchLimits | None = None, *, silence: float | None = None
    ) -> "FetchProcess | None":
        """The child, or None where forking is not safe: no fork on this platform, or more
        than one thread here (a fork copies no other thread, but any lock one holds).

        `silence`: how long the child may answer nothing while fetches wait on it before it
        is taken for stuck. By default the longest timeout of the fetches waiting on it and
        10 s more: each fetch it makes ends within its timeout, answered or failed, and 10 s
        covers its start."""
        if not hasattr(os, "fork") or threading.active_count() > 1:
            return None
        limits = limits or FetchLimits()
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            ours.close()
            _child(theirs, limits)
        theirs.close()
        return cls(pid, ours, limits, silence)

    @property
    def silence(self) -> float:
        """Seconds a child with fetches to make may answer nothing (see `fork`): from the
        longest timeout of the fetches waiting on it."""
        if self._silence is not None:
            return self._silence
        return max([self.limits.timeout, *self._timeouts.values()]) + 10

    def set_limits(self, timeout: float, max_bytes: int) -> None:
        """As Fetcher.set_limits: the child is told before the next request it is sent (and
        the fetcher of this process, once the child has gone, before each fetch)."""
        self.limits = self.limits._replace(timeout=timeout, max_bytes=max_bytes)

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        guard: bool = False,
        fetch_timeout: float | None = None,
    ) -> Fetched:
        """As Fetcher.fetch: the answer, or FetchError. Made in this process once the child
        has died, this one included if it was waiting on the child then."""
        try:
            return await self._from_child((url, etag, last_modified, guard, fetch_timeout))
        except _ChildGone as gone:
            fetcher = await self._in_this_process(gone)
            return await fetcher.fetch(
                url,
                etag=etag,
                last_modified=last_modified,
                guard=guard,
                fetch_timeout=fetch_timeout,
            )

    async def _from_child(self, request: "_Request") -> Fetched:
        writer = await self._connected()
        if self._gone:
            raise self._gone
        if not self._answers:  # the child had nothing to do: its silence counts from now
            self._heard = time.monotonic()
        limits = (self.limits.timeout, self.limits.max_bytes)
        if limits != self._child_limits:
            writer.write(_frame((_SET_LIMITS, *limits)))
            self._child_limits = limits
        number = next(self._numbers)
        answer = self._answers[number] = asyncio.get_running_loop().create_future()
        own_timeout = request[-1]  # a source's own: the child's silence allows for it
        if own_timeout is not None:
            self._timeouts[number] = own_timeout
        writer.write(_frame((number, *request)))
        try:
            result = await answer
        finally:  # cancelled (Ctrl-C): the answer, if it comes, has no one to go to
            self._answers.pop(number, None)
            self._timeouts.pop(number, None)
        if isinstance(result, BaseException):
            raise result
        assert isinstance(result, Fetched)
        return result

    async def _in_this_process(self, gone: _ChildGone) -> "Fetcher":
        """This process's fetcher, opened at the first fetch that finds the child gone (its
        import of aiohttp holds the event loop about 0.1 s, once)."""
        if self._closed:  # the exchange is over: nothing is fetched any more
            raise FetchError(str(gone))
        if self._fallback is None:
            log.warning("%s: fetching in this process from now on", gone)
            self._fallback = asyncio.ensure_future(self._open_fallback())
        # Shielded: a fetch cancelled while it waits must not cancel the others' fetcher.
        fetcher = await asyncio.shield(self._fallback)
        fetcher.set_limits(self.limits.timeout, self.limits.max_bytes)
        return fetcher

    async def _open_fallback(self) -> "Fetcher":
        from bot.feeds.fetch import Fetcher

        return await self._fallback_open.enter_async_context(Fetcher.open(self.limits))

    async def aclose(self) -> None:
        """Ends the exchange (inside the event loop that used it): the child exits, and the
        fetcher this process opened if the child died is closed."""
        self._closed = True
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):  # a child that died has reset the socket
                await self._writer.wait_closed()
        for task in (self._listening, self._watching):
            if task is not None:
                task.cancel()
        await self._fallback_open.aclose()

    def close(self) -> None:
        """Ends the child, whatever it is doing (its work is only reads), and reaps it."""
        self._end.close()
        try:
            os.kill(self.pid, signal.SIGKILL)  # the one signal it does not ignore
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):  # gone already and reaped
            pass

    async def _connected(self) -> asyncio.StreamWriter:
        """The stream to the child, opened by the first fetch; the fetches that start
        meanwhile wait for the same one (a second stream on the socket would close it)."""
        if self._connecting is None:
            self._connecting = asyncio.ensure_future(self._connect())
        return await self._connecting

    async def _connect(self) -> asyncio.StreamWriter:
        reader, self._writer = await asyncio.open_connection(sock=self._end)
        self._listening = asyncio.create_task(self._listen(reader))
        self._watching = asyncio.create_task(self._watch())
        return self._writer

    async def _listen(self, reader: asyncio.StreamReader) -> None:
        reason = "the fetching process ended"  # its socket closed, or was reset: it died
        try:
            while (message := await _receive(reader)) is not None:
                self._heard = time.monotonic()
                number, result = message
                answer = self._answers.get(number)
                if answer is not None and not answer.done():
                    answer.set_result(result)
        except ConnectionError:
            pass
        except (OSError, pickle.UnpicklingError, EOFError) as error:
            reason = f"the fetching process could not be read: {describe(error)}"
        self._give_up(_ChildGone(reason))

    async def _watch(self) -> None:
        """Gives up on a child that answers nothing for `silence` seconds while fetches wait
        on it, and kills it: stopped (SIGSTOP) or stuck, it would hold the poll forever."""
        while self._gone is None:
            await asyncio.sleep(min(1.0, self.silence / 4))
            waiting = any(not answer.done() for answer in self._answers.values())
            if waiting and time.monotonic() - self._heard > self.silence:
                silent = f"the fetching process answered nothing for {self.silence:g} s"
                self._give_up(_ChildGone(silent))
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)

    def _give_up(self, gone: _ChildGone) -> None:
        """Fails the fetches waiting on the child with `gone`, which makes them here (see
        `fetch`), as it does every later one. The first reason given is the one kept."""
        self._gone = self._gone or gone
        for answer in self._answers.values():
            if not answer.done():
                answer.set_exception(self._gone)


def _child(end: socket.socket, limits: FetchLimits) -> NoReturn:
    """The child's whole life: it leaves through os._exit, so none of the parent's exit
    handlers or buffered output run twice."""
    code = 1
    try:
        # Ctrl-C, or a SIGTERM sent to the whole process group, reaches this process too:
        # the parent reports it, then ends this one. Dying first, this one would fail the
        # fetches still waiting, and the parent would count them as the sources' failures.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        asyncio.run(_serve(end, limits))
        code = 0
    except ConnectionError:  # the parent went away mid-message (Ctrl-C): nothing to say
        code = 0
    except BaseException:  # a crash is printed; the parent reports its sources as errors
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


async def _serve(end: socket.socket, limits: FetchLimits) -> None:
    _import_aiohttp_without_its_tls_contexts()
    from bot.feeds.fetch import Fetcher  # aiohttp: the import the parent does not make

    reader, writer = await asyncio.open_connection(sock=end)
    sending = asyncio.Lock()  # one message at a time on the socket
    answering: set[asyncio.Task[None]] = set()
    async with Fetcher.open(limits) as fetcher:
        while (request := await _receive(reader)) is not None:
            if request[0] == _SET_LIMITS:  # for the requests that follow it
                fetcher.set_limits(*request[1:])
                continue
            task = asyncio.create_task(_answer(fetcher, request, writer, sending))
            answering.add(task)
            task.add_done_callback(answering.discard)
        for task in answering:  # the parent is gone: no one waits for these
            task.cancel()


def _import_aiohttp_without_its_tls_contexts() -> None:
    """aiohttp builds two TLS contexts when imported, each reading the system's whole CA
    bundle: 40 ms of the child's start (OpenSSL 3) before it could send a request, which a
    poll of unchanged feeds spent waiting. The Fetcher verifies https with a context
    of its own, made at its first https request, and never uses aiohttp's. So they are
    built here with OpenSSL's default locations pointing at nothing: empty, quick, and
    refusing every certificate should anything use them. The variables are put back at
    once, for the Fetcher's own context to read."""
    names = ("SSL_CERT_FILE", "SSL_CERT_DIR")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(dict.fromkeys(names, os.devnull))
    try:
        import aiohttp  # noqa: F401
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


async def _answer(
    fetcher: "Fetcher", request: tuple[Any, ...], writer: asyncio.StreamWriter, sending: Any
) -> None:
    number, url, etag, last_modified, guard, fetch_timeout = request
    result: Fetched | Exception
    try:
        result = await fetcher.fetch(
            url, etag=etag, last_modified=last_modified, guard=guard, fetch_timeout=fetch_timeout
        )
    except FetchError as error:
        result = error
    except Exception as error:  # a bug costs its source, as in the parent's poller
        result = RuntimeError(f"{type(error).__name__}: {describe(error)}")
    # The parent gone (stopped mid-cycle), no one waits for the answer: left unhandled, the
    # reset printed a task's traceback beside the parent's last line.
    with contextlib.suppress(ConnectionError):
        async with sending:
            writer.write(_frame((number, result)))
            await writer.drain()


def _frame(message: object) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(_LENGTH, "big") + data


async def _receive(reader: asyncio.StreamReader) -> Any:
    """The next message, or None once the other end has closed."""
    try:
        length = int.from_bytes(await reader.readexactly(_LENGTH), "big")
        data = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        return None
    return pickle.loads(data)
