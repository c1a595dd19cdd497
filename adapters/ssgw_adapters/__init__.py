"""Connectors between back-office systems and a gateway node, using only its REST API.

:mod:`ssgw_adapters.client` is a typed client of that API, blocking or asynchronous;
:mod:`ssgw_adapters.webhook` pushes what a node receives to a back-office URL and
:mod:`ssgw_adapters.folder` moves documents between a node and a set of folders. Both run
from the ``ssgw-adapter`` command (:mod:`ssgw_adapters.cli`). Nothing here imports the gateway:
a back-office needs only this package and the node's URL.
"""

from __future__ import annotations

from ssgw_adapters.client import (
    AsyncGatewayClient,
    CaseView,
    GatewayApiError,
    GatewayClient,
    InboxItem,
    InboxPage,
    MessageView,
    Submission,
)

__all__ = [
    "AsyncGatewayClient",
    "CaseView",
    "GatewayApiError",
    "GatewayClient",
    "InboxItem",
    "InboxPage",
    "MessageView",
    "Submission",
]
