"""A running gateway node: the service that ties the pure core to the store and the bus."""

from __future__ import annotations

from gateway.node._metrics import NodeMetrics
from gateway.node._service import Arrival, Dispatch, Node, Outcome, Verdict

__all__ = ["Arrival", "Dispatch", "Node", "NodeMetrics", "Outcome", "Verdict"]
