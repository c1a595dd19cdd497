"""The reference back-office's loop on a fake node: each inbox item handled once, claims
and coverage requests sent on the institution's own initiative."""

from __future__ import annotations

import uuid

import httpx2
import pytest
from lxml import etree

from demo.backoffice_testing import CNAV, DRV, REGISTERS, TODAY, periods_request, valid
from gateway.cases import periods_from_reply
from gateway.demo.backoffice.loop import BackOffice
from gateway.demo.backoffice.register import CoverageApplication
from gateway.demo.backoffice.samples import CAREER_PERSON, sample_applications
from gateway.directory import Directory
from gateway.documents import SCHEMA_DIR
from ssgw_adapters.client import GatewayApiError, GatewayClient


class FakeNode:
    """A node's back-office API holding one periods request in its inbox; the first
    acknowledgement fails, as when the node is briefly away."""

    def __init__(self) -> None:
        self.item = uuid.uuid4()
        self.case = uuid.uuid4()
        self.request = etree.tostring(periods_request(CAREER_PERSON))
        self.acknowledged = False
        self.ack_calls = 0
        self.submitted: list[tuple[bytes, dict[str, str]]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if path == "/api/v1/inbox":
            items = [] if self.acknowledged else [self._item()]
            return httpx2.Response(200, json={"items": items, "next": 1 if items else 0})
        if path == f"/api/v1/inbox/{self.item}/document":
            return httpx2.Response(200, content=self.request)
        if path == f"/api/v1/inbox/{self.item}/ack":
            self.ack_calls += 1
            if self.ack_calls == 1:
                return httpx2.Response(503, json={"code": "unavailable", "detail": "away"})
            self.acknowledged = True
            return httpx2.Response(200, json={"id": str(self.item), "status": "acknowledged"})
        if path == "/api/v1/messages" and request.method == "POST":
            self.submitted.append((request.content, dict(request.url.params)))
            body = {"id": str(uuid.uuid4()), "case_id": str(self.case), "status": "accepted"}
            return httpx2.Response(202, json=body)
        return httpx2.Response(404, json={"detail": path})

    def _item(self) -> dict[str, object]:
        return {
            "id": str(self.item),
            "cursor": 1,
            "case_id": str(self.case),
            "case_type": "insurance-periods",
            "sender": "FR:CNAV",
            "document_type": "InsurancePeriodsRequest",
            "in_reply_to": None,
        }


def test_the_loop_handles_an_item_once_and_acknowledges_it(directory: Directory) -> None:
    node = FakeNode()
    lines: list[str] = []
    client = GatewayClient("http://node", "key", transport=httpx2.MockTransport(node))
    office = BackOffice(client, DRV, directory, today=lambda: TODAY, report=lines.append)

    with pytest.raises(GatewayApiError, match="away"):
        office.poll()
    office.poll()
    office.poll()

    assert node.acknowledged and node.ack_calls == 2
    assert len(node.submitted) == 1
    reply, params = node.submitted[0]
    assert params["recipient"] == "FR:CNAV"
    assert params["case_id"] == str(node.case)
    assert params["in_reply_to"] == str(node.item)
    assert periods_from_reply(valid(reply).root)
    assert [r.message_id for r in office.received] == [node.item]
    assert lines == ["  DE:DRV70001 answers FR:CNAV's periods request: its periods"]


def test_lodging_a_claim_sends_one_document_set_to_each_country(directory: Directory) -> None:
    submitted: list[dict[str, str]] = []
    case = uuid.uuid4()

    def node(request: httpx2.Request) -> httpx2.Response:
        submitted.append(dict(request.url.params))
        body = {"id": str(uuid.uuid4()), "case_id": str(case), "status": "accepted"}
        return httpx2.Response(202, json=body)

    client = GatewayClient("http://node", "key", transport=httpx2.MockTransport(node))
    office = BackOffice(client, DRV, directory, today=lambda: TODAY)

    lodged = office.lodge_claim(sample_applications().old_age_claim)

    claims = submitted[:2]
    assert [c["recipient"] for c in claims] == ["FR:CNAV", "IN:EPFO"]
    assert "case_id" not in claims[0] and claims[1]["case_id"] == str(case)
    assert claims[0]["document_set_id"] == claims[1]["document_set_id"]
    assert {c["version"] for c in claims} == {"1"}
    # Then its own periods requests, inside the claim's case.
    assert [(s["recipient"], s["case_id"]) for s in submitted[2:]] == [
        ("FR:CNAV", str(case)),
        ("IN:EPFO", str(case)),
    ]
    assert lodged.case_id == case and len(lodged.sent) == 2 and lodged.refused == ()


def test_a_coverage_application_goes_to_the_sending_countrys_institution(
    directory: Directory,
) -> None:
    recipients: list[str] = []

    def node(request: httpx2.Request) -> httpx2.Response:
        recipients.append(request.url.params["recipient"])
        valid(request.content)
        body = {"id": str(uuid.uuid4()), "case_id": str(uuid.uuid4()), "status": "accepted"}
        return httpx2.Response(202, json=body)

    client = GatewayClient("http://node", "key", transport=httpx2.MockTransport(node))
    office = BackOffice(client, REGISTERS["TN:CNSS"], directory, today=lambda: TODAY)
    application: CoverageApplication = sample_applications().posting

    office.request_coverage(application)

    assert recipients == ["FR:URSSAF"]


def test_a_claim_of_a_later_schema_version_is_left_to_a_caseworker(directory: Directory) -> None:
    item, case = uuid.uuid4(), uuid.uuid4()
    claim = (SCHEMA_DIR / "examples" / "v2" / "BenefitClaim.xml").read_bytes()
    submitted: list[httpx2.Request] = []

    def node(request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if path == "/api/v1/inbox":
            listed = {
                "id": str(item),
                "cursor": 1,
                "case_id": str(case),
                "case_type": "benefit-claim",
                "sender": "DE:DRV70001",
                "document_type": "BenefitClaim",
                "in_reply_to": None,
            }
            return httpx2.Response(200, json={"items": [listed], "next": 1})
        if path == f"/api/v1/inbox/{item}/document":
            return httpx2.Response(200, content=claim)
        if path == f"/api/v1/inbox/{item}/ack":
            return httpx2.Response(200, json={"id": str(item), "status": "acknowledged"})
        submitted.append(request)
        return httpx2.Response(404, json={"detail": path})

    lines: list[str] = []
    client = GatewayClient("http://node", "key", transport=httpx2.MockTransport(node))
    office = BackOffice(client, CNAV, directory, today=lambda: TODAY, report=lines.append)

    assert office.poll() == 1

    # Its family, representative and deferral are for a person to weigh: nothing is sent,
    # nothing failed, and the item is taken.
    assert submitted == []
    assert office.failures == []
    assert [i.id for i in office.for_caseworker] == [item]
    assert lines == [
        "  FR:CNAV     leaves the BenefitClaim (schema 2.0) of DE:DRV70001 to a caseworker"
    ]
