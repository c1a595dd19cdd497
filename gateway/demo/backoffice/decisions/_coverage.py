"""Coverage: a certificate of the legislation that applies to a posted worker, or a refusal."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from gateway.codes import Principle
from gateway.demo.backoffice.decisions._common import EU_REGULATION, shorten
from gateway.demo.backoffice.documents import (
    CoverageRequest,
    certificate_document,
    coverage_refusal_document,
    read_coverage_request,
)
from gateway.demo.backoffice.register import Register
from gateway.directory import (
    Agreement,
    AgreementStage,
    Directory,
    NetworkKind,
    posting_limit_refusal,
)
from gateway.documents import DocumentType, Posting

__all__ = [
    "DEFAULT_POSTING_LIMIT_MONTHS",
    "CoverageDecision",
    "PostingRule",
    "certificate_number",
    "decide_coverage",
    "posting_rule",
]

#: The posting limit this back-office applies to requests when the directory gives the
#: agreement none: the EU Regulation's (Art. 12). Its own caution in deciding requests; the
#: node's policy holds certificates to the directory's limits only.
DEFAULT_POSTING_LIMIT_MONTHS = 24


@dataclass(frozen=True, slots=True)
class PostingRule:
    """How long a posting keeps the sending country's legislation, and on what basis."""

    limit_months: int
    agreement: str
    legal_basis: str


def _usable(directory: Directory, agreement: Agreement, on: dt.date) -> bool:
    if agreement.stage is AgreementStage.IN_FORCE:
        return agreement.applies_on(on)
    return (
        directory.network is NetworkKind.TEST
        and agreement.stage is AgreementStage.ADMINISTRATIVE_ARRANGEMENT
    )


def posting_rule(
    directory: Directory, sending: str, host: str, *, on: dt.date
) -> PostingRule | None:
    """The posting rule between two countries on day ``on``, or None when no agreement with
    the applicable-legislation principle binds them.

    The EU Regulation first when both are its parties (Art. 12: 24 months, or the limit the
    directory gives it); otherwise a bilateral agreement's ``posting_limit_months``; otherwise,
    the agreement giving no limit, :data:`DEFAULT_POSTING_LIMIT_MONTHS`.
    """
    agreements = [
        agreement
        for agreement in directory.agreements_between(sending, host)
        if _usable(directory, agreement, on)
        and Principle.APPLICABLE_LEGISLATION in agreement.principles
    ]
    if not agreements:
        return None
    for agreement in agreements:
        if agreement.id == EU_REGULATION:
            return PostingRule(
                agreement.posting_limit_months or DEFAULT_POSTING_LIMIT_MONTHS,
                agreement.id,
                "Regulation (EC) No 883/2004, Art. 12(1)",
            )
    limited = [agreement for agreement in agreements if agreement.posting_limit_months]
    agreement = limited[0] if limited else agreements[0]
    return PostingRule(
        agreement.posting_limit_months or DEFAULT_POSTING_LIMIT_MONTHS,
        agreement.id,
        shorten(f"{agreement.title}, posted workers"),
    )


@dataclass(frozen=True, slots=True)
class CoverageDecision:
    """The answer to a ``CoverageRequest``: a certificate (with its number) or a refusal
    (with its reason codes)."""

    document: bytes
    document_type: DocumentType
    certificate_number: str | None = None
    reasons: tuple[str, ...] = ()
    rule: PostingRule | None = None


def decide_coverage(
    register: Register,
    request: etree._Element,
    *,
    directory: Directory,
    today: dt.date,
    certificate_number: str,
    local_case_number: str | None = None,
) -> CoverageDecision | None:
    """The answer to a ``CoverageRequest`` root element, or None for a request this
    back-office does not decide by itself (any kind but a posting: a caseworker's).

    A posting keeps the sending country's legislation for at most the months of its
    :func:`posting_rule`: certified (``ApplicableLegislation`` the sending country, the
    requested period, number ``certificate_number``) when the requested period ends before
    the limit, refused with ``period-exceeds-limit`` otherwise. Also refused: a request about
    another country's legislation (``not-competent``), one without an end
    (``incomplete-information``), a worker this register does not insure
    (``not-insured-in-sending-state``) and countries no agreement binds (``other``).
    """
    asked = read_coverage_request(request)
    if asked.kind != "posting":
        return None
    rule = posting_rule(directory, asked.sending_country, asked.host_country, on=today)
    reason = _coverage_refusal_reason(register, asked, rule)
    if reason is not None:
        return CoverageDecision(
            document=coverage_refusal_document(
                kind=asked.kind,
                worker=asked.worker,
                requested=asked.requested,
                decided_on=today,
                reasons=[reason],
                local_case_number=local_case_number,
            ),
            document_type=DocumentType.COVERAGE_REFUSAL,
            reasons=(reason[0],),
            rule=rule,
        )
    assert rule is not None  # no refusal reason means a rule was found
    return CoverageDecision(
        document=_certificate(register, asked, rule, today=today, number=certificate_number),
        document_type=DocumentType.COVERAGE_CERTIFICATE,
        certificate_number=certificate_number,
        rule=rule,
    )


def _certificate(
    register: Register, asked: CoverageRequest, rule: PostingRule, *, today: dt.date, number: str
) -> bytes:
    """The certificate that the sending country's legislation applies for the period asked."""
    return certificate_document(
        number=number,
        kind=asked.kind,
        worker=asked.worker,
        employer=asked.employer,
        applicable_legislation=asked.sending_country,
        start=asked.start,
        end=asked.end,
        requested=asked.requested,
        issuing_institution=register.institution,
        issued_on=today,
        legal_basis=rule.legal_basis,
        conditions=(
            "Valid while the worker remains employed by the sending employer and works "
            "in the host country for it.",
        ),
    )


def _coverage_refusal_reason(
    register: Register, asked: CoverageRequest, rule: PostingRule | None
) -> tuple[str, str] | None:
    if asked.sending_country != register.country:
        return (
            "not-competent",
            f"{register.institution} certifies the legislation of {register.country}, not of "
            f"{asked.sending_country}.",
        )
    if asked.end is None:
        return ("incomplete-information", "A posting is temporary; the request gives no end.")
    if rule is None:
        return (
            "other",
            f"No agreement determining the applicable legislation binds "
            f"{asked.sending_country} and {asked.host_country}.",
        )
    if register.find(asked.worker.pins) is None:
        return (
            "not-insured-in-sending-state",
            f"The worker is not insured with {register.institution} under the "
            f"{register.country} identification number given.",
        )
    # The node's own rule, so that what this office certifies the node lets through.
    too_long = posting_limit_refusal(
        Posting(start=asked.start, end=asked.end),
        limit_months=rule.limit_months,
        agreement_id=rule.agreement,
    )
    if too_long is not None:
        return (
            "period-exceeds-limit",
            f"A posting under {rule.agreement} keeps the sending country's legislation for "
            f"at most {rule.limit_months} months; the requested period is longer.",
        )
    return None


def certificate_number(institution: str, year: int, sequence: int) -> str:
    """A certificate number: country, code, year and a sequence, e.g. FR-URSSAF-2026-0000001."""
    country, code = institution.split(":", 1)
    return f"{country}-{code}-{year}-{sequence:07d}"
