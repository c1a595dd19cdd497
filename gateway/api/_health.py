"""What operations ask of a running node: is it alive, is it ready, its metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.api._access import NodeDep
from gateway.api._models import Health, Readiness
from gateway.api._problems import problem_response, problems
from gateway.errors import GatewayError

__all__ = ["ReadinessCheck", "router"]

#: What else /readyz asks besides the store (the runtime's look at the broker).
ReadinessCheck = Callable[[], Awaitable[None]]

router = APIRouter()


@router.get("/healthz", summary="The process is alive", response_model=Health)
def healthz(node: NodeDep) -> Health:
    return Health(status="ok", institution=node.institution)


@router.get(
    "/readyz",
    summary="The store and the broker answer",
    response_model=Readiness,
    responses=problems(503),
)
async def readyz(request: Request, node: NodeDep) -> Readiness | Response:
    readiness: ReadinessCheck | None = request.app.state.readiness
    try:
        await run_in_threadpool(node.reading.ping)
        if readiness is not None:
            await readiness()
    except GatewayError as error:
        return problem_response(503, error.code, "Not ready", error.detail, request.url.path)
    return Readiness(status="ready")


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        **problems(503),
    },
)
def metrics(node: NodeDep) -> Response:
    node.metrics.outbox_depth.set(node.reading.outbox_depth())
    return Response(generate_latest(node.metrics.registry), media_type=CONTENT_TYPE_LATEST)
