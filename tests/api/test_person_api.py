"""The API's search by person (a POST, audited, problems for a bad search) and evidence
bundles by the key's role: the document for an auditor's key only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi.testclient import TestClient

from gateway.evidence import EvidenceBundle, verify_bundle
from gateway.node import Node
from gateway.store import Role
from support import deliver, example_bytes

REASON = "claim 2026/0915: checking what was sent"
Api = Callable[[str], tuple[Node, TestClient, dict[str, str]]]


def auditor_key(node: Node) -> dict[str, str]:
    key = node.actions.create_api_key("audit office", Role.AUDITOR)
    return {"Authorization": f"Bearer {key}"}


def test_a_person_is_searched_by_post_and_the_pin_is_not_in_the_address(
    api: Api, make_node: Callable[[str], Node]
) -> None:
    france, client, headers = api("FR:CNAV")
    sent = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    body = {"reason": REASON, "pin": "161039910904245", "country": "FR"}
    answer = client.post("/api/v1/persons/messages", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    assert [m["id"] for m in answer.json()["messages"]] == [str(sent.message_id)]
    assert client.get("/api/v1/persons/messages", headers=headers).status_code == 405


def test_a_search_without_reason_is_one_clear_problem(api: Api) -> None:
    _, client, headers = api("FR:CNAV")
    answer = client.post(
        "/api/v1/persons/messages",
        json={"pin": "161039910904245", "country": "FR"},
        headers=headers,
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "search-refused" and "reason" in problem["detail"]


def test_evidence_holds_the_document_for_an_auditor_s_key_only(
    api: Api, make_node: Callable[[str], Node], pki_dir: object
) -> None:
    france, client, operator = api("FR:CNAV")
    germany = make_node("DE:DRV70001")
    sent = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)
    link = f"/api/v1/messages/{sent.message_id}/evidence"

    redacted = EvidenceBundle.from_json(client.get(link, headers=operator).content)
    full = EvidenceBundle.from_json(client.get(link, headers=auditor_key(france)).content)

    assert redacted.envelope is None and b"1961-03-14" not in redacted.to_json()
    assert full.envelope is not None and b"1961-03-14" in full.envelope
    assert redacted.envelope_digest == full.envelope_digest
    assert all(check.ok for check in verify_bundle(redacted, root=france.directory.authority))
    assert all(check.ok for check in verify_bundle(full, root=france.directory.authority))
    assert dt.datetime.now(dt.UTC) >= redacted.exported_at
