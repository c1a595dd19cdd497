"""The loop every adapter runs: poll the node until told to stop, waiting while it is away.

An adapter hands :func:`poll_until_stopped` one step of its work (one inbox page, one look
at its folders); a step the node does not answer is tried again after the adapter's delay.
A command stops the loop on SIGINT or SIGTERM (:func:`stopped_by_signals`), so a container
stops cleanly.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx2

from ssgw_adapters.client import GatewayApiError

__all__ = ["NODE_ERRORS", "describe", "poll_until_stopped", "stopped_by_signals"]

log = logging.getLogger("ssgw_adapters")

#: What a node that does not answer raises: no connection or a timeout, or a refusal.
NODE_ERRORS = (httpx2.HTTPError, GatewayApiError)


def describe(error: Exception) -> str:
    """A short reason for the log and the state; never a response body (it may hold data)."""
    if isinstance(error, GatewayApiError):
        return f"node answered {error.status} {error.code}"
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:300]


def poll_until_stopped(
    step: Callable[[], object],
    stop: threading.Event,
    *,
    retry_delay: Callable[[int], float],
    who: str,
) -> None:
    """Take ``step`` until ``stop`` is set.

    When the node does not answer a step (:data:`NODE_ERRORS`), the loop waits
    ``retry_delay(failures)`` seconds, ``failures`` counting the steps in a row that failed,
    and goes on; ``who`` names the loop in the log.
    """
    failures = 0
    while not stop.is_set():
        try:
            step()
        except NODE_ERRORS as error:
            failures += 1
            delay = retry_delay(failures)
            log.warning(
                "%s: the node did not answer (%s); again in %.1fs", who, describe(error), delay
            )
            stop.wait(delay)
        else:
            failures = 0


@contextmanager
def stopped_by_signals() -> Iterator[threading.Event]:
    """An event SIGINT and SIGTERM set while the block runs; the handlers before are restored
    after it."""
    stop = threading.Event()
    previous = {
        number: signal.signal(number, lambda *_: stop.set())
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
