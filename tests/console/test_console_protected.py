"""The case view's periods timeline and open requests, and protected persons: their periods are
only summed, their documents only revealed by an auditor who confirms the need, and the API's
operator views leave their stored error texts out."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from fastapi.testclient import TestClient

from console.console_testing import (
    FORGED_BIRTH_DATE,
    PERSONAL_VALUES,
    Login,
    Scenario,
    csrf_of,
    protect,
)
from console.test_console_roles import events
from gateway.cases import InsurancePeriod, PeriodKind, totalize_by_agreement
from gateway.codes import Branch, InstitutionId
from gateway.console._charts import periods_chart
from gateway.directory import Directory
from gateway.exchange import Direction, MessageStatus
from gateway.node._reading import CasePeriods, case_periods
from gateway.server import build_app
from gateway.store import MessageRecord
from support import example_bytes


def test_the_case_view_draws_the_periods_per_country_with_the_totals(
    scenario: Scenario, login: Login
) -> None:
    html = login("vera").get(f"/console/cases/{scenario.case_id}").text
    assert '<svg class="periods"' in html
    lanes = re.findall(r'<text class="lane-label"[^>]*>([^<]+)</text>', html)
    # France decides the case: the EU Regulation's career is the one counted lane.
    assert lanes[-1] == "EU-883-2004" and lanes[:-1] == sorted(lanes[:-1]) and "DE" in lanes
    assert 'id="periods-chart-title"' in html and 'id="periods-chart-desc"' in html
    assert 'class="period tier-compulsory kind-employment" data-kind="employment"' in html
    assert "Totalized under EU-883-2004" in html and "pro-rata share of FR" in html
    for value in PERSONAL_VALUES:
        assert value not in html


def test_the_periods_chart_lays_out_lanes_and_the_counted_career(directory: Directory) -> None:
    periods = [
        InsurancePeriod(
            "DE",
            InstitutionId("DE:DRV70001"),
            dt.date(1990, 1, 1),
            dt.date(1999, 12, 31),
            PeriodKind.EMPLOYMENT,
            frozenset({Branch("old-age")}),
        ),
        InsurancePeriod(
            "FR",
            InstitutionId("FR:CNAV"),
            dt.date(1995, 1, 1),
            None,
            PeriodKind.VOLUNTARY,
            frozenset({Branch("old-age")}),
        ),
    ]
    careers = totalize_by_agreement(
        periods,
        competent_country="DE",
        agreements_between=directory.agreements_between,
        as_of=dt.date(2010, 6, 30),
    )
    chart = periods_chart(periods, careers)
    assert [lane.label for lane in chart.lanes] == ["DE", "FR", "EU-883-2004"]
    assert chart.lanes[2].counted and "DE, FR" in chart.lanes[2].title
    (de,) = chart.lanes[0].bars
    (fr,) = chart.lanes[1].bars
    assert de.tier == "compulsory" and fr.tier == "voluntary"
    assert fr.x > de.x and fr.x + fr.width > de.x + de.width  # running up to as_of
    assert "(running)" in fr.title
    # The counted lane: Germany's employment holds its days (also those the French voluntary
    # period reports), then the French voluntary period counts alone.
    counted = chart.lanes[2].bars
    assert {bar.kind for bar in counted[:-1]} == {"employment"}
    assert counted[-1].kind == "voluntary" and counted[-1].x + counted[-1].width == fr.x + fr.width
    assert chart.ticks[0].label == "1990" and chart.ticks[-1].label == "2011"


def test_a_protected_persons_periods_are_only_summed(scenario: Scenario, login: Login) -> None:
    protect(scenario.node, scenario.case_id)
    html = login("aude").get(f"/console/cases/{scenario.case_id}").text
    assert "badge-protected" in html
    assert '<svg class="periods"' not in html and "periods-table" not in html
    assert "not drawn one by one" in html and "Totalized under EU-883-2004" in html
    for value in PERSONAL_VALUES:
        assert value not in html


def test_only_an_auditor_who_confirms_may_reveal_a_protected_persons_document(
    scenario: Scenario, login: Login
) -> None:
    protect(scenario.node, scenario.case_id)
    for name in ("vera", "otto"):
        client = login(name)
        page = client.get(f"/console/messages/{scenario.received.id}")
        assert 'id="reason"' not in page.text and "protected person" in page.text
        refused = client.post(
            f"/console/messages/{scenario.received.id}/reveal",
            data={"csrf": csrf_of(page.text), "reason": "Complaint 2026-7", "protected_ack": "yes"},
        )
        assert refused.status_code == 403
        assert all(v not in refused.text for v in PERSONAL_VALUES)

    auditor = login("aude")
    page = auditor.get(f"/console/messages/{scenario.received.id}")
    assert 'name="protected_ack"' in page.text
    unconfirmed = auditor.post(
        f"/console/messages/{scenario.received.id}/reveal",
        data={"csrf": csrf_of(page.text), "reason": "Complaint 2026-114 about periods"},
    )
    assert unconfirmed.status_code == 400
    assert "confirm that the case cannot be handled" in unconfirmed.text
    assert all(v not in unconfirmed.text for v in PERSONAL_VALUES)
    assert events(scenario)[-1].action != "reveal-protected"

    shown = auditor.post(
        f"/console/messages/{scenario.received.id}/reveal",
        data={
            "csrf": csrf_of(page.text),
            "reason": "Complaint 2026-114 about periods",
            "protected_ack": "yes",
        },
    )
    assert shown.status_code == 200 and "Jürgen" in shown.text
    last = events(scenario)[-1]
    assert (last.actor, last.action) == ("aude", "reveal-protected")
    assert last.detail.startswith("protected person, confirmed as needed; reason: Complaint")
    assert last.message_id == scenario.received.message_id


def test_a_protected_cases_error_texts_are_withheld_even_for_sent_messages(
    scenario: Scenario, login: Login
) -> None:
    rejected = scenario.rejected
    assert rejected.error_detail
    before = login("vera").get(f"/console/messages/{rejected.id}").text
    assert "Withheld" not in before
    protect(scenario.node, rejected.case_id)
    after = login("vera").get(f"/console/messages/{rejected.id}").text
    assert "Withheld: the case concerns a protected person." in after


def test_the_api_leaves_a_protected_cases_error_texts_out(scenario: Scenario) -> None:
    node = scenario.node
    key = node.store.create_api_client("operators", dt.datetime.now(dt.UTC))
    client = TestClient(build_app(node), raise_server_exceptions=False)
    headers = {"Authorization": f"Bearer {key}"}
    refused = scenario.refused
    before = client.get(f"/api/v1/messages/{refused.message_id}", headers=headers).json()
    assert before["protected_person"] is False and before["error"]["detail"]
    protect(node, refused.case_id)
    message = client.get(f"/api/v1/messages/{refused.message_id}", headers=headers)
    body = message.json()
    assert body["protected_person"] is True
    assert body["error"] == {"code": refused.error_code, "detail": None}
    assert FORGED_BIRTH_DATE not in message.text
    case = client.get(f"/api/v1/cases/{refused.case_id}", headers=headers).json()
    assert case["protected_person"] is True
    assert all(m["error"] is None or m["error"]["detail"] is None for m in case["messages"])


def test_only_the_latest_version_of_each_reply_counts_and_invalidated_ones_not(
    directory: Directory,
) -> None:
    reply = example_bytes("InsurancePeriodsReply")
    none = example_bytes("InsurancePeriodsReply-none")
    first, second = uuid.uuid4(), uuid.uuid4()

    def record(set_id: uuid.UUID, version: int, action: str, body: bytes) -> MessageRecord:
        at = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
        return MessageRecord(
            message_id=uuid.uuid4(),
            direction=Direction.IN,
            case_id=uuid.uuid4(),
            case_type="insurance-periods",
            document_set_id=set_id,
            document_version=version,
            action=action,
            sender="DE:DRV70001",
            recipient="FR:CNAV",
            partner="DE:DRV70001",
            document_type="InsurancePeriodsReply",
            schema_version="1.0",
            status=MessageStatus.RECEIVED,
            created_at=at,
            updated_at=at,
            expires_at=at,
            size=len(body),
            digest="0" * 64,
            sealed=body,
        )

    def read(found: MessageRecord) -> bytes:
        return found.sealed

    def periods(records: list[MessageRecord]) -> CasePeriods | None:
        return case_periods(
            records,
            read,
            as_of=dt.date(2026, 11, 25),
            competent_country="FR",
            agreements_between=directory.agreements_between,
        )

    corrected = periods([record(first, 1, "new", reply), record(first, 2, "update", none)])
    assert corrected is not None and corrected.replies == 1 and corrected.periods == []
    withdrawn = periods([record(first, 1, "new", reply), record(first, 2, "invalidate", reply)])
    assert withdrawn is None
    both = periods([record(first, 1, "new", reply), record(second, 1, "new", b"<not a reply/>")])
    assert both is not None and both.replies == 2 and both.unreadable == 1
    assert [c.agreement for c in both.careers.careers] == ["EU-883-2004"]
    assert both.careers.careers[0].career.total_days > 0
