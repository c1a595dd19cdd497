"""The API's case view shows what the console's shows: a coverage case's flow and where each
notification stands against its deadline, and a case's periods totalized per agreement for the
country deciding it, never across countries no agreement binds."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from gateway.cases import periods_from_reply, totalize_by_agreement
from gateway.documents import parse_untrusted
from gateway.node import Node
from support import Clock, deliver, example_bytes

ApiFactory = Callable[[str], tuple[Node, TestClient, dict[str, str]]]
TWO_MONTHS_AND_A_DAY = 63 * 24 * 3600


def _case(client: TestClient, key: dict[str, str], case_id: uuid.UUID) -> dict[str, Any]:
    answer = client.get(f"/api/v1/cases/{case_id}", headers=key)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _periods_case(asking: Node, asked: Node) -> uuid.UUID:
    """A case ``asking`` opens with a periods request, answered with the example career in
    Germany, France and India."""
    request = asking.submit(example_bytes("InsurancePeriodsRequest"), recipient=asked.institution)
    deliver(asking, asked)
    deliver(asked, asking)
    asked.submit(
        example_bytes("InsurancePeriodsReply"),
        recipient=asking.institution,
        case_id=request.case_id,
        in_reply_to=request.message_id,
    )
    deliver(asked, asking)
    deliver(asking, asked)
    return request.case_id


def _days_by_agreement(view: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {
        totals["agreement"]: {each["country"]: each["days"] for each in totals["by_country"]}
        for totals in view["periods"]["agreements"]
    }


def test_a_coverage_case_shows_its_flow_and_an_overdue_determination(
    api: ApiFactory, make_node: Callable[[str], Node], clock: Clock
) -> None:
    germany, client, key = api("DE:DRV70001")
    netherlands = make_node("NL:SVB01")
    sent = netherlands.submit(
        example_bytes("v2/CoverageCertificate-multi-state"), recipient="DE:DRV70001"
    )
    deliver(netherlands, germany)

    running = _case(client, key, sent.case_id)
    assert running["flow"] == "multi-state-activity"
    assert running["periods"] is None
    (notification,) = running["notifications"]
    assert notification["message_id"] == str(sent.message_id)
    assert notification["purpose"] == "multi-state-determination"
    assert (notification["sender"], notification["recipient"]) == ("NL:SVB01", "DE:DRV70001")
    assert notification["status"] == "running" and notification["overdue"] is False
    assert notification["due_at"] > notification["notified_at"]

    clock.advance(TWO_MONTHS_AND_A_DAY)
    (late,) = _case(client, key, sent.case_id)["notifications"]
    assert late["status"] == "overdue" and late["overdue"] is True
    assert late["due_at"] == notification["due_at"]
    assert late["due_at"] < clock().isoformat()


def test_a_case_decided_in_germany_totalizes_france_and_india_under_their_own_agreements(
    api: ApiFactory, make_node: Callable[[str], Node]
) -> None:
    germany, client, key = api("DE:DRV70001")
    case_id = _periods_case(germany, make_node("FR:CNAV"))

    view = _case(client, key, case_id)
    periods = view["periods"]
    assert view["flow"] is None and view["notifications"] == []
    assert periods["competent_country"] == "DE" and periods["replies"] == 1
    reply = parse_untrusted(example_bytes("InsurancePeriodsReply")).getroot()
    expected = totalize_by_agreement(
        periods_from_reply(reply),
        competent_country="DE",
        agreements_between=germany.directory.agreements_between,
        as_of=germany.clock().date(),
    )
    assert periods["as_of"] == expected.as_of.isoformat()
    assert _days_by_agreement(view) == {
        career.agreement: dict(career.career.days_by_country) for career in expected.careers
    }
    eu, in_de = periods["agreements"]
    assert (eu["agreement"], eu["countries"]) == ("EU-883-2004", ["DE", "FR"])
    assert (in_de["agreement"], in_de["countries"]) == ("IN-DE", ["DE", "IN"])
    for shown, career in zip((eu, in_de), expected.careers, strict=True):
        assert shown["total_days"] == career.career.total_days
        assert shown["total_months"] == career.career.total_months
        assert shown["competent_share"] == str(career.share)
    assert eu["competent_share"] != in_de["competent_share"]
    # France and India are never added together: no career holds both.
    assert not any({"FR", "IN"} <= set(totals["countries"]) for totals in periods["agreements"])
    assert periods["not_totalized"] == []


def test_a_case_decided_in_france_leaves_india_out_with_the_reason(
    api: ApiFactory, make_node: Callable[[str], Node]
) -> None:
    france, client, key = api("FR:CNAV")
    case_id = _periods_case(france, make_node("DE:DRV70001"))

    periods = _case(client, key, case_id)["periods"]
    assert periods["competent_country"] == "FR"
    assert set(_days_by_agreement({"periods": periods})) == {"EU-883-2004"}
    (eu,) = periods["agreements"]
    assert eu["countries"] == ["FR", "DE"]
    (india,) = periods["not_totalized"]
    assert (india["country"], india["reason"]) == ("IN", "no-agreement")
    assert india["detail"] == "no agreement binds FR and IN"
    assert india["periods"] > 0 and india["days"] > 0
