"""Anchoring: the trace and audit chains' heads time-stamped now and then by the configured
RFC 3161 time-stamping authority (TSA), and the node's refusal of new messages when that has
not succeeded for too long.

The TSA is asked over HTTP here, in the node; what is asked and how a reply is checked is
:mod:`gateway.security`'s, and the tokens are kept by :class:`gateway.store.Anchors`. A TSA
that does not answer costs nothing but a log line and a metric: the node goes on, and
``unanchored`` grows until the limit, when submits are refused (a node that cannot prove
later that its records were not rewritten should not take on more of them).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace

import httpx2
from cryptography import x509

from gateway.config import NodeSettings
from gateway.errors import GatewayError, StoreUnavailable, Unanchored
from gateway.node._parts import NodeParts
from gateway.security import (
    QUERY_MEDIA_TYPE,
    load_certificate,
    read_timestamp_reply,
    timestamp_query,
)
from gateway.store import Anchors

__all__ = ["WARNING_SHARE", "AnchorRun", "Anchoring", "AnchoringState", "anchoring_state"]

log = logging.getLogger("gateway.node")

#: Past this share of the limit the console warns that submits will soon be refused.
WARNING_SHARE = 0.5
#: After a failure the TSA is asked again this soon (or at the interval, if shorter).
_RETRY = dt.timedelta(seconds=60)
#: How long one request to the TSA may take.
_TSA_TIMEOUT_SECONDS = 15.0
#: Anchors of several workers of one node: one made this recently (as a share of the
#: interval) serves them all, so timers that fire a little apart do not stamp twice.
_FRESH_SHARE = 0.9


class _TsaRefused(Exception):
    """The TSA answered, but not with a reply."""


@dataclass(frozen=True, slots=True)
class AnchoringState:
    """How long the node's evidence has waited for an anchor, as of ``now``."""

    enabled: bool
    now: dt.datetime
    limit: dt.timedelta
    #: When the newest anchor was kept; None before the first.
    last_anchor: dt.datetime | None
    #: Since when evidence waits: the newest anchor, else the oldest chain row, else nothing.
    since: dt.datetime | None

    @property
    def unanchored(self) -> dt.timedelta:
        if not self.enabled or self.since is None:
            return dt.timedelta(0)
        return max(self.now - self.since, dt.timedelta(0))

    @property
    def past_limit(self) -> bool:
        return self.enabled and self.unanchored > self.limit

    @property
    def warning(self) -> bool:
        return self.enabled and self.unanchored > self.limit * WARNING_SHARE


@dataclass(frozen=True, slots=True)
class AnchorRun:
    """What one turn of the anchoring timer did, and when the next is due."""

    anchored: bool
    next_in: dt.timedelta
    #: Why no anchor was made (off, not due yet, or the TSA's failure); None when one was.
    reason: str | None = None


def anchoring_state(anchors: Anchors, settings: NodeSettings, now: dt.datetime) -> AnchoringState:
    """The state as the store holds it at ``now``."""
    newest = anchors.newest()
    last = newest.recorded_at if newest is not None else None
    return AnchoringState(
        enabled=settings.tsa_url is not None,
        now=now,
        limit=dt.timedelta(hours=settings.unanchored_limit_hours),
        last_anchor=last,
        since=last if last is not None else anchors.first_evidence(),
    )


class Anchoring:
    """Time-stamps the chains' heads when due, and keeps how long they have waited."""

    def __init__(self, node: NodeParts) -> None:
        self._node = node
        self._anchors = Anchors(node.store.engine)
        settings = node.settings
        self._authority: tuple[x509.Certificate, ...] = (
            (load_certificate(settings.tsa_certificate),)
            if settings.tsa_certificate is not None
            else ()
        )
        self._interval = dt.timedelta(seconds=settings.anchor_interval_seconds)
        # Read at start and at every turn of the timer: submits check it without the store.
        self._state = self._read_state() if settings.tsa_url else None
        if self._state is not None:
            node.metrics.watch_anchoring(lambda: self.state().unanchored.total_seconds())

    def _read_state(self) -> AnchoringState:
        return anchoring_state(self._anchors, self._node.settings, self._node.clock())

    def state(self) -> AnchoringState:
        """As of now, from what the last turn of the timer read."""
        now = self._node.clock()
        if self._state is None:
            return AnchoringState(False, now, dt.timedelta(0), None, None)
        return replace(self._state, now=now)

    def refuse_if_unanchored(self) -> None:
        """Raise :class:`Unanchored` when the evidence has waited past the limit."""
        state = self.state()
        if state.past_limit:
            hours = state.unanchored.total_seconds() / 3600
            raise Unanchored(
                f"the node's evidence chains have had no RFC 3161 anchor for {hours:.1f} h, "
                f"past the limit of {state.limit.total_seconds() / 3600:g} h: it takes no new "
                "messages until its time-stamping authority answers again"
            )

    def anchor(self) -> AnchorRun:
        """Stamp both chains' heads if an anchor is due. A TSA that fails is logged and
        counted, never raised; raises only :class:`StoreUnavailable`."""
        node = self._node
        url = node.settings.tsa_url
        if url is None:
            return AnchorRun(False, self._interval, "anchoring is off (no tsa_url)")
        now = node.clock()
        newest = self._anchors.newest()
        if newest is not None and now - newest.recorded_at < self._interval * _FRESH_SHARE:
            self._state = self._read_state()
            return AnchorRun(False, newest.recorded_at + self._interval - now, "not due yet")
        try:
            self._stamp(url, now)
        except StoreUnavailable:
            raise
        except GatewayError as error:
            return self._failed(error.detail)
        except httpx2.HTTPError as error:
            return self._failed(f"the TSA at {url} did not answer: {error}")
        except _TsaRefused as error:
            return self._failed(str(error))
        return AnchorRun(True, self._interval)

    def _stamp(self, url: str, now: dt.datetime) -> None:
        node = self._node
        statement = self._anchors.heads(node.credentials.institution)
        query = timestamp_query(statement)
        reply = httpx2.post(
            url,
            content=query.body,
            headers={"Content-Type": QUERY_MEDIA_TYPE},
            timeout=_TSA_TIMEOUT_SECONDS,
        )
        if reply.status_code != 200:
            raise _TsaRefused(f"the TSA at {url} answered HTTP {reply.status_code}")
        stamp = read_timestamp_reply(query, reply.content, self._authority)
        self._anchors.record(statement, stamp, now)
        self._state = self._read_state()
        log.info(
            "evidence chains anchored",
            extra={
                "trace_length": statement.trace.length,
                "audit_length": statement.audit.length,
                "stamped_at": stamp.time.isoformat(),
            },
        )

    def _failed(self, reason: str) -> AnchorRun:
        node = self._node
        node.metrics.anchor_failures.inc()
        self._state = self._read_state()
        state = self.state()
        log.warning(
            "anchoring failed: %s",
            reason,
            extra={"unanchored_seconds": round(state.unanchored.total_seconds())},
        )
        return AnchorRun(False, min(_RETRY, self._interval), reason)
