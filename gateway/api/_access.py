"""Who calls the API, and on which node: the dependencies every route shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from gateway.api._problems import Problem
from gateway.node import Node
from gateway.store import ApiClient

__all__ = ["Client", "NodeDep"]


def _node(request: Request) -> Node:
    """The node the API serves (set by :func:`gateway.api.create_app`)."""
    node: Node = request.app.state.node
    return node


NodeDep = Annotated[Node, Depends(_node)]


def _client(node: NodeDep, authorization: Annotated[str | None, Header()] = None) -> ApiClient:
    """The back-office client whose bearer key came with the request."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Problem(
            401, "unauthorized", "An API key is required", "send 'Authorization: Bearer <key>'"
        )
    found = node.reading.api_client(authorization.removeprefix("Bearer ").strip())
    if found is None:
        raise Problem(401, "unauthorized", "The API key is not valid", "unknown or revoked key")
    return found


Client = Annotated[ApiClient, Depends(_client)]
