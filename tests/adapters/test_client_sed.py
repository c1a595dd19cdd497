"""The client's SED methods against a real node (its API served by uvicorn), and against a
node that does not write SEDs."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest

from gateway.api import create_app
from gateway.demo.schema_2 import FAMILY_CLAIM, family_of, family_problems
from gateway.node import Node
from gateway.sed import SED_MEDIA_TYPE as NODE_SED_MEDIA_TYPE
from ssgw_adapters.client import SED_MEDIA_TYPE, GatewayApiError, GatewayClient, SedLoss
from support import deliver, serving


@dataclass
class Pair:
    germany: Node
    france: Node
    sender: GatewayClient
    """DE:DRV70001's client."""
    receiver: GatewayClient
    """FR:CNAV's client."""


@pytest.fixture
def pair(make_node: Callable[[str], Node]) -> Iterator[Pair]:
    germany, france = make_node("DE:DRV70001"), make_node("FR:CNAV")
    now = dt.datetime.now(dt.UTC)
    keys = [node.store.create_api_client("back-office", now) for node in (germany, france)]
    with (
        serving(create_app(germany)) as germany_url,
        serving(create_app(france)) as france_url,
        GatewayClient(germany_url, keys[0], timeout=10) as sender,
        GatewayClient(france_url, keys[1], timeout=10) as receiver,
    ):
        yield Pair(germany, france, sender, receiver)


def family_claim() -> dict[str, Any]:
    sed: dict[str, Any] = json.loads(FAMILY_CLAIM.read_text("utf-8"))
    return sed


def test_the_client_names_the_nodes_media_type() -> None:
    assert SED_MEDIA_TYPE == NODE_SED_MEDIA_TYPE


def test_a_sed_goes_out_with_its_losses_and_comes_back_as_a_sed(pair: Pair) -> None:
    sed = family_claim()
    # Not a field of any SED: it must come back as a loss.
    sed["nav"]["bruker"]["person"]["kallenavn"] = "Lucky"

    sent = pair.sender.submit_sed(sed, recipient="FR:CNAV")
    deliver(pair.germany, pair.france)
    read = pair.receiver.document_as_sed(sent.id)

    assert sent.status == "accepted"
    assert SedLoss("/nav/bruker/person/kallenavn", "has no place in our schema 2.0") in sent.losses
    assert all(loss.path.startswith("/") and loss.reason for loss in sent.losses)
    assert read.sed["sed"] == "P2000"
    # The family as sent, less the children whose names were reported lost.
    spouse, children = family_of(sed)
    assert spouse and children
    assert family_problems(sed, read.sed, [loss.path for loss in sent.losses]) == []
    assert all(isinstance(loss, str) for loss in read.losses)
    # The same message is still XML of 2.0 for a back-office that asks for XML.
    assert b'schemaVersion="2.0"' in pair.receiver.document(sent.id)


def test_a_sed_the_node_cannot_read_is_refused_with_one_error(pair: Pair) -> None:
    with pytest.raises(GatewayApiError) as refused:
        pair.sender.submit_sed({"sed": "X999", "sedGVer": "4", "sedVer": "2"}, recipient="FR:CNAV")

    assert refused.value.status == 422
    assert [error["path"] for error in refused.value.errors] == ["/sed"]


def test_a_sed_of_an_unknown_message_is_not_found(pair: Pair) -> None:
    with pytest.raises(GatewayApiError) as missing:
        pair.receiver.document_as_sed(uuid.uuid4())

    assert missing.value.status == 404


def test_a_node_that_does_not_write_seds_is_an_error_not_a_document() -> None:
    def older_node(request: httpx2.Request) -> httpx2.Response:
        # It ignores the Accept header and answers with the XML document.
        return httpx2.Response(
            200, content=b"<Document/>", headers={"Content-Type": "application/xml"}
        )

    client = GatewayClient("http://node", "key", transport=httpx2.MockTransport(older_node))

    with pytest.raises(GatewayApiError, match="not-a-sed") as error:
        client.document_as_sed(uuid.uuid4())

    assert "application/xml" in error.value.detail


def test_the_sed_and_each_loss_header_are_read_as_sent() -> None:
    requests: list[httpx2.Request] = []

    def node(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        return httpx2.Response(
            200,
            content=json.dumps({"sed": "P2000"}).encode(),
            headers=[
                ("Content-Type", SED_MEDIA_TYPE),
                ("Ssgw-Sed-Loss", "/document/Remarks: has no field in P2000, nor anywhere"),
                ("Ssgw-Sed-Loss", "/document/Residence: has no field in P2000"),
            ],
        )

    client = GatewayClient("http://node", "key", transport=httpx2.MockTransport(node))

    read = client.document_as_sed(uuid.uuid4())

    assert requests[0].headers["Accept"] == SED_MEDIA_TYPE
    assert read.sed == {"sed": "P2000"}
    # A comma inside one loss does not split it.
    assert read.losses == (
        "/document/Remarks: has no field in P2000, nor anywhere",
        "/document/Residence: has no field in P2000",
    )
