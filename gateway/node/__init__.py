"""A gateway node: the service that ties the pure core to the store and the bus.

:class:`Node` is the one door to a node's work; its :class:`Reading` is what others may read,
its :class:`Actions` what operators may do. The process that runs it (bus consumer, relay,
REST API) is :mod:`gateway.node.runtime`.
"""

from __future__ import annotations

from gateway.node._actions import Actions, NotRetryable, retryable
from gateway.node._assembly import load_credentials, load_network_directory, open_node
from gateway.node._cases import CASE_READ_DOCUMENTS
from gateway.node._idempotency import Answer, Idempotency
from gateway.node._inbound import Arrival, Outcome, Verdict
from gateway.node._listing import (
    DEFAULT_PAGE_SIZE,
    Cursor,
    MessageFilter,
    MessagePage,
    MessageRow,
)
from gateway.node._metrics import NodeMetrics
from gateway.node._reading import CasePeriods, Reading
from gateway.node._relay import Dispatch
from gateway.node._service import Node
from gateway.node._tracing import Tracing, configure_tracing

__all__ = [
    "CASE_READ_DOCUMENTS",
    "DEFAULT_PAGE_SIZE",
    "Actions",
    "Answer",
    "Arrival",
    "CasePeriods",
    "Cursor",
    "Dispatch",
    "Idempotency",
    "MessageFilter",
    "MessagePage",
    "MessageRow",
    "Node",
    "NodeMetrics",
    "NotRetryable",
    "Outcome",
    "Reading",
    "Tracing",
    "Verdict",
    "configure_tracing",
    "load_credentials",
    "load_network_directory",
    "open_node",
    "retryable",
]
