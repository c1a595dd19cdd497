"""Upkeep: a newer directory taken in, lost outbox entries restored, late requests found,
expired idempotency keys forgotten, and the evidence chains anchored."""

from __future__ import annotations

import datetime as dt
import logging

from gateway.cases import CaseState, OpenRequest, overdue
from gateway.directory import load_directory
from gateway.documents import CaseType
from gateway.errors import DirectoryError
from gateway.exchange import MessageStatus
from gateway.node._anchoring import Anchoring, AnchorRun
from gateway.node._parts import NodeParts
from gateway.store import IdempotencyKeys, Reconciliation

__all__ = ["Upkeep"]

log = logging.getLogger("gateway.node")

_OVERDUE_HORIZON = dt.timedelta(days=365)


class Upkeep:
    """What the runtime does now and then, beside taking in and sending messages."""

    def __init__(self, node: NodeParts) -> None:
        self._node = node
        self._idempotency_keys = IdempotencyKeys(node.store.engine)
        #: RFC 3161 anchors of the trace and audit chains (off without ``tsa_url``).
        self.anchoring = Anchoring(node)

    def reload_directory(self, data: bytes) -> bool:
        """See :meth:`gateway.node.Node.reload_directory`."""
        node = self._node
        snapshot = load_directory(data, node.directory.authority, at=node.clock())
        if snapshot.version <= node.directory.version:
            return False
        if node.credentials.institution not in snapshot.institutions:
            raise DirectoryError(
                f"directory version {snapshot.version} does not list this node's institution"
            )
        node.directory = snapshot
        log.info("directory version %s in force", snapshot.version)
        return True

    def reconcile(self) -> Reconciliation:
        """See :meth:`gateway.node.Node.reconcile`."""
        node = self._node
        settings = node.settings
        result = node.store.reconcile(
            node.clock(),
            {
                MessageStatus.ACCEPTED: dt.timedelta(seconds=settings.max_dwell_accepted_seconds),
                MessageStatus.SENT: dt.timedelta(seconds=settings.max_dwell_sent_seconds),
                MessageStatus.RECEIVED: dt.timedelta(hours=settings.max_dwell_inbox_hours),
            },
        )
        node.metrics.reconciled.inc(result.restored)
        for status, count in result.overdue.items():
            node.metrics.overdue.labels(status=status.value).set(count)
        for case_type, count in self.overdue_requests().items():
            node.metrics.overdue_requests.labels(case_type=case_type.value).set(count)
        if result.restored:
            log.warning("outbox entries restored", extra={"count": result.restored})
            node.kick()
        # Here rather than with payload retention, which a node may leave off: keys pile up
        # with every keyed submit, whatever the node keeps.
        forgotten = self._idempotency_keys.purge(node.clock())
        if forgotten:
            log.info("expired idempotency keys forgotten", extra={"count": forgotten})
        return result

    def anchor(self) -> AnchorRun:
        """See :meth:`gateway.node.Node.anchor`."""
        return self.anchoring.anchor()

    def overdue_requests(self) -> dict[CaseType, int]:
        """See :meth:`gateway.node.Node.overdue_requests`."""
        counts = dict.fromkeys(CaseType, 0)
        for state, _ in self.late_requests():
            counts[state.case_type] += 1
        return counts

    def late_requests(self) -> list[tuple[CaseState, OpenRequest]]:
        """See :meth:`gateway.node.Node.late_requests`."""
        node = self._node
        now = node.clock()
        late: list[tuple[CaseState, OpenRequest]] = []
        # Every step of a case comes after the case was first stored, and a request is due
        # at the earliest one reply period after its step: younger cases cannot be late, and
        # reading them all at every reconciliation would cost more the more a node carries.
        shortest = min(node.settings.reply_due.values())
        for case_id in node.store.case_ids_since(
            now - _OVERDUE_HORIZON, created_before=now - shortest
        ):
            state = node.cases.state(case_id)
            if state is not None:
                late.extend((state, request) for request in overdue(state, now))
        return sorted(late, key=lambda item: (item[1].due_at, str(item[1].message_id)))
