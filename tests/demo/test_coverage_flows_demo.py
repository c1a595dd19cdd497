"""The documents the demo's caseworkers send in the coverage flows are valid on the day they
are made, and the demo's check of the flows fails when a step is missing or the certificate
beyond the US-DE limit was not refused for that reason."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

import pytest

from gateway.demo.coverage_flows import (
    FlowsPlayed,
    check_coverage_flows,
    confirmation,
    disagreement,
    posting_notification,
    united_states_certificate,
)
from gateway.demo.schema_2 import multi_state_determination, multi_state_request
from gateway.documents import Posting, document_from_json, posting_of, validate_document
from ssgw_adapters.client import GatewayApiError, Submission

TODAY = dt.date(2026, 12, 7)


def _valid(form: Mapping[str, Any]) -> None:
    document = document_from_json(form)
    validate_document(document, today=TODAY)


def test_the_caseworkers_documents_are_valid() -> None:
    determination = multi_state_determination(multi_state_request(TODAY), TODAY)
    for form in (
        disagreement(determination, TODAY),
        confirmation(determination, TODAY),
        posting_notification(TODAY),
        united_states_certificate(TODAY, 61),
    ):
        _valid(form)
    assert confirmation(determination, TODAY)["document"]["Purpose"] == "definitive-determination"


@pytest.mark.parametrize("months", [60, 61])
def test_the_united_states_certificate_lasts_the_months_asked(months: int) -> None:
    validated = validate_document(
        document_from_json(united_states_certificate(TODAY, months)), today=TODAY
    )
    posting = posting_of(validated)
    assert isinstance(posting, Posting)
    length = posting.length
    assert length is not None and (length.months, length.days) == (months, 0)


def _checked(played: FlowsPlayed) -> list[str]:
    failures: list[str] = []
    check_coverage_flows({}, played, [], lambda ok, what: None if ok else failures.append(what))
    return failures


def test_the_check_fails_without_the_steps_or_the_refusal() -> None:
    failures = _checked(FlowsPlayed())
    assert "the A012 was not sent" in failures and "the objection was not sent" in failures
    assert any("61 months" in failure for failure in failures)


def test_the_check_wants_the_posting_limit_as_the_reason() -> None:
    sent = Submission(id=uuid.uuid4(), case_id=uuid.uuid4(), status="accepted")
    played = FlowsPlayed(
        submitted=dict.fromkeys(("A004", "A012", "A009", "objection"), sent),
        refused_certificate=GatewayApiError(403, {"code": "not-permitted", "reason": "other"}),
    )
    assert _checked(played) == [
        "the certificate of 61 months under US-DE was not refused with posting-limit-exceeded"
    ]
    played.refused_certificate = GatewayApiError(
        403, {"code": "not-permitted", "reason": "posting-limit-exceeded"}
    )
    assert _checked(played) == []
