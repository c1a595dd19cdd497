"""Who calls the API, and on which node: the dependencies every route shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.api._problems import Problem
from gateway.node import Node
from gateway.store import ApiClient

__all__ = ["Client", "NodeDep"]


async def _node(request: Request) -> Node:
    """The node the API serves (set by :func:`gateway.api.create_app`). Async although it
    awaits nothing: FastAPI runs a plain function in a worker thread, a hop per request."""
    node: Node = request.app.state.node
    return node


NodeDep = Annotated[Node, Depends(_node)]

#: The API key as the OpenAPI document declares it, on every route that needs one. A missing
#: key is refused below, as a problem document, rather than by FastAPI in its own format.
_api_key = HTTPBearer(
    scheme_name="ApiKey",
    bearerFormat="ssgw_<random>",
    description="A back-office client's API key ('ssgw apikey create'), as a bearer token.",
    auto_error=False,
)


def _client(
    node: NodeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_api_key)],
) -> ApiClient:
    """The back-office client whose bearer key came with the request."""
    if credentials is None:
        raise Problem(
            401, "unauthorized", "An API key is required", "send 'Authorization: Bearer <key>'"
        )
    found = node.reading.api_client(credentials.credentials)
    if found is None:
        raise Problem(401, "unauthorized", "The API key is not valid", "unknown or revoked key")
    return found


Client = Annotated[ApiClient, Depends(_client)]
