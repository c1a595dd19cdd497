"""A national application posts the SED it already builds, and reads what it receives as one."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from gateway.node import Node
from gateway.sed import SED_MEDIA_TYPE
from support import deliver, example_bytes

Api = Callable[[str], tuple[Node, TestClient, dict[str, str]]]
SED = {"Content-Type": SED_MEDIA_TYPE}

CLAIM: dict[str, Any] = {
    "sed": "P2000",
    "sedGVer": "4",
    "sedVer": "2",
    "nav": {
        "bruker": {
            "person": {
                "pin": [{"identifikator": "161039910904245", "land": "FR"}],
                "etternavn": "Lefèvre",
                "fornavn": "Odile",
                "kjoenn": "K",
                "foedselsdato": "1961-10-03",
                "statsborgerskap": [{"land": "FRA"}],
                # Not a field of any SED this node maps: it must come back as a loss.
                "kallenavn": "Dilou",
            }
        },
        "krav": {"dato": "2026-09-15"},
    },
}


def test_a_sed_goes_in_and_comes_out_as_a_sed(api: Api) -> None:
    france, france_client, france_key = api("FR:CNAV")
    germany, client, key = api("DE:DRV70001")
    sent = france_client.post(
        "/api/v1/messages?recipient=DE:DRV70001", json=CLAIM, headers=france_key | SED
    )
    assert sent.status_code == 202, sent.text
    assert sent.json()["losses"] == [
        {"path": "/nav/bruker/person/kallenavn", "reason": "has no place in our schema 2.0"}
    ]
    deliver(france, germany)
    received = client.get(
        f"/api/v1/inbox/{sent.json()['id']}/document", headers=key | {"Accept": SED_MEDIA_TYPE}
    )
    assert received.status_code == 200, received.text
    assert received.headers["content-type"] == SED_MEDIA_TYPE
    assert "ssgw-sed-loss" not in received.headers
    expected = copy.deepcopy(CLAIM)
    person = expected["nav"]["bruker"]["person"]
    del person["kallenavn"]
    person["statsborgerskap"] = [{"land": "FR"}]  # alpha-3 is read, alpha-2 is written
    assert received.json() == expected
    # The same document is still XML for a back-office that asks for XML.
    xml = client.get(f"/api/v1/inbox/{sent.json()['id']}/document", headers=key)
    assert b'schemaVersion="2.0"' in xml.content
    status = france_client.get(f"/api/v1/messages/{sent.json()['id']}", headers=france_key)
    assert status.json()["schema_version"] == "2.0"


def _received_as_sed(api: Api, example: str) -> Any:
    """France sends a 1.0 example to Germany, which asks for it back as a SED."""
    france, france_client, france_key = api("FR:CNAV")
    germany, client, key = api("DE:DRV70001")
    sent = france_client.post(
        "/api/v1/messages?recipient=DE:DRV70001",
        content=example_bytes(example),
        headers=france_key | {"Content-Type": "application/xml"},
    )
    assert sent.status_code == 202, sent.text
    deliver(france, germany)
    return client.get(
        f"/api/v1/inbox/{sent.json()['id']}/document", headers=key | {"Accept": SED_MEDIA_TYPE}
    )


def test_a_1_0_document_is_read_as_a_sed_with_its_losses_named(api: Api) -> None:
    received = _received_as_sed(api, "BenefitClaim-survivors")
    assert received.status_code == 200, received.text
    assert received.json()["sed"] == "P2100"
    assert received.json()["sedGVer"] == "4"


def _errors(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [(error["code"], error["path"]) for error in response.json()["errors"]]


def test_bad_seds_are_refused_one_problem_each_with_its_json_pointer(api: Api) -> None:
    node, client, key = api("FR:CNAV")
    post = "/api/v1/messages?recipient=DE:DRV70001"
    unknown = client.post(post, json={"sed": "X999"}, headers=key | SED)
    assert _errors(unknown) == [("sed.unknown-type", "/sed")]
    assert _errors(client.post(post, json=[1, 2], headers=key | SED)) == [("sed.malformed", "")]
    broken = copy.deepcopy(CLAIM)
    person = broken["nav"]["bruker"]["person"]
    person["kjoenn"] = "X"
    person["foedselsdato"] = "1961-13-03"
    person["pin"] = {"identifikator": ["not", "a", "string"], "land": "FR"}
    found = _errors(client.post(post, json=broken, headers=key | SED))
    assert ("sed.value", "/nav/bruker/person/kjoenn") in found
    assert ("sed.value", "/nav/bruker/person/pin/identifikator") in found
    assert any(path == "/nav/bruker/person/foedselsdato" for _, path in found)
    not_json = client.post(post, content=b"{nope", headers=key | SED)
    assert not_json.status_code == 400 and not_json.json()["code"] == "sed.malformed"
    deep = client.post(post, content=b"[" * 1_100 + b"]" * 1_100, headers=key | SED)
    assert deep.status_code == 400 and deep.json()["code"] == "sed.malformed"
    assert "levels deep" in deep.json()["detail"]
    with node.store.reading() as session:
        from sqlalchemy import func, select

        from gateway.store import MessageRecord

        assert session.scalar(select(func.count()).select_from(MessageRecord)) == 0


def test_a_document_no_sed_type_fits_is_not_acceptable_as_a_sed(api: Api) -> None:
    refused = _received_as_sed(api, "InsurancePeriodsRequest")
    assert refused.status_code == 406, refused.text
    assert refused.json()["code"] == "not-acceptable"
