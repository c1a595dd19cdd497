"""The attack corpus, part two: look-alike institution ids and injection in API parameters.

(The XML attacks - entities, billion laughs, deep nesting - are in tests/documents/test_parser.py,
the signature attacks - the XSW variants, KeyInfo substitution, weak algorithms - in
tests/security/test_signature.py, injection in the console's filters in
tests/console/test_console_messages.py.)

A look-alike id must be refused wherever an id enters: the institution id parser, the REST API,
the envelope (built, signed and sealed by a trusted sender) and the signed directory. An
injection attempt in any API parameter must be refused as a client error, with a problem
document, and leave no trace: no message, no outbox entry, every table intact.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from sqlalchemy import func, select

from gateway.codes import InstitutionId, InvalidIdentifier, parse_institution_id
from gateway.directory import Directory, load_directory, sign_directory
from gateway.documents import build_envelope, validate_envelope
from gateway.errors import DirectoryError, GatewayError
from gateway.exchange import Credentials, authenticate, prepare_outbound
from gateway.node import Node
from gateway.security import (
    KeyUse,
    SigningIdentity,
    load_certificate,
    load_private_key,
    seal,
    sign_enveloped,
)
from gateway.store import MessageRecord
from support import EXAMPLES, example, example_bytes

#: Look-alikes of DE:DRV70001 and FR:CNAV: other scripts, full-width forms, invisible and
#: combining characters, non-ASCII digits.
CONFUSABLES = {
    "cyrillic-e": "D\u0415:DRV70001",
    "cyrillic-a": "FR:CN\u0410V",
    "greek-alpha": "FR:CN\u0391V",
    "full-width-digits": "DE:DRV\uff17\uff10\uff10\uff10\uff11",
    "full-width-colon": "DE\uff1aDRV70001",
    "full-width-letters": "\uff24\uff25:DRV70001",
    "zero-width-joiner": "DE:DRV\u200d70001",
    "zero-width-space": "DE:\u200bDRV70001",
    "combining-acute": "DE:DRV70001\u0301",
    "combining-dot-below": "FR:C\u0323NAV",
    "arabic-indic-digit": "DE:DRV7\u0660001",
    "mathematical-bold-d": "DE:\U0001d403RV70001",
    "lower-case-country": "de:drv70001",
    "kelvin-sign": "DE:\u212aRV70001",
    "dotless-i": "FR:CN\u0131V0",
    "trailing-newline": "DE:DRV70001\n",
    "leading-space": " DE:DRV70001",
}

#: What injection attempts in API parameters look like.
INJECTIONS = {
    "sql-drop": "'; DROP TABLE messages; --",
    "sql-tautology": "' OR '1'='1",
    "sql-in-id": "DE:DRV70001'--",
    "script": "<script>alert(1)</script>",
    "attribute-break": '"><img src=x onerror=alert(1)>',
    "nul-encoded": "%00",
    "nul": "DE:DRV70001\x00",
    "path-traversal": "../../etc/passwd",
}


@pytest.mark.parametrize("text", CONFUSABLES.values(), ids=CONFUSABLES.keys())
def test_a_look_alike_id_is_not_an_institution_id(text: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_institution_id(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("DE:GZDKoStEU", "DE:GZDKoStEU"), ("XK:FPK0001", "XK:FPK0001"), ("GR:EFKA01", "EL:EFKA01")],
)
def test_an_id_keeps_its_case_and_its_country_is_normalised(text: str, expected: str) -> None:
    assert parse_institution_id(text) == expected


@pytest.fixture
def api_node(
    api: Callable[[str], tuple[Node, TestClient, dict[str, str]]],
) -> tuple[Node, TestClient, dict[str, str]]:
    return api("FR:CNAV")


def assert_untouched(node: Node) -> None:
    """Nothing was stored or queued, and the tables are all still there."""
    with node.store.reading() as session:
        assert session.scalar(select(func.count()).select_from(MessageRecord)) == 0
    assert node.store.outbox_depth() == 0
    assert node.store.dead_letters() == []


def assert_problem(response: Any, *statuses: int) -> None:
    status = response.status_code
    assert status in statuses, (status, response.text)
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("text", CONFUSABLES.values(), ids=CONFUSABLES.keys())
def test_the_api_refuses_a_look_alike_recipient(
    api_node: tuple[Node, TestClient, dict[str, str]], text: str
) -> None:
    node, client, headers = api_node
    response = client.post(
        "/api/v1/messages",
        params={"recipient": text},
        content=example_bytes("InsurancePeriodsRequest"),
        headers={**headers, "Content-Type": "application/xml"},
    )
    assert_problem(response, 400, 422)
    assert_untouched(node)


@pytest.mark.parametrize("value", INJECTIONS.values(), ids=INJECTIONS.keys())
def test_injection_in_api_parameters_is_refused_without_side_effect(
    api_node: tuple[Node, TestClient, dict[str, str]], value: str
) -> None:
    node, client, headers = api_node
    xml = {**headers, "Content-Type": "application/xml"}
    document = example_bytes("InsurancePeriodsRequest")
    for name in ("recipient", "case_id", "in_reply_to", "document_set_id", "version", "action"):
        params = {"recipient": "DE:DRV70001", name: value}
        response = client.post("/api/v1/messages", params=params, content=document, headers=xml)
        assert_problem(response, 400, 422)
    segment = quote(value, safe="")
    for path in (
        f"/api/v1/messages/{segment}",
        f"/api/v1/cases/{segment}",
        f"/api/v1/inbox/{segment}/document",
    ):
        assert_problem(client.get(path, headers=headers), 400, 404)
    assert_problem(client.post(f"/api/v1/inbox/{segment}/ack", headers=headers), 400, 404)
    for name in ("after", "limit", "wait"):
        assert_problem(client.get("/api/v1/inbox", params={name: value}, headers=headers), 400)
    # As an API key, the value is only ever hashed: refused, not interpreted.
    if value.isprintable():
        assert_problem(
            client.get("/api/v1/inbox", headers={"Authorization": f"Bearer {value}"}), 401
        )
    assert_untouched(node)
    assert client.get("/api/v1/inbox", headers=headers).json()["items"] == []


@pytest.mark.parametrize(
    "text",
    [t for t in CONFUSABLES.values() if t.isprintable()],
    ids=[k for k, t in CONFUSABLES.items() if t.isprintable()],
)
def test_a_signed_envelope_naming_a_look_alike_is_refused(
    text: str, directory: Directory, credentials: Callable[[str], Credentials]
) -> None:
    """Signed by a trusted sender and sealed to the right recipient, yet naming a look-alike
    as its recipient: the envelope check refuses it before anything reads the id."""
    now = dt.datetime.now(dt.UTC)
    outbound = prepare_outbound(
        example("InsurancePeriodsRequest"),
        credentials=credentials("FR:CNAV"),
        directory=directory,
        recipient="DE:DRV70001",
        now=now,
    )
    header = dataclasses.replace(outbound.header, recipient=InstitutionId(text))
    envelope = build_envelope(header, example("InsurancePeriodsRequest").root)
    with pytest.raises(GatewayError):
        validate_envelope(envelope)
    token = seal(
        etree.tostring(sign_enveloped(envelope, credentials("FR:CNAV").signing)),
        directory.certificates("DE:DRV70001", KeyUse.ENCRYPTION, now)[0],
    )
    with pytest.raises(GatewayError):
        authenticate(token, credentials=credentials("DE:DRV70001"), directory=directory, now=now)


@pytest.mark.parametrize(
    "text",
    [t for t in CONFUSABLES.values() if t.isprintable()],
    ids=[k for k, t in CONFUSABLES.items() if t.isprintable()],
)
def test_a_signed_directory_listing_a_look_alike_is_refused(text: str, pki_dir: Path) -> None:
    authority = SigningIdentity(
        load_private_key(pki_dir / "authority.key"), load_certificate(pki_dir / "authority.pem")
    )

    def signed(institution_id: str) -> bytes:
        root = etree.fromstring((EXAMPLES / "Directory.xml").read_bytes())
        entry = next(e for e in root.iter() if e.get("id") == "FR:URSSAF")
        entry.set("id", institution_id)
        return sign_directory(etree.tostring(root), authority=authority)

    # The same edit with a well-formed new id is taken: only the look-alike is refused.
    assert "FR:URSSAF2" in load_directory(signed("FR:URSSAF2"), authority.certificate).institutions
    with pytest.raises(DirectoryError):
        load_directory(signed(text), authority.certificate)
