"""Prometheus metrics of one node, in a registry of its own (several nodes can share a process)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from gateway.exchange import Credentials
from gateway.store import MessageRecord

__all__ = ["NodeMetrics"]

_STAGE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0)
_DELIVERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600)


class NodeMetrics:
    """Counts by direction, document type, partner and status; stage and delivery latency."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._register_traffic()
        self._register_incidents()
        self._register_backlog()
        self._register_anchoring()

    def _register_traffic(self) -> None:
        """What every message passes through: its count, its stages' and its delivery's time."""
        self.messages = Counter(
            "ssgw_messages_total",
            "Messages by direction, document type, partner institution and status reached.",
            ["direction", "document_type", "partner", "status"],
            registry=self.registry,
        )
        self.stages = Histogram(
            "ssgw_stage_seconds",
            "Time per message in each stage of the path: validate, policy, sign, encrypt, "
            "decrypt, verify, case, database, publish.",
            ["stage"],
            buckets=_STAGE_BUCKETS,
            registry=self.registry,
        )
        self.delivery = Histogram(
            "ssgw_delivery_seconds",
            "From acceptance of a sent message to its signed receipt.",
            ["partner"],
            buckets=_DELIVERY_BUCKETS,
            registry=self.registry,
        )

    def _register_incidents(self) -> None:
        """What happens off the normal path: duplicates, alerts, refusals, resends, repairs."""
        self.duplicates = Counter(
            "ssgw_duplicates_suppressed_total",
            "Deliveries recognised as already received.",
            registry=self.registry,
        )
        self.security_alerts = Counter(
            "ssgw_security_alerts_total",
            "Replays with altered content and receipts that match nothing sent.",
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "ssgw_dead_letters_total",
            "Deliveries refused before their sender was authenticated.",
            ["reason"],
            registry=self.registry,
        )
        self.resends = Counter(
            "ssgw_resends_total",
            "Messages sent again for want of a receipt.",
            registry=self.registry,
        )
        self.reconciled = Counter(
            "ssgw_reconciled_total",
            "Outbound messages found without an outbox entry and put back.",
            registry=self.registry,
        )

    def _register_backlog(self) -> None:
        """What is waiting or running out, as levels set on each check."""
        self.overdue = Gauge(
            "ssgw_overdue_messages",
            "Messages that stayed in their status longer than its limit.",
            ["status"],
            registry=self.registry,
        )
        self.overdue_requests = Gauge(
            "ssgw_overdue_requests",
            "Requests of this node's cases whose answer is past its reply-due time.",
            ["case_type"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "ssgw_outbox_depth", "Messages waiting in the outbox.", registry=self.registry
        )
        self.certificate_expiry = Gauge(
            "ssgw_certificate_expiry_timestamp_seconds",
            "When this node's newest signing or encryption certificate expires (Unix time).",
            ["use"],
            registry=self.registry,
        )

    def _register_anchoring(self) -> None:
        """How long the evidence chains have gone without an RFC 3161 anchor."""
        self.unanchored = Gauge(
            "ssgw_unanchored_seconds",
            "Seconds since the newest anchor of the trace and audit chains (before the first: "
            "since their oldest row); 0 when anchoring is off.",
            registry=self.registry,
        )
        self.anchor_failures = Counter(
            "ssgw_anchor_failures_total",
            "Anchoring attempts that failed: the TSA unreachable, refusing, or its reply not "
            "checking out.",
            registry=self.registry,
        )

    def watch_anchoring(self, unanchored_seconds: Callable[[], float]) -> None:
        """Read the unanchored time at each scrape, so it grows between the timer's turns."""
        self.unanchored.set_function(unanchored_seconds)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stages.labels(stage=name).observe(time.perf_counter() - start)

    def observe_batch(self, name: str, seconds: float, count: int) -> None:
        """A stage done for ``count`` messages at once: each is charged its share."""
        share = seconds / max(count, 1)
        observed = self.stages.labels(stage=name)
        for _ in range(count):
            observed.observe(share)

    def message(self, direction: str, document_type: str, partner: str, status: str) -> None:
        self.messages.labels(
            direction=direction, document_type=document_type, partner=partner, status=status
        ).inc()

    def observe_certificates(self, credentials: Credentials) -> None:
        # The newest certificate of each use: an older one still held during a rotation
        # expiring is expected, the newest expiring means no rotation happened.
        newest = {
            "signing": credentials.signing.certificate.not_valid_after_utc,
            "encryption": max(k.certificate.not_valid_after_utc for k in credentials.decryption),
        }
        for use, expiry in newest.items():
            self.certificate_expiry.labels(use=use).set(expiry.timestamp())

    def observe_delivery(self, record: MessageRecord, now: dt.datetime) -> None:
        self.delivery.labels(partner=record.recipient).observe(
            max((now - record.created_at).total_seconds(), 0.0)
        )
