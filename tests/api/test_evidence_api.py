"""GET /api/v1/messages/{id}/evidence: a message's evidence bundle, or a problem saying why not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from gateway.evidence import EvidenceBundle, verify_bundle
from gateway.node import Node
from gateway.security import load_certificate
from support import deliver, example_bytes

Api = Callable[[str], tuple[Node, TestClient, dict[str, str]]]


def test_a_receipted_message_has_a_bundle_and_before_that_a_409(
    api: Api, make_node: Callable[[str], Node], pki_dir: Path
) -> None:
    france, client, key = api("FR:CNAV")
    germany = make_node("DE:DRV70001")
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    url = f"/api/v1/messages/{record.message_id}/evidence"

    early = client.get(url, headers=key)
    assert early.status_code == 409
    assert early.headers["content-type"] == "application/problem+json"
    assert early.json()["code"] == "evidence-unavailable"
    assert "no signed receipt" in early.json()["detail"]

    deliver(france, germany)
    deliver(germany, france)
    response = client.get(url, headers=key)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="evidence-{record.message_id}.json"'
    )
    assert response.headers["cache-control"] == "no-store"
    bundle = EvidenceBundle.from_json(response.content)
    checks = verify_bundle(bundle, root=load_certificate(pki_dir / "authority.pem"))
    assert all(check.ok for check in checks), checks


def test_the_bundle_needs_a_key_and_a_known_message(api: Api) -> None:
    _, client, key = api("FR:CNAV")
    url = "/api/v1/messages/6f0c56b5-3c51-4d5e-9a55-8f3f2d1b7a10/evidence"
    assert client.get(url).status_code == 401
    missing = client.get(url, headers=key)
    assert missing.status_code == 404 and missing.json()["code"] == "not-found"
