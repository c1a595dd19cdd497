"""The message page's evidence download: operators and auditors, audited, 409 when there is
nothing to bundle."""

from __future__ import annotations

from console.console_testing import Login, Scenario, protect
from gateway.console import Accounts
from gateway.evidence import EvidenceBundle


def test_an_operator_downloads_the_bundle_and_it_is_audited(
    scenario: Scenario, login: Login
) -> None:
    client = login("otto")
    page = client.get(f"/console/messages/{scenario.delivered.id}")
    link = f"/console/messages/{scenario.delivered.id}/evidence"
    assert f'href="{link}"' in page.text
    response = client.get(link)
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    bundle = EvidenceBundle.from_json(response.content)
    assert bundle.message_id == scenario.delivered.message_id
    newest = Accounts(scenario.node.store.engine).audit_events(before=None, limit=1)[0]
    assert (newest.actor, newest.action, newest.message_id) == (
        "otto",
        "evidence-exported",
        scenario.delivered.message_id,
    )


def test_a_viewer_has_no_link_and_is_refused(scenario: Scenario, login: Login) -> None:
    client = login("vera")
    page = client.get(f"/console/messages/{scenario.delivered.id}")
    assert "/evidence" not in page.text
    response = client.get(f"/console/messages/{scenario.delivered.id}/evidence")
    assert response.status_code == 403 and "does not allow" in response.text


def test_nothing_to_bundle_is_a_409_page(scenario: Scenario, login: Login) -> None:
    response = login("aude").get(f"/console/messages/{scenario.failed.id}/evidence")
    assert response.status_code == 409
    assert "no signed receipt has come for this message yet" in response.text


def test_a_protected_persons_bundle_goes_to_auditors_only(scenario: Scenario, login: Login) -> None:
    protect(scenario.node, scenario.delivered.case_id)
    link = f"/console/messages/{scenario.delivered.id}/evidence"
    operator = login("otto")
    assert link not in operator.get(f"/console/messages/{scenario.delivered.id}").text
    assert operator.get(link).status_code == 403
    auditor = login("aude")
    assert f'href="{link}"' in auditor.get(f"/console/messages/{scenario.delivered.id}").text
    assert auditor.get(link).status_code == 200
    newest = Accounts(scenario.node.store.engine).audit_events(before=None, limit=1)[0]
    assert newest.action == "evidence-exported" and newest.detail.startswith("protected person")
