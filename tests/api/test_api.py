"""The back-office REST API: documents in and out, and a problem document for every mistake."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from gateway.node import Node
from support import deliver, example_bytes

Api = Callable[[str], tuple[Node, TestClient, dict[str, str]]]
XML = {"Content-Type": "application/xml"}


def problem(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status
    assert str(body["type"]).endswith(code), body
    assert body["title"] and "detail" in body
    return body


def test_every_endpoint_but_health_needs_a_key(api: Api) -> None:
    _, client, _ = api("FR:CNAV")
    problem(client.get("/api/v1/inbox"), 401, "unauthorized")
    problem(
        client.get("/api/v1/inbox", headers={"Authorization": "Bearer nope"}), 401, "unauthorized"
    )
    problem(
        client.post("/api/v1/messages?recipient=DE:DRV70001", content=b"<x/>"), 401, "unauthorized"
    )
    assert client.get("/healthz").status_code == 200


def test_submit_then_follow_the_message(api: Api) -> None:
    _, client, key = api("FR:CNAV")
    response = client.post(
        "/api/v1/messages",
        params={"recipient": "DE:DRV70001"},
        content=example_bytes("InsurancePeriodsRequest"),
        headers=key | XML,
    )
    assert response.status_code == 202, response.text
    accepted = response.json()
    assert accepted["status"] == "accepted"
    assert response.headers["location"] == f"/api/v1/messages/{accepted['id']}"

    detail = client.get(response.headers["location"], headers=key).json()
    assert detail["status"] == "accepted" and detail["recipient"] == "DE:DRV70001"
    assert [e["stage"] for e in detail["trace"]] == ["accepted", "authorised", "sealed"]

    case = client.get(f"/api/v1/cases/{accepted['case_id']}", headers=key).json()
    assert [m["id"] for m in case["messages"]] == [accepted["id"]]


def test_invalid_documents_list_every_error(api: Api) -> None:
    _, client, key = api("FR:CNAV")
    document = example_bytes("InsurancePeriodsRequest").replace(b">old-age<", b">old-aged<", 1)
    body = problem(
        client.post("/api/v1/messages?recipient=DE:DRV70001", content=document, headers=key | XML),
        422,
        "validation-failed",
    )
    errors = body["errors"]
    assert isinstance(errors, list) and errors
    assert errors[0]["code"].startswith("schema.") and errors[0]["line"]


def test_the_policy_refuses_with_its_reason(api: Api) -> None:
    _, client, key = api("FR:CNAV")
    body = problem(
        client.post(
            "/api/v1/messages?recipient=IN:EPFO",
            content=example_bytes("InsurancePeriodsRequest"),
            headers=key | XML,
        ),
        403,
        "not-permitted",
    )
    assert body["reason"] == "no-agreement"


@pytest.mark.parametrize(
    ("query", "body", "headers", "status", "code"),
    [
        ("", b"<x/>", XML, 400, "bad-request"),
        ("?recipient=DE:DRV70001&case_id=nope", b"<x/>", XML, 400, "bad-request"),
        ("?recipient=DE:DRV70001&version=0", b"<x/>", XML, 400, "bad-request"),
        ("?recipient=DE:DRV70001", b"", XML, 400, "empty-body"),
        (
            "?recipient=DE:DRV70001",
            b"%PDF",
            {"Content-Type": "application/pdf"},
            415,
            "unsupported-media-type",
        ),
        (
            "?recipient=DE:DRV70001",
            b"{not json",
            {"Content-Type": "application/json"},
            400,
            "json.malformed",
        ),
        (
            "?recipient=DE:DRV70001",
            b'{"a":' * 1_100 + b"1" + b"}" * 1_100,
            {"Content-Type": "application/json"},
            400,
            "json.malformed",
        ),
        ("?recipient=de:drv", b"<x/>", XML, 422, "validation-failed"),
        ("?recipient=DE:DRV70001", b"<x><y></x>", XML, 422, "validation-failed"),
        (
            "?recipient=DE:DRV70001",
            b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
            XML,
            422,
            "validation-failed",
        ),
    ],
)
def test_bad_requests_get_problem_documents(
    api: Api, query: str, body: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    _, client, key = api("FR:CNAV")
    problem(
        client.post("/api/v1/messages" + query, content=body, headers=key | headers), status, code
    )


def test_a_document_over_the_limit_is_refused_before_it_is_read(api: Api) -> None:
    node, client, key = api("FR:CNAV")
    too_big = b"<a>" + b"x" * node.settings.max_document_bytes + b"</a>"
    problem(
        client.post("/api/v1/messages?recipient=DE:DRV70001", content=too_big, headers=key | XML),
        413,
        "too-large",
    )


def test_unknown_ids_are_404_problems(api: Api) -> None:
    _, client, key = api("FR:CNAV")
    missing = uuid.uuid4()
    for path in (
        f"/api/v1/messages/{missing}",
        f"/api/v1/cases/{missing}",
        f"/api/v1/inbox/{missing}/document",
    ):
        problem(client.get(path, headers=key), 404, "not-found")
    problem(client.post(f"/api/v1/inbox/{missing}/ack", headers=key), 404, "not-found")
    problem(client.get("/api/v1/messages/not-a-uuid", headers=key), 400, "bad-request")
    problem(client.get("/api/v1/nowhere", headers=key), 404, "not-found")


def test_the_inbox_serves_the_verified_document_until_acknowledged(api: Api) -> None:
    france, france_client, france_key = api("FR:CNAV")
    germany, client, key = api("DE:DRV70001")
    sent = france_client.post(
        "/api/v1/messages?recipient=DE:DRV70001",
        content=example_bytes("InsurancePeriodsRequest"),
        headers=france_key | XML,
    ).json()
    deliver(france, germany)

    inbox = client.get("/api/v1/inbox", headers=key).json()
    assert [item["id"] for item in inbox["items"]] == [sent["id"]]
    item = inbox["items"][0]
    assert item["sender"] == "FR:CNAV" and item["document_type"] == "InsurancePeriodsRequest"
    assert client.get(f"/api/v1/inbox?after={inbox['next']}", headers=key).json()["items"] == []

    document = client.get(item["document"], headers=key)
    assert document.status_code == 200
    assert document.headers["content-type"] == "application/xml"
    assert b"InsurancePeriodsRequest" in document.content

    acknowledged = client.post(f"/api/v1/inbox/{sent['id']}/ack", headers=key)
    assert acknowledged.json()["status"] == "acknowledged"
    assert client.post(f"/api/v1/inbox/{sent['id']}/ack", headers=key).status_code == 200
    assert client.get("/api/v1/inbox", headers=key).json()["items"] == []

    deliver(germany, france)  # the receipt
    assert (
        france_client.get(f"/api/v1/messages/{sent['id']}", headers=france_key).json()["status"]
        == "delivered"
    )


def test_long_poll_returns_when_the_wait_is_over(api: Api) -> None:
    _, client, key = api("DE:DRV70001")
    response = client.get("/api/v1/inbox?wait=0.3", headers=key)
    assert response.status_code == 200 and response.json()["items"] == []


def test_json_submission_round_trips(api: Api) -> None:
    france, france_client, france_key = api("FR:CNAV")
    germany, client, key = api("DE:DRV70001")
    from gateway.documents import DocumentType, document_to_json, parse_untrusted

    xml = example_bytes("InsurancePeriodsRequest")
    as_json = document_to_json(
        DocumentType.INSURANCE_PERIODS_REQUEST, parse_untrusted(xml).getroot()
    )
    sent = france_client.post(
        "/api/v1/messages?recipient=DE:DRV70001", json=as_json, headers=france_key
    )
    assert sent.status_code == 202, sent.text
    deliver(france, germany)
    document = client.get(
        f"/api/v1/inbox/{sent.json()['id']}/document",
        headers=key | {"Accept": "application/json"},
    )
    assert document.headers["content-type"] == "application/json"
    assert document.json() == as_json


def test_health_readiness_metrics_and_docs(api: Api) -> None:
    _, client, key = api("FR:CNAV")
    assert client.get("/readyz").json() == {"status": "ready"}
    client.post(
        "/api/v1/messages?recipient=DE:DRV70001",
        content=example_bytes("InsurancePeriodsRequest"),
        headers=key | XML,
    )
    metrics = client.get("/metrics").text
    assert 'ssgw_messages_total{direction="out",document_type="InsurancePeriodsRequest"' in metrics
    assert "ssgw_outbox_depth 1.0" in metrics
    openapi = client.get("/openapi.json").json()
    assert "/api/v1/messages" in openapi["paths"]
    docs = client.get("/docs").text
    assert "/static/swagger-ui/swagger-ui-bundle.js" in docs and "cdn" not in docs.lower()
    assert client.get("/static/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_an_illegal_case_step_is_a_409_and_the_case_shows_its_open_requests(api: Api) -> None:
    _, client, key = api("FR:CNAV")
    body = problem(
        client.post(
            "/api/v1/messages?recipient=DE:DRV70001",
            content=example_bytes("InsurancePeriodsReply"),
            headers=key | XML,
        ),
        409,
        "case-state",
    )
    assert body["reason"] == "case.first-document"
    sent = client.post(
        "/api/v1/messages?recipient=DE:DRV70001",
        content=example_bytes("InsurancePeriodsRequest"),
        headers=key | XML,
    ).json()
    case = client.get(f"/api/v1/cases/{sent['case_id']}", headers=key).json()
    assert case["status"] == "open"
    (request,) = case["open_requests"]
    assert request["id"] == sent["id"] and request["overdue"] is False
