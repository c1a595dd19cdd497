"""What the node reads from a document for the agreement's terms: the worker's statuses and
nationalities, and what a benefit decision decides and where it pays."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gateway.directory import DecisionFacts, PersonStatus
from gateway.documents import validate_document
from gateway.exchange._facts import facts_of

EXAMPLES = Path(__file__).parents[2] / "schemas" / "examples"
TODAY = dt.date(2026, 11, 25)


def test_a_2_0_certificate_names_the_workers_status() -> None:
    document = validate_document((EXAMPLES / "v2" / "CoverageCertificate-us.xml").read_bytes())
    facts = facts_of(document)
    assert facts.statuses == frozenset({PersonStatus.EMPLOYED})
    assert facts.decision is None


def test_a_1_0_certificate_names_no_status() -> None:
    document = validate_document((EXAMPLES / "CoverageCertificate.xml").read_bytes())
    assert facts_of(document).statuses is None


def test_a_decision_says_it_grants_and_pays_to_the_residence() -> None:
    document = validate_document((EXAMPLES / "BenefitDecision.xml").read_bytes(), today=TODAY)
    assert facts_of(document).decision == DecisionFacts(granted=True, payment_country="DE")
