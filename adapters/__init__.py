"""Connectors between back-office systems and a gateway node, using only its REST API."""

from __future__ import annotations

from adapters.client import (
    CaseView,
    GatewayApiError,
    GatewayClient,
    InboxItem,
    InboxPage,
    MessageView,
    Submission,
)

__all__ = [
    "CaseView",
    "GatewayApiError",
    "GatewayClient",
    "InboxItem",
    "InboxPage",
    "MessageView",
    "Submission",
]
