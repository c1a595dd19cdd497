"""A robust connection that moves round the members of a broker cluster.

aio-pika's robust connection reconnects to the one URL it was given. With a cluster, the node
should go on with another member when its own is lost: quorum queues are reachable from every
member, so nothing else changes. This connection keeps the list and moves to the next member
each time the connection in use is lost and each time an attempt fails (aio-pika reports both
through the same close callback); aio-pika then restores the channels and consumers on it as it
would on the first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aio_pika import RobustConnection
from yarl import URL

log = logging.getLogger("gateway.transport")


class FailoverConnection(RobustConnection):
    """A :class:`RobustConnection` over ``url`` and then each of ``failover`` in turn."""

    def __init__(
        self,
        url: str | URL,
        loop: asyncio.AbstractEventLoop | None = None,
        *,
        failover: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(URL(url), loop, **kwargs)
        self._members = (self.url, *(URL(other) for other in failover))
        self._current = 0

    @property
    def member(self) -> str:
        """The member in use (or tried next), without credentials, for logs."""
        return str(self.url.with_user(None))

    def _next_member(self) -> None:
        if len(self._members) < 2:
            return
        self._current = (self._current + 1) % len(self._members)
        self.url = self._members[self._current]
        log.warning("moving to broker %s", self.member)

    async def _on_connection_close(self, closing: asyncio.Future[Any]) -> None:
        if not (self._close_called or self.is_closed):
            self._next_member()
        await super()._on_connection_close(closing)
