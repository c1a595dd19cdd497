"""The console's search by person (posted, audited with its reason, protected persons for
auditors only) and the operator's evidence bundle without the document."""

from __future__ import annotations

from console.console_testing import BIRTH_DATE, Login, Scenario, csrf_of, protect
from gateway.console import Accounts
from gateway.evidence import EvidenceBundle

REASON = "claim 2026/0915: checking what was sent"
FRENCH_PIN = "161039910904245"


def search(login: Login, who: str, **fields: str) -> tuple[int, str]:
    client = login(who)
    form = client.get("/console/persons")
    assert form.status_code == 200, form.text
    answer = client.post("/console/persons", data={"csrf": csrf_of(form.text), **fields})
    return answer.status_code, answer.text


def test_an_operator_finds_a_person_by_pin_and_the_search_is_audited(
    scenario: Scenario, login: Login
) -> None:
    status, page = search(login, "otto", pin=FRENCH_PIN, country="FR", reason=REASON)
    assert status == 200
    assert f"/console/messages/{scenario.delivered.id}" in page
    newest = Accounts(scenario.node.store.engine).audit_events(before=None, limit=1)[0]
    assert (newest.actor, newest.action) == ("otto", "person-search")
    assert REASON in newest.detail and FRENCH_PIN not in newest.detail


def test_a_search_without_reason_is_refused_on_the_page(scenario: Scenario, login: Login) -> None:
    status, page = search(login, "otto", pin=FRENCH_PIN, country="FR")
    assert status == 400 and "needs its reason" in page


def test_a_viewer_cannot_search(scenario: Scenario, login: Login) -> None:
    client = login("vera")
    assert "/console/persons" not in client.get("/console/messages").text
    assert client.get("/console/persons").status_code == 403


def test_a_protected_person_is_found_by_an_auditor_only(scenario: Scenario, login: Login) -> None:
    protect(scenario.node, scenario.delivered.case_id)
    link = f"/console/messages/{scenario.delivered.id}"
    _, operator_page = search(login, "otto", pin=FRENCH_PIN, country="FR", reason=REASON)
    assert f'href="{link}"' not in operator_page
    _, auditor_page = search(login, "aude", pin=FRENCH_PIN, country="FR", reason=REASON)
    assert f'href="{link}"' in auditor_page


def test_an_operator_s_evidence_holds_the_digest_an_auditor_s_the_document(
    scenario: Scenario, login: Login
) -> None:
    link = f"/console/messages/{scenario.delivered.id}/evidence"
    operator = EvidenceBundle.from_json(login("otto").get(link).content)
    auditor = EvidenceBundle.from_json(login("aude").get(link).content)
    assert operator.envelope is None and BIRTH_DATE.encode() not in operator.to_json()
    assert auditor.envelope is not None and BIRTH_DATE.encode() in auditor.envelope
    assert operator.envelope_digest == auditor.envelope_digest
