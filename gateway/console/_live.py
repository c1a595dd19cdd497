"""Live updates: a server-sent event stream that says "something changed".

The stream polls one cheap number (:func:`latest_change`, the newest trace event's row number)
and sends an event whenever it grows; the page then fetches itself again and swaps its live
regions. Nothing personal, and nothing about which message changed, travels in the stream.

A stream ends when the browser goes away, when the console is closed (the node stops), and
after :data:`STREAM_LIFETIME` seconds: the browser then reconnects on its own, which checks
the login again and lets a session that has expired meanwhile end its stream.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable

from fastapi.concurrency import run_in_threadpool

from gateway.errors import StoreUnavailable

__all__ = ["KEEP_ALIVE", "RECONNECT_MS", "STREAM_LIFETIME", "change_events"]

#: Seconds a stream stays open before the browser is asked to reconnect.
STREAM_LIFETIME = 300.0
#: Seconds between comment lines that keep proxies from closing a quiet stream.
KEEP_ALIVE = 15.0
#: How long the browser waits before reconnecting, in milliseconds.
RECONNECT_MS = 3000


async def change_events(
    latest: Callable[[], int],
    *,
    since: int | None,
    poll_seconds: float,
    closing: threading.Event,
    lifetime: float = STREAM_LIFETIME,
) -> AsyncIterator[str]:
    """The text of an event stream: an event ``change`` (id: the change number) each time
    ``latest()`` differs from the last number seen (``since``, or the first reading)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + lifetime
    quiet_since = loop.time()
    seen = since
    if seen is None:
        # The baseline is read before anything is sent: a change made once the client has
        # the stream's first line is always reported.
        try:
            seen = await run_in_threadpool(latest)
        except StoreUnavailable:
            seen = None
    yield f"retry: {RECONNECT_MS}\n\n"
    while not closing.is_set() and loop.time() < deadline:
        current: int | None
        try:
            current = await run_in_threadpool(latest)
        except StoreUnavailable:
            current = seen
        if seen is None:
            seen = current
        elif current is not None and current != seen:
            seen = current
            quiet_since = loop.time()
            yield f"id: {current}\nevent: change\ndata: {current}\n\n"
        if loop.time() - quiet_since >= KEEP_ALIVE:
            quiet_since = loop.time()
            yield ": still here\n\n"
        await asyncio.sleep(poll_seconds)
