"""Each SED type goes import -> validate -> sign -> encrypt -> bus -> partner node -> export
between two real nodes on the real broker, and comes out equal field by field but for the
losses the import named."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from gateway.documents import SCHEMA_DIR, DocumentType, validate_document
from gateway.exchange import MessageStatus
from gateway.node import Node
from gateway.node.runtime import NodeRuntime
from gateway.sed import SED_TYPES, Transmission, export_sed, import_sed
from gateway.store import MessageRecord
from support import eventually, flatten_json, sed_normalised, status_of, without_losses

pytestmark = [pytest.mark.broker, pytest.mark.asyncio]

SEDS = SCHEMA_DIR / "examples" / "sed"
V2 = SCHEMA_DIR / "examples" / "v2"

Network = Callable[..., Awaitable[NodeRuntime]]


@pytest.fixture
def database_kind() -> str:
    """The store is not what these tests are about (every store test runs on SQLite and on
    PostgreSQL): each SED crosses between nodes on SQLite files."""
    return "sqlite"


@dataclass(frozen=True, slots=True)
class Route:
    """Who sends a SED type to whom, and the request it answers (a file of ``examples/sed``
    or ``examples/v2``) when it is not a case's first document, with what the answering side
    must have sent before (a claim is acknowledged before it is decided)."""

    sender: str
    recipient: str
    answers: str | None = None
    first: str | None = None


#: Claims go to the German pension insurer, competent for every pension branch; coverage
#: between the German insurer and URSSAF; periods for unemployment between the two
#: unemployment institutions, one of which takes 2.0 documents only.
_ROUTES = {
    DocumentType.BENEFIT_CLAIM: Route("FR:CNAV", "DE:DRV70001"),
    DocumentType.BENEFIT_DECISION: Route(
        "DE:DRV70001", "FR:CNAV", "P2000.json", "BenefitClaimAcknowledgement.xml"
    ),
    DocumentType.COVERAGE_REQUEST: Route("DE:DRV70001", "FR:URSSAF"),
    # A determination or a notification (A003, A009, A010) opens a case of its own.
    DocumentType.COVERAGE_CERTIFICATE: Route("FR:URSSAF", "DE:DRV70001"),
    DocumentType.COVERAGE_REFUSAL: Route("FR:URSSAF", "DE:DRV70001", "A001.json"),
}
_PERIOD_REQUESTS = {
    "P5000": Route("PT:CNP0001", "DE:DRV70001", "InsurancePeriodsRequest-pensions.xml"),
    "U002": Route("DE:BA0001", "FR:FTravail", "InsurancePeriodsRequest-unemployment.xml"),
    "U017": Route("DE:BA0001", "FR:FTravail", "InsurancePeriodsRequest-unemployment-right.xml"),
}


def _route(name: str) -> Route:
    document_type = SED_TYPES[name].document_type
    if document_type is DocumentType.INSURANCE_PERIODS_REPLY:
        return _PERIOD_REQUESTS[name]
    return _ROUTES[document_type]


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SEDS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def _document_bytes(file_name: str, sender: str) -> bytes:
    if file_name.endswith(".json"):
        sending = Transmission(sender, dt.datetime.now(dt.UTC).date())
        read = import_sed(_fixture(file_name.removesuffix(".json")), transmission=sending)
        return read.document.to_bytes()
    return (V2 / file_name).read_bytes()


async def _send(
    nodes: dict[str, Node],
    document: bytes,
    route: Route,
    *,
    case_id: uuid.UUID | None = None,
    in_reply_to: uuid.UUID | None = None,
) -> MessageRecord:
    sender = nodes[route.sender]
    record = await asyncio.to_thread(
        sender.submit,
        document,
        recipient=route.recipient,
        case_id=case_id,
        in_reply_to=in_reply_to,
    )
    sender.kick()
    await eventually(lambda: status_of(sender, record) is MessageStatus.DELIVERED, "delivery")
    return record


def _asked(route: Route) -> Route:
    # The request goes the other way round: the one that answers was asked.
    return Route(route.recipient, route.sender)


@pytest.mark.parametrize("name", sorted(path.stem for path in SEDS.glob("*.json")))
async def test_a_sed_crosses_two_nodes_and_comes_out_as_it_went_in(
    network: Network, name: str
) -> None:
    route = _route(name)
    nodes = {i: (await network(i)).node for i in {route.sender, route.recipient}}
    original = _fixture(name)
    read = import_sed(
        original, transmission=Transmission(route.sender, dt.datetime.now(dt.UTC).date())
    )
    opening: MessageRecord | None = None
    if route.answers is not None:
        asked = _asked(route)
        opening = await _send(nodes, _document_bytes(route.answers, asked.sender), asked)
    if opening is not None and route.first is not None:
        await _send(
            nodes,
            _document_bytes(route.first, route.sender),
            route,
            case_id=opening.case_id,
            in_reply_to=opening.message_id,
        )
    record = await _send(
        nodes,
        read.document.to_bytes(),
        route,
        case_id=opening.case_id if opening else None,
        in_reply_to=opening.message_id if opening else None,
    )

    receiver = nodes[route.recipient]
    received = receiver.store.received_message(record.message_id)
    assert received is not None and received.status is MessageStatus.RECEIVED
    document = validate_document(receiver.document_of(received))
    assert document.schema_version == "2.0"
    received_from = Transmission(received.sender, received.created_at.date())
    written = export_sed(document, transmission=received_from)
    assert written.sed_type.name == name
    assert written.losses == ()
    before = sed_normalised(flatten_json(original))
    after = sed_normalised(flatten_json(written.sed))
    # What the import named as lost is gone, or written back as the nearest code at its own
    # place; everything else comes out as it went in.
    lost = [loss.path for loss in read.losses]
    assert without_losses(after, lost) == without_losses(before, lost)
    assert set(after) <= set(before)
    for node in nodes.values():
        assert node.store.dead_letters() == []
