"""The blocking and the asynchronous client against a real node (its API served by uvicorn):
the same operations, a submit retried under its own idempotency key stored once, and every
route the clients call present in the node's OpenAPI document."""

from __future__ import annotations

import contextlib
import inspect
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx2
import pytest
from sqlalchemy import func, select

from gateway.api import create_app
from gateway.node import Node
from gateway.store import MessageRecord
from ssgw_adapters.client import (
    IDEMPOTENCY_HEADER,
    ROUTES,
    AsyncGatewayClient,
    GatewayApiError,
    GatewayClient,
    Retries,
)
from support import deliver, example_bytes, serving

QUICK = Retries(attempts=3, pause=0.01)


@dataclass
class Served:
    node: Node
    url: str
    key: str


@pytest.fixture
def served(make_node: Callable[[str], Node]) -> Iterator[Callable[[str], Served]]:
    """Serve nodes' APIs, each with a back-office key."""
    with contextlib.ExitStack() as servers:

        def serve(institution: str) -> Served:
            node = make_node(institution)
            key = node.actions.create_api_key("back-office")
            return Served(node, servers.enter_context(serving(create_app(node))), key)

        yield serve


def sent_messages(node: Node) -> int:
    with node.store.reading() as session:
        return int(session.scalar(select(func.count()).select_from(MessageRecord)) or 0)


class LosingTheFirstAnswer(httpx2.HTTPTransport):
    """Carries requests to the node, but the answer to the first submit never comes back."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = super().handle_request(request)
        if request.method == "POST" and request.url.path == "/api/v1/messages":
            self.keys.append(request.headers[IDEMPOTENCY_HEADER])
            if len(self.keys) == 1:
                response.read()
                response.close()
                raise httpx2.ReadTimeout("the answer was lost", request=request)
        return response


class AsyncLosingTheFirstAnswer(httpx2.AsyncHTTPTransport):
    """:class:`LosingTheFirstAnswer` for the asynchronous client."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await super().handle_async_request(request)
        if request.method == "POST" and request.url.path == "/api/v1/messages":
            self.keys.append(request.headers[IDEMPOTENCY_HEADER])
            if len(self.keys) == 1:
                await response.aread()
                await response.aclose()
                raise httpx2.ReadTimeout("the answer was lost", request=request)
        return response


def test_a_submit_whose_answer_was_lost_is_retried_and_stored_once(
    served: Callable[[str], Served],
) -> None:
    france = served("FR:CNAV")
    transport = LosingTheFirstAnswer()
    with GatewayClient(france.url, france.key, retries=QUICK, transport=transport) as client:
        sent = client.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
        assert client.message(sent.id).status == "accepted"
        assert sent_messages(france.node) == 1

        other = client.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")

    first_try, retry, next_submit = transport.keys
    assert first_try == retry != next_submit
    assert other.id != sent.id
    assert sent_messages(france.node) == 2


@pytest.mark.asyncio
async def test_the_async_client_retries_a_lost_answer_under_the_same_key(
    served: Callable[[str], Served],
) -> None:
    france = served("FR:CNAV")
    transport = AsyncLosingTheFirstAnswer()
    async with AsyncGatewayClient(
        france.url, france.key, retries=QUICK, transport=transport
    ) as client:
        sent = await client.submit(
            example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001"
        )
        assert (await client.message(sent.id)).status == "accepted"

    assert transport.keys[0] == transport.keys[1]
    assert sent_messages(france.node) == 1


@pytest.mark.asyncio
async def test_the_async_client_sends_reads_and_acknowledges(
    served: Callable[[str], Served],
) -> None:
    france, germany = served("FR:CNAV"), served("DE:DRV70001")
    async with (
        AsyncGatewayClient(france.url, france.key) as sender,
        AsyncGatewayClient(germany.url, germany.key) as receiver,
    ):
        sent = await sender.submit(
            example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001"
        )
        deliver(france.node, germany.node)
        page = await receiver.inbox(wait=1)
        assert [item.id for item in page.items] == [sent.id]
        assert b"InsurancePeriodsRequest" in await receiver.document(sent.id)
        assert (await receiver.document_json(sent.id))["documentType"] == (
            "InsurancePeriodsRequest"
        )
        await receiver.acknowledge(sent.id)
        assert (await receiver.inbox()).items == ()
        deliver(germany.node, france.node)
        delivered = await sender.wait_for(sent.id, {"delivered"}, timeout=5)
        case = await sender.case(delivered.case_id)
        # The request and the receipt that answered it.
        assert [view.document_type for view in case.messages] == [
            "InsurancePeriodsRequest",
            "Receipt",
        ]


def test_the_same_key_for_another_document_is_refused(served: Callable[[str], Served]) -> None:
    france = served("FR:CNAV")
    document = example_bytes("InsurancePeriodsRequest")
    with GatewayClient(france.url, france.key) as client:
        first = client.submit(document, recipient="DE:DRV70001", idempotency_key="order-7")
        again = client.submit(document, recipient="DE:DRV70001", idempotency_key="order-7")
        with pytest.raises(GatewayApiError) as reused:
            client.submit(document, recipient="FR:URSSAF", idempotency_key="order-7")

    assert again == first
    assert (reused.value.status, reused.value.code) == (409, "idempotency-key-reused")


def test_only_a_node_that_could_not_answer_is_asked_again() -> None:
    answers = [503, 502, 202, 422]
    seen: list[str] = []

    def node(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers[IDEMPOTENCY_HEADER])
        status = answers.pop(0)
        if status == 202:
            return httpx2.Response(
                202, json={"id": str(uuid.uuid4()), "case_id": str(uuid.uuid4()), "status": "x"}
            )
        return httpx2.Response(status, json={"code": "busy", "detail": str(status)})

    client = GatewayClient("http://node", "k", retries=QUICK, transport=httpx2.MockTransport(node))

    client.submit(b"<x/>", recipient="DE:DRV70001")
    assert len(seen) == 3 and len(set(seen)) == 1
    with pytest.raises(GatewayApiError) as refused:
        client.submit(b"<x/>", recipient="DE:DRV70001")
    assert refused.value.status == 422 and len(seen) == 4


def test_a_submit_gives_up_after_its_attempts() -> None:
    calls: list[httpx2.Request] = []

    def away(request: httpx2.Request) -> httpx2.Response:
        calls.append(request)
        return httpx2.Response(503, json={"code": "store-unavailable", "detail": "down"})

    client = GatewayClient("http://node", "k", retries=QUICK, transport=httpx2.MockTransport(away))

    with pytest.raises(GatewayApiError, match="store-unavailable"):
        client.submit(b"<x/>", recipient="DE:DRV70001")
    assert len(calls) == QUICK.attempts


def test_every_route_the_clients_call_is_in_the_nodes_openapi_document(
    served: Callable[[str], Served],
) -> None:
    france = served("FR:CNAV")
    document = httpx2.get(f"{france.url}/openapi.json").json()

    for name, (method, path) in ROUTES.items():
        assert method.lower() in document["paths"].get(path, {}), name
    submit = document["paths"][ROUTES["submit"][1]]["post"]
    headers = {p["name"] for p in submit["parameters"] if p["in"] == "header"}
    assert IDEMPOTENCY_HEADER in headers


def test_both_clients_offer_the_same_operations() -> None:
    def operations(client: type) -> dict[str, inspect.Signature]:
        return {
            name: inspect.signature(member)
            for name, member in vars(client).items()
            if not name.startswith("_") and name not in {"close", "aclose"}
        }

    blocking, awaited = operations(GatewayClient), operations(AsyncGatewayClient)
    assert blocking.keys() == awaited.keys()
    for name, signature in blocking.items():
        assert signature.parameters.keys() == awaited[name].parameters.keys(), name
