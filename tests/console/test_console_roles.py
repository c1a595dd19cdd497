"""What each role may do: viewers look, operators retry, auditors reveal with a reason; every
action needs the session's CSRF token and is audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col

from console.console_testing import BIRTH_DATE, FORGED_BIRTH_DATE, Login, Scenario, csrf_of
from gateway.console import Accounts, AuditEvent
from gateway.exchange import MessageStatus
from gateway.store import MessageRecord


def events(scenario: Scenario) -> list[AuditEvent]:
    """The audit events, oldest first."""
    found = Accounts(scenario.node.store.engine).audit_events(before=None, limit=1000)
    return list(reversed(found))


def post(client: TestClient, record: MessageRecord, action: str, **form: str) -> object:
    page = client.get(f"/console/messages/{record.id}")
    return client.post(
        f"/console/messages/{record.id}/{action}",
        data={"csrf": csrf_of(page.text), **form},
        follow_redirects=False,
    )


def test_an_operator_retries_a_failed_message_and_it_is_audited(
    scenario: Scenario, login: Login
) -> None:
    client = login("otto")
    page = client.get(f"/console/messages/{scenario.failed.id}")
    assert "Retry sending" in page.text and 'id="reason"' not in page.text
    response = post(client, scenario.failed, "retry")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"].endswith("?done=retried")  # type: ignore[attr-defined]
    retried = scenario.record(scenario.failed)
    assert retried.status is MessageStatus.ACCEPTED and retried.attempts == 0
    assert scenario.node.store.outbox_depth() >= 1
    last = events(scenario)[-1]
    assert (last.actor, last.role, last.action) == ("otto", "operator", "retry")
    assert last.message_id == scenario.failed.message_id
    stages = [e.stage for e in scenario.node.store.trace(scenario.failed.message_id)]
    assert stages[-2:] == ["failed", "retried"]
    # The relay takes it again, with the same id and the same sealed bytes.
    (dispatch,) = [
        d for d in scenario.node.due() if d.message_id == str(scenario.failed.message_id)
    ]
    assert dispatch.body == scenario.failed.sealed


def test_only_a_failed_sent_message_can_be_retried(scenario: Scenario, login: Login) -> None:
    client = login("otto")
    for record in (scenario.delivered, scenario.rejected, scenario.refused):
        response = post(client, record, "retry")
        assert response.status_code == 409  # type: ignore[attr-defined]
        assert scenario.record(record).status is record.status
    assert "retry" not in [e.action for e in events(scenario)]


def test_a_viewer_can_neither_retry_nor_reveal(scenario: Scenario, login: Login) -> None:
    client = login("vera")
    page = client.get(f"/console/messages/{scenario.failed.id}")
    assert "Retry sending" not in page.text and 'id="reason"' not in page.text
    for action, form in (("retry", {}), ("reveal", {"reason": "I would like to see it"})):
        response = post(client, scenario.failed, action, **form)
        assert response.status_code == 403  # type: ignore[attr-defined]
        assert "does not allow" in response.text  # type: ignore[attr-defined]
    assert scenario.record(scenario.failed).status is MessageStatus.FAILED
    denied = [e for e in events(scenario) if e.action == "denied"]
    assert [(e.actor, e.message_id) for e in denied] == [("vera", scenario.failed.message_id)] * 2
    response = post(client, scenario.received, "reveal", reason="I would like to see it")
    assert BIRTH_DATE not in response.text  # type: ignore[attr-defined]


def test_an_operator_cannot_reveal_and_an_auditor_cannot_retry(
    scenario: Scenario, login: Login
) -> None:
    operator = login("otto")
    response = post(operator, scenario.received, "reveal", reason="Checking the periods sent")
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert BIRTH_DATE not in response.text  # type: ignore[attr-defined]
    auditor = login("aude")
    assert post(auditor, scenario.failed, "retry").status_code == 403  # type: ignore[attr-defined]
    assert scenario.record(scenario.failed).status is MessageStatus.FAILED


def test_an_auditor_reveals_a_document_after_stating_a_reason(
    scenario: Scenario, login: Login
) -> None:
    client = login("aude")
    page = client.get(f"/console/messages/{scenario.received.id}")
    assert BIRTH_DATE not in page.text and 'id="reason"' in page.text
    before = len(events(scenario))

    for reason in ("", "too short", "x" * 501):
        response = post(client, scenario.received, "reveal", reason=reason)
        assert response.status_code == 400  # type: ignore[attr-defined]
        assert BIRTH_DATE not in response.text  # type: ignore[attr-defined]
        assert "State why" in response.text  # type: ignore[attr-defined]
    assert len(events(scenario)) == before

    response = post(client, scenario.received, "reveal", reason="Complaint 2026-114, periods")
    assert response.status_code == 200, response.text  # type: ignore[attr-defined]
    assert BIRTH_DATE in response.text  # type: ignore[attr-defined]
    assert response.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]
    last = events(scenario)[-1]
    assert (last.actor, last.role, last.action) == ("aude", "auditor", "reveal")
    assert last.message_id == scenario.received.message_id
    assert last.detail == "reason: Complaint 2026-114, periods"
    assert f"audit event {last.id}" in response.text  # type: ignore[attr-defined]
    # A plain look at the page afterwards shows no personal data again.
    assert BIRTH_DATE not in client.get(f"/console/messages/{scenario.received.id}").text


def test_a_refused_messages_checker_text_is_withheld_from_all_but_a_reveal(
    scenario: Scenario, login: Login
) -> None:
    # Nodes before 2026-12 kept the checker's raw text for a refused message, which quotes
    # the offending value; such rows stay in the store.
    with scenario.node.store.engine.begin() as connection:
        connection.execute(
            update(MessageRecord)
            .where(col(MessageRecord.id) == scenario.refused.id)
            .values(error_detail=f"BirthDate: '{FORGED_BIRTH_DATE}' is not a valid value")
        )
    for name in ("vera", "otto", "aude"):
        page = login(name).get(f"/console/messages/{scenario.refused.id}")
        assert page.status_code == 200
        assert FORGED_BIRTH_DATE not in page.text and "Withheld" in page.text
        assert "invalid-schema" in page.text  # the reason code is no personal data
    revealed = post(login("aude"), scenario.refused, "reveal", reason="Partner asks why refused")
    assert FORGED_BIRTH_DATE in revealed.text  # type: ignore[attr-defined]


def test_no_page_shows_personal_data_to_a_viewer(scenario: Scenario, login: Login) -> None:
    client = login("vera")
    pages = [
        "/console/messages",
        "/console/failures",
        f"/console/cases/{scenario.case_id}",
        *(
            f"/console/messages/{r.id}"
            for r in (scenario.delivered, scenario.received, scenario.refused, scenario.failed)
        ),
    ]
    for path in pages:
        text = client.get(path).text
        for value in (BIRTH_DATE, FORGED_BIRTH_DATE, "Lüdenscheid", "65140361M017"):
            assert value not in text, (path, value)


def test_actions_without_the_sessions_token_are_refused(scenario: Scenario, login: Login) -> None:
    client = login("otto")
    for form in ({}, {"csrf": ""}, {"csrf": "forged"}):
        response = client.post(
            f"/console/messages/{scenario.failed.id}/retry", data=form, follow_redirects=False
        )
        assert response.status_code == 403
        assert "did not come from your current console session" in response.text
    # A token from another operator's session is no good either.
    other = login("vera").get("/console/messages")
    response = client.post(
        f"/console/messages/{scenario.failed.id}/retry",
        data={"csrf": csrf_of(other.text)},
        follow_redirects=False,
    )
    assert response.status_code == 403
    # Nor is a post that is not a form.
    response = client.post(
        f"/console/messages/{scenario.failed.id}/retry",
        json={"csrf": "x"},
        follow_redirects=False,
    )
    assert response.status_code == 415
    assert scenario.record(scenario.failed).status is MessageStatus.FAILED
    refusals = [e for e in events(scenario) if e.action == "csrf-refused"]
    assert len(refusals) == 4 and {e.actor for e in refusals} == {"otto"}


def test_only_auditors_read_the_audit_log(scenario: Scenario, login: Login) -> None:
    for name in ("vera", "otto"):
        client = login(name)
        assert client.get("/console/audit").status_code == 403
        assert "Audit log" not in client.get("/console/messages").text
    client = login("aude")
    page = client.get("/console/audit")
    assert page.status_code == 200 and "operator-added" in page.text
