"""The reference back-office's documents: built from register data, read when received.

It writes schema 1.0 (:data:`SCHEMA_VERSION`) with lxml (:mod:`._writing`) and reads only
what it acts on (:mod:`._reading`); the node validates everything it is handed.
"""

from __future__ import annotations

from gateway.demo.backoffice.documents._reading import (
    Claim,
    CoverageRequest,
    DecisionSummary,
    PeriodsRequest,
    benefit_branch,
    certificate_number_of,
    read_claim,
    read_coverage_request,
    read_decision,
    read_periods_request,
    read_person,
    refusal_reasons_of,
)
from gateway.demo.backoffice.documents._writing import (
    SCHEMA_VERSION,
    CountedPeriod,
    ReplyPeriod,
    acknowledgement_document,
    certificate_document,
    claim_document,
    coverage_refusal_document,
    coverage_request_document,
    decision_document,
    periods_reply_document,
    periods_request_document,
)

__all__ = [
    "SCHEMA_VERSION",
    "Claim",
    "CountedPeriod",
    "CoverageRequest",
    "DecisionSummary",
    "PeriodsRequest",
    "ReplyPeriod",
    "acknowledgement_document",
    "benefit_branch",
    "certificate_document",
    "certificate_number_of",
    "claim_document",
    "coverage_refusal_document",
    "coverage_request_document",
    "decision_document",
    "periods_reply_document",
    "periods_request_document",
    "read_claim",
    "read_coverage_request",
    "read_decision",
    "read_periods_request",
    "read_person",
    "refusal_reasons_of",
]
