"""Wakes the inbox's long polls when a received document enters the inbox, so that a waiting
back-office does not make the node read its store ten times a second."""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["InboxSignal"]


class InboxSignal:
    """Told by the node (from its worker threads) that the inbox changed; long polls on the
    event loop wait for it. One per application, so per process: a document another worker
    process of the node received is found when a poll looks again on its own."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        """Wake every poll waiting now; callable from any thread."""
        loop = self._loop
        if loop is None:
            return
        # A stopped server's loop is closed: nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._wake_all)

    def listen(self) -> asyncio.Future[None]:
        """A future the next notification completes. Taken *before* the poll reads the inbox,
        so that a document stored between the read and the wait still wakes it."""
        self._loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = self._loop.create_future()
        self._waiters.add(future)
        return future

    async def wait(self, future: asyncio.Future[None], timeout: float) -> None:
        """Until ``future`` is notified or ``timeout`` seconds have passed."""
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(future), timeout)
        finally:
            self.forget(future)

    def forget(self, future: asyncio.Future[None]) -> None:
        self._waiters.discard(future)
        future.cancel()

    def _wake_all(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for future in waiters:
            if not future.done():
                future.set_result(None)
