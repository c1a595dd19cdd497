"""A reference back-office: an institution simulator that drives its node through the REST API.

It keeps a small :class:`~adapters.register.Register` of insured persons and answers what
arrives in its node's inbox the way the institution would:

- an ``InsurancePeriodsRequest``: the periods it holds for the person a number of its own
  country identifies (``NoPeriodsFound`` when it knows nobody by that number);
- a ``BenefitClaim``: it acknowledges the claim, asks the institutions of the other countries
  where the person was insured for their periods (inside the claim's case), waits for the
  replies, totalizes, and decides with its pro-rata share; a claim of a later schema version
  than 1.0 is left to a caseworker;
- a ``CoverageRequest``: it certifies a posting within the limit that applies, or refuses it;
  any other kind of request is left to a caseworker.

The decisions are pure functions from the register and the incoming document to the
outgoing document (:func:`answer_periods_request`, :func:`acknowledge_claim`,
:func:`plan_periods_requests`, :func:`decide_claim`, :func:`decide_coverage`); the
:class:`BackOffice` class is the thin loop around them: ``inbox`` (long-poll), handle,
``acknowledge``, never the same item twice. The rules and their simplifications are in
``docs/demo.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import logging
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import httpx2
from lxml import etree

from adapters._state import OneLineParser, UsageError, read_secret, seconds_between
from adapters.client import GatewayApiError, GatewayClient, InboxItem
from adapters.documents import (
    SCHEMA_VERSION,
    Claim,
    CountedPeriod,
    CoverageRequest,
    ReplyPeriod,
    acknowledgement_document,
    certificate_document,
    claim_document,
    coverage_refusal_document,
    coverage_request_document,
    decision_document,
    periods_reply_document,
    periods_request_document,
    read_claim,
    read_coverage_request,
    read_periods_request,
)
from adapters.register import ClaimApplication, CoverageApplication, Register, sample_registers
from adapters.webhook import API_KEY_VARIABLE
from gateway.cases import (
    Career,
    InsurancePeriod,
    periods_from_reply,
    theoretical_pro_rata,
    totalize,
)
from gateway.codes import Branch, Principle
from gateway.directory import (
    Agreement,
    AgreementStage,
    Directory,
    NetworkKind,
    Permitted,
    decide,
    load_directory,
)
from gateway.documents import CaseType, DocumentType, parse_untrusted
from gateway.errors import GatewayError
from gateway.security import load_certificate

__all__ = [
    "DECISION_WITHIN",
    "DEFAULT_POSTING_LIMIT_MONTHS",
    "EU_REGULATION",
    "BackOffice",
    "Calculation",
    "ClaimDecision",
    "CoverageDecision",
    "DecisionRecord",
    "LodgedClaim",
    "PeriodsPlan",
    "PlannedRequest",
    "PostingRule",
    "Received",
    "Refusal",
    "Sent",
    "acknowledge_claim",
    "answer_periods_request",
    "as_of_day",
    "certificate_number",
    "decide_claim",
    "decide_coverage",
    "effective_from",
    "local_case_number",
    "main",
    "plan_periods_requests",
    "posting_rule",
    "request_periods",
    "wait_until",
]

log = logging.getLogger("adapters.backoffice")

#: The agreement whose posting rule takes precedence between two of its parties.
EU_REGULATION = "EU-883-2004"
#: The posting limit applied when the agreement gives none: the EU Regulation's (Art. 12).
DEFAULT_POSTING_LIMIT_MONTHS = 24
#: How long after receiving a claim the institution expects to decide.
DECISION_WITHIN = dt.timedelta(days=120)


def local_case_number(institution: str, case_id: uuid.UUID) -> str:
    """The institution's own number for a network case: its code and the case id's start."""
    return f"{institution.split(':', 1)[1]}-{case_id.hex[:10].upper()}"


def _months_touched(start: dt.date, end: dt.date) -> int:
    """The calendar months from ``start`` to ``end`` that hold at least one day of the span."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later (the month's last day when it is shorter)."""
    year, index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = index + 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


# --- Periods ----------------------------------------------------------------------------------


def answer_periods_request(
    register: Register,
    request: etree._Element,
    *,
    today: dt.date,
    local_case_number: str | None = None,
) -> bytes:
    """The ``InsurancePeriodsReply`` to an ``InsurancePeriodsRequest`` root element.

    The person is looked up by a number of the register's country; the reply lists that
    person's periods that count for one of the requested branches (a running period without
    an end), or says why it lists none.
    """
    asked = read_periods_request(request)
    insured = register.find(asked.person.pins)
    if insured is None:
        return periods_reply_document(
            person=asked.person,
            branches=asked.branches,
            periods=(),
            no_periods_reason="person-not-identified",
            local_case_number=local_case_number,
            remarks=f"No insured person is registered with {register.institution} under the "
            f"{register.country} identification number given, or none was given.",
        )
    relevant = [period for period in insured.periods if period.counts_for_any(asked.branches)]
    reason = None
    if not insured.periods:
        reason = "no-periods-recorded"
    elif not relevant:
        reason = "no-relevant-periods"
    return periods_reply_document(
        person=insured.person,
        branches=asked.branches,
        periods=[
            ReplyPeriod(
                country=register.country,
                institution=register.institution,
                start=period.start,
                end=period.end,
                kind=period.kind,
                scheme=period.scheme,
                months=_months_touched(period.start, period.end or today),
                counts_for=tuple(branch for branch in Branch if branch in period.counts_for),
            )
            for period in sorted(relevant, key=lambda period: period.start)
        ],
        no_periods_reason=reason,
        local_case_number=local_case_number,
    )


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """An institution to ask for the periods of ``country``, and the agreement that allows it."""

    country: str
    institution: str
    agreement: str | None


@dataclass(frozen=True, slots=True)
class PeriodsPlan:
    """Whom a deciding institution asks for periods, and which countries it cannot ask."""

    ask: tuple[PlannedRequest, ...]
    not_asked: tuple[tuple[str, str], ...]
    """(country, why) for each country whose periods cannot be asked for."""


def _periods_partner(
    directory: Directory, institution: str, country: str, branch: Branch, on: dt.date
) -> PlannedRequest | str:
    """The institution of ``country`` to ask for periods counting for ``branch``, or why none.

    An institution that handles insurance periods, is competent for the branch, and that the
    agreement policy lets ``institution`` ask; the first by id when several qualify.
    """
    candidates = sorted(
        candidate.id
        for candidate in directory.institutions.values()
        if candidate.country == country
        and candidate.handles(CaseType.INSURANCE_PERIODS)
        and branch in candidate.branches
    )
    if not candidates:
        return f"no institution of {country} handles {branch.value} periods"
    why_not = ""
    for candidate in candidates:
        verdict = decide(
            directory,
            sender=institution,
            recipient=candidate,
            document_type=DocumentType.INSURANCE_PERIODS_REQUEST,
            schema_version=SCHEMA_VERSION,
            branches=frozenset({branch}),
            on=on,
        )
        if isinstance(verdict, Permitted):
            agreement = verdict.agreement.id if verdict.agreement else None
            return PlannedRequest(country, candidate, agreement)
        why_not = verdict.detail
    return why_not


def plan_periods_requests(
    register: Register,
    claim: Claim,
    *,
    directory: Directory,
    today: dt.date,
    claim_sender: str | None = None,
) -> PeriodsPlan:
    """Whom to ask for the periods a claim needs.

    The countries are the claim's ``OtherInsuranceCountries`` and the country of the
    institution that sent the claim (``claim_sender``; None when the claim was lodged here),
    without this institution's own. For each, an institution the agreement policy lets this
    one ask (:func:`gateway.directory.decide`); a country without one is listed in
    ``not_asked`` with the policy's reason.
    """
    countries = set(claim.other_countries)
    if claim_sender is not None:
        countries.add(claim_sender.split(":", 1)[0])
    countries.discard(register.country)
    ask: list[PlannedRequest] = []
    not_asked: list[tuple[str, str]] = []
    for country in sorted(countries):
        partner = _periods_partner(directory, register.institution, country, claim.branch, today)
        if isinstance(partner, PlannedRequest):
            ask.append(partner)
        else:
            not_asked.append((country, partner))
    return PeriodsPlan(tuple(ask), tuple(not_asked))


def request_periods(claim: Claim, *, local_case_number: str | None = None) -> bytes:
    """The ``InsurancePeriodsRequest`` a deciding institution sends for a claim: the insured
    person as the claim identifies them, the claim's branch and date."""
    return periods_request_document(
        person=claim.insured,
        branches=(claim.branch,),
        claim_date=claim.claim_date,
        local_case_number=local_case_number,
    )


# --- Claims -----------------------------------------------------------------------------------


def effective_from(claim_date: dt.date) -> dt.date:
    """The day a granted pension starts: the first day of the month after the claim."""
    return _add_months(claim_date.replace(day=1), 1)


def as_of_day(claim_date: dt.date) -> dt.date:
    """The day the career is assessed at: the day before the pension starts."""
    return effective_from(claim_date) - dt.timedelta(days=1)


def acknowledge_claim(
    register: Register,
    claim: Claim,
    *,
    today: dt.date,
    local_case_number: str,
    awaiting: Sequence[PlannedRequest] = (),
) -> bytes:
    """The ``BenefitClaimAcknowledgement`` of a claim; ``awaiting`` are the periods requests
    the institution sends before it can decide."""
    missing = [
        (
            "periods-abroad",
            f"Periods completed in {request.country} are requested from "
            f"{request.institution} before the pro-rata calculation.",
        )
        for request in awaiting
    ]
    return acknowledgement_document(
        benefit_kind=claim.benefit_kind,
        received_on=today,
        local_case_number=local_case_number,
        expected_decision_by=today + DECISION_WITHIN,
        missing=missing,
    )


@dataclass(frozen=True, slots=True)
class Calculation:
    """One pro-rata calculation: the career totalized under one agreement.

    ``agreement`` is None for a calculation on this country's periods alone. ``own_days``
    over ``total_days`` is the pro-rata fraction; ``amount`` is ``theoretical`` times it,
    rounded once to cents.
    """

    agreement: str | None
    countries: tuple[str, ...]
    own_days: int
    total_days: int
    total_months: int
    theoretical: Decimal
    amount: Decimal

    @property
    def fraction(self) -> Fraction:
        """The pro-rata fraction, exact."""
        return Fraction(self.own_days, self.total_days)


@dataclass(frozen=True, slots=True)
class ClaimDecision:
    """A decision on a claim: the ``BenefitDecision`` document and what it says.

    ``calculations`` has one entry per agreement under which periods abroad were totalized
    (one on the own periods alone when none were); ``chosen`` is the one the amount comes
    from, the highest. A refusal has no calculation and gives its ``reasons`` codes.
    """

    document: bytes
    granted: bool
    currency: str | None
    calculations: tuple[Calculation, ...] = ()
    chosen: Calculation | None = None
    reasons: tuple[str, ...] = ()

    @property
    def amount(self) -> Decimal | None:
        """The amount granted per month, None when refused."""
        return self.chosen.amount if self.chosen else None


def _totalization_basis(agreement: Agreement | None) -> str | None:
    if agreement is None:
        return None
    if agreement.id == EU_REGULATION:
        return "Regulation (EC) No 883/2004, Art. 52(1)(b)"
    return f"{agreement.title}, totalization"


def _short(text: str, limit: int = 255) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _counted_periods(career: Career, country: str) -> list[CountedPeriod]:
    """The country's counted days as periods: consecutive days of one period run together."""
    runs: list[CountedPeriod] = []
    current: tuple[InsurancePeriod, dt.date, dt.date] | None = None
    for segment in career.segments:
        if segment.country != country:
            continue
        if (
            current is not None
            and current[0] == segment.counted
            and current[2] + dt.timedelta(days=1) == segment.start
        ):
            current = (current[0], current[1], segment.end)
            continue
        if current is not None:
            runs.append(_counted(*current))
        current = (segment.counted, segment.start, segment.end)
    if current is not None:
        runs.append(_counted(*current))
    return runs


def _counted(period: InsurancePeriod, start: dt.date, end: dt.date) -> CountedPeriod:
    return CountedPeriod(period.country, start, end, period.kind, _months_touched(start, end))


def _refused_claim(
    register: Register,
    claim: Claim,
    *,
    today: dt.date,
    local_case_number: str,
    code: str,
    text: str,
) -> ClaimDecision:
    pension = register.pension
    document = decision_document(
        benefit_kind=claim.benefit_kind,
        person=claim.claimant,
        decided_on=today,
        granted=False,
        reasons=[(code, text)],
        appeal_body=pension.appeal.body if pension else f"{register.institution} appeals office",
        appeal_deadline_days=pension.appeal.deadline_days if pension else 60,
        appeal_address=pension.appeal.address if pension else None,
        local_case_number=local_case_number,
    )
    return ClaimDecision(
        document=document,
        granted=False,
        currency=pension.currency if pension else None,
        reasons=(code,),
    )


def _agreement(directory: Directory, agreement_id: str | None) -> Agreement | None:
    return next((a for a in directory.agreements if a.id == agreement_id), None)


def decide_claim(
    register: Register,
    claim: Claim,
    received: Iterable[InsurancePeriod],
    *,
    directory: Directory,
    today: dt.date,
    local_case_number: str,
) -> ClaimDecision:
    """The decision on ``claim``, with the periods ``received`` from other institutions.

    The career is assessed the day before the pension would start (:func:`as_of_day`), on the
    periods that count for the claim's branch. Periods abroad are totalized with this
    institution's own under the agreement that lets it ask that country for them; a country
    bound to it by none is left out. When periods came in under several agreements (a country
    bound to some partners by the EU Regulation and to others by a bilateral agreement), each
    agreement gets its own calculation and the highest amount is granted. The theoretical
    amount is :meth:`~adapters.register.PensionRules.theoretical_amount` of that career; the
    amount is its pro-rata share (:func:`gateway.cases.theoretical_pro_rata`).

    Refused when the institution pays no pensions, does not know the insured person by a
    number of its country, or holds no period of that person counting for the branch.
    """
    pension = register.pension

    def refuse(code: str, text: str) -> ClaimDecision:
        return _refused_claim(
            register, claim, today=today, local_case_number=local_case_number, code=code, text=text
        )

    if pension is None:
        return refuse("other", f"{register.institution} pays no {claim.benefit_kind} benefits.")
    insured = register.find(claim.insured.pins)
    if insured is None:
        return refuse(
            "other",
            f"No insured person is registered with {register.institution} under the "
            f"{register.country} identification number of the claim.",
        )
    branch = claim.branch
    as_of = as_of_day(claim.claim_date)
    own = register.insurance_periods(insured, [branch])
    partners: dict[str, PlannedRequest | str] = {}
    by_agreement: dict[str | None, list[InsurancePeriod]] = {}
    for period in received:
        if branch not in period.counts_for:
            continue
        if period.country == register.country:
            own.append(period)
            continue
        if period.country not in partners:
            partners[period.country] = _periods_partner(
                directory, register.institution, period.country, branch, today
            )
        partner = partners[period.country]
        # Periods of a country no agreement lets this institution ask are not totalized.
        if isinstance(partner, PlannedRequest) and partner.agreement is not None:
            by_agreement.setdefault(partner.agreement, []).append(period)
    groups: dict[str | None, list[InsurancePeriod]] = by_agreement or {None: []}
    calculations: list[tuple[Calculation, Career]] = []
    for agreement_id, abroad in groups.items():
        career = totalize([*own, *abroad], as_of=as_of).for_branch(branch)
        own_days = career.days_by_country.get(register.country, 0)
        if own_days == 0:
            continue
        theoretical = pension.theoretical_amount(career)
        calculation = Calculation(
            agreement=agreement_id,
            countries=tuple(career.days_by_country),
            own_days=own_days,
            total_days=career.total_days,
            total_months=career.total_months,
            theoretical=theoretical,
            amount=theoretical_pro_rata(theoretical, career, register.country),
        )
        calculations.append((calculation, career))
    if not calculations:
        return refuse(
            "insufficient-periods",
            f"{register.institution} holds no period counting for {branch.value} "
            f"benefits up to {as_of.isoformat()}.",
        )
    chosen, career = max(calculations, key=lambda entry: entry[0].amount)
    basis = _totalization_basis(_agreement(directory, chosen.agreement))
    document = decision_document(
        benefit_kind=claim.benefit_kind,
        person=claim.claimant,
        decided_on=today,
        granted=True,
        amount=chosen.amount,
        currency=pension.currency,
        frequency="monthly",
        effective_from=effective_from(claim.claim_date),
        legal_basis=_short(f"{pension.legal_basis}; {basis}" if basis else pension.legal_basis),
        periods_counted=_counted_periods(career, register.country),
        pro_rata=(chosen.own_days, chosen.total_days),
        appeal_body=pension.appeal.body,
        appeal_deadline_days=pension.appeal.deadline_days,
        appeal_address=pension.appeal.address,
        local_case_number=local_case_number,
    )
    return ClaimDecision(
        document=document,
        granted=True,
        currency=pension.currency,
        calculations=tuple(calculation for calculation, _ in calculations),
        chosen=chosen,
    )


# --- Coverage ---------------------------------------------------------------------------------


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
        and agreement.stage is AgreementStage.ARRANGEMENT_CONCLUDED
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
        _short(f"{agreement.title}, posted workers"),
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
        document=certificate_document(
            number=certificate_number,
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
        ),
        document_type=DocumentType.COVERAGE_CERTIFICATE,
        certificate_number=certificate_number,
        rule=rule,
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
    if asked.end >= _add_months(asked.start, rule.limit_months):
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


# --- The loop ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sent:
    """A document the back-office handed to its node."""

    message_id: uuid.UUID
    case_id: uuid.UUID
    document_type: str
    sender: str
    recipient: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """A document the node refused to send: the problem's status, code and detail."""

    document_type: str
    sender: str
    recipient: str
    status: int
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Received:
    """A document taken from the node's inbox."""

    message_id: uuid.UUID
    case_id: uuid.UUID
    document_type: str
    sender: str
    in_reply_to: uuid.UUID | None
    document: bytes


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A decision this institution made on a claim. ``sent_to`` names the institutions it
    went to: the claim's sender, or for a claim lodged here (whose decision is the claimant's)
    the institutions the claim was passed on to, so they know it too."""

    case_id: uuid.UUID
    decision: ClaimDecision
    sent_to: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LodgedClaim:
    """A claim passed on to the other countries: the case, and each recipient's outcome."""

    case_id: uuid.UUID | None
    sent: tuple[Sent, ...]
    refused: tuple[Refusal, ...]


@dataclass
class _Gathering:
    """A claim waiting for periods before it is decided."""

    case_id: uuid.UUID
    claim: Claim
    claim_message: uuid.UUID | None
    requester: str | None
    local_case_number: str
    claim_recipients: tuple[str, ...] = ()
    waiting: dict[uuid.UUID, str] = field(default_factory=dict)
    received: list[InsurancePeriod] = field(default_factory=list)


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class BackOffice:
    """One institution's back-office on its node: answers its inbox from its register.

    ``report`` gets a progress line for everything it does (no personal data: institutions,
    document types, outcomes). Everything it sent, received, decided or was refused is kept
    in the public lists for inspection. Use :meth:`run` in a thread of its own, or
    :meth:`poll` step by step; :meth:`lodge_claim` and :meth:`request_coverage` may be called
    from other threads.
    """

    def __init__(
        self,
        client: GatewayClient,
        register: Register,
        directory: Directory,
        *,
        today: Callable[[], dt.date] = _utc_today,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.register = register
        self.directory = directory
        self.institution: str = register.institution
        self._today = today
        self._report = report
        self.sent: list[Sent] = []
        self.refused: list[Refusal] = []
        self.received: list[Received] = []
        self.decisions: list[DecisionRecord] = []
        self.coverage_decisions: list[CoverageDecision] = []
        self.not_asked: list[tuple[str, str]] = []
        self.failures: list[str] = []
        #: Inbox items taken but not acted on: a caseworker decides them.
        self.for_caseworker: list[InboxItem] = []
        self._lock = threading.RLock()
        self._handled: set[uuid.UUID] = set()
        self._cursor = 0
        self._gatherings: dict[uuid.UUID, _Gathering] = {}
        self._requests: dict[uuid.UUID, uuid.UUID] = {}
        self._certificates = itertools.count(1)

    # Reporting and sending ----------------------------------------------------------------

    def _say(self, message: str) -> None:
        log.info("%s %s", self.institution, message)
        if self._report is not None:
            self._report(f"  {self.institution:<11} {message}")

    def _submit(
        self,
        document: bytes,
        document_type: DocumentType,
        recipient: str,
        *,
        case_id: uuid.UUID | None = None,
        in_reply_to: uuid.UUID | None = None,
        document_set_id: uuid.UUID | None = None,
    ) -> Sent | Refusal:
        try:
            submission = self.client.submit(
                document,
                recipient=recipient,
                case_id=case_id,
                in_reply_to=in_reply_to,
                document_set_id=document_set_id,
            )
        except GatewayApiError as error:
            refusal = Refusal(
                document_type.root_name,
                self.institution,
                recipient,
                error.status,
                error.code,
                error.detail or error.title,
            )
            self.refused.append(refusal)
            return refusal
        sent = Sent(
            submission.id,
            submission.case_id,
            document_type.root_name,
            self.institution,
            recipient,
        )
        self.sent.append(sent)
        return sent

    # Acting on the back-office's own initiative ------------------------------------------

    def lodge_claim(self, application: ClaimApplication) -> LodgedClaim:
        """Pass a claim lodged here on to an institution of each other country (the same
        document set, one message each, in one case), then gather periods to decide this
        institution's own part. Recipients the node refuses are reported and skipped."""
        with self._lock:
            insured = self.register.find([application.pin])
            if insured is None:
                raise LookupError(f"{self.institution} has nobody registered under that number")
            person = insured.person
            residence = person.residence
            if residence is None:
                raise ValueError("the claimant has no residence address on record")
            document = claim_document(
                benefit_kind=application.benefit_kind,
                claimant=person,
                claim_date=application.claim_date,
                residence=residence,
                payment=application.payment,
                other_countries=application.other_countries,
                remarks=application.remarks,
            )
            claim = read_claim(parse_untrusted(document).getroot())
            set_id = uuid.uuid4()
            case_id: uuid.UUID | None = None
            sent: list[Sent] = []
            refused: list[Refusal] = []
            for country in application.other_countries:
                recipient = self._claim_recipient(country, claim.branch)
                if recipient is None:
                    self._say(f"finds no institution of {country} deciding {claim.branch} claims")
                    continue
                outcome = self._submit(
                    document,
                    DocumentType.BENEFIT_CLAIM,
                    recipient,
                    case_id=case_id,
                    document_set_id=set_id,
                )
                if isinstance(outcome, Sent):
                    case_id = outcome.case_id
                    sent.append(outcome)
                    self._say(f"sends the {claim.benefit_kind} BenefitClaim to {recipient}")
                else:
                    refused.append(outcome)
                    self._say(
                        f"cannot send the {claim.benefit_kind} BenefitClaim to {recipient}: "
                        f"{outcome.detail}"
                    )
            if case_id is not None:
                gathering = _Gathering(
                    case_id=case_id,
                    claim=claim,
                    claim_message=None,
                    requester=None,
                    local_case_number=local_case_number(self.institution, case_id),
                    claim_recipients=tuple(outcome.recipient for outcome in sent),
                )
                self._gather(gathering, None)
            return LodgedClaim(case_id, tuple(sent), tuple(refused))

    def _claim_recipient(self, country: str, branch: Branch) -> str | None:
        candidates = sorted(
            institution.id
            for institution in self.directory.institutions.values()
            if institution.country == country
            and institution.handles(CaseType.BENEFIT_CLAIM)
            and branch in institution.branches
        )
        return candidates[0] if candidates else None

    def request_coverage(
        self, application: CoverageApplication, recipient: str | None = None
    ) -> Sent | Refusal:
        """Ask an institution of the sending country (the first that handles coverage, unless
        ``recipient`` is given) to certify the legislation that applies to a worker."""
        with self._lock:
            if recipient is None:
                recipient = min(
                    institution.id
                    for institution in self.directory.institutions.values()
                    if institution.country == application.sending_country
                    and institution.handles(CaseType.COVERAGE)
                )
            document = coverage_request_document(
                kind=application.kind,
                worker=application.worker,
                employer=application.employer,
                sending_country=application.sending_country,
                host_country=application.host_country,
                work_addresses=application.work_addresses,
                start=application.start,
                end=application.end,
                local_case_number=application.local_case_number,
            )
            outcome = self._submit(document, DocumentType.COVERAGE_REQUEST, recipient)
            if isinstance(outcome, Sent):
                length = (
                    f"{_months_touched(application.start, application.end)}-month "
                    if application.end is not None
                    else "open-ended "
                )
                self._say(
                    f"asks {recipient} to certify a {length}{application.kind} from "
                    f"{application.sending_country} to {application.host_country}"
                )
            else:
                self._say(f"cannot ask {recipient} for coverage: {outcome.detail}")
            return outcome

    # The inbox loop ------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, wait: float = 1.0) -> None:
        """Handle the inbox until ``stop`` is set; a node that does not answer is retried."""
        while not stop.is_set():
            try:
                self.poll(wait=wait)
            except (httpx2.HTTPError, GatewayApiError) as error:
                log.warning("%s: the node did not answer: %s", self.institution, error)
                stop.wait(min(wait, 1.0) or 0.1)

    def poll(self, *, wait: float = 0) -> int:
        """Take one inbox page (long-polling up to ``wait`` seconds): handle each item not
        handled before, then acknowledge it. Returns how many items were handled."""
        page = self.client.inbox(after=self._cursor, wait=wait)
        handled = 0
        for item in page.items:
            if item.id not in self._handled:
                # A document that cannot be fetched is left for the next page; once fetched,
                # the item is handled exactly once, whatever happens while it is.
                document = self.client.document(item.id)
                with self._lock:
                    self._handled.add(item.id)
                    self._handle(item, document)
                handled += 1
            # Acknowledged after handling; a failed acknowledgement is retried on the next
            # page (the item stays in the inbox) without handling the item again.
            self.client.acknowledge(item.id)
            self._cursor = max(self._cursor, item.cursor)
        return handled

    def _handle(self, item: InboxItem, document: bytes) -> None:
        self.received.append(
            Received(
                item.id, item.case_id, item.document_type, item.sender, item.in_reply_to, document
            )
        )
        handlers: dict[str, Callable[[InboxItem, etree._Element], None]] = {
            DocumentType.INSURANCE_PERIODS_REQUEST.root_name: self._on_periods_request,
            DocumentType.INSURANCE_PERIODS_REPLY.root_name: self._on_periods_reply,
            DocumentType.BENEFIT_CLAIM.root_name: self._on_claim,
            DocumentType.COVERAGE_REQUEST.root_name: self._on_coverage_request,
        }
        handler = handlers.get(item.document_type)
        try:
            if handler is None:
                self._say(f"takes the {item.document_type} of {item.sender}")
            else:
                handler(item, parse_untrusted(document).getroot())
        except (ValueError, LookupError, httpx2.HTTPError) as error:
            # Taken all the same (acknowledged): the failure is left for a caseworker.
            self.failures.append(f"{item.document_type} {item.id}: {error}")
            self._say(f"could not act on the {item.document_type} of {item.sender}: {error}")

    def _on_periods_request(self, item: InboxItem, root: etree._Element) -> None:
        reply = answer_periods_request(
            self.register,
            root,
            today=self._today(),
            local_case_number=local_case_number(self.institution, item.case_id),
        )
        outcome = self._submit(
            reply,
            DocumentType.INSURANCE_PERIODS_REPLY,
            item.sender,
            case_id=item.case_id,
            in_reply_to=item.id,
        )
        listed = b"NoPeriodsFound" not in reply
        what = "its periods" if listed else "no periods found"
        self._say(self._outcome(f"answers {item.sender}'s periods request: {what}", outcome))

    def _outcome(self, done: str, outcome: Sent | Refusal) -> str:
        if isinstance(outcome, Refusal):
            return f"{done}, but the node refused it: {outcome.detail}"
        return done

    def _leave_to_caseworker(self, item: InboxItem, what: str) -> None:
        self.for_caseworker.append(item)
        self._say(f"leaves the {what} of {item.sender} to a caseworker")

    def _on_claim(self, item: InboxItem, root: etree._Element) -> None:
        version = root.get("schemaVersion", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            # The rules here weigh what a 1.0 claim holds. A later version may carry a family,
            # a representative, other benefits or a deferral that they would pass over
            # silently; a caseworker sees all of it.
            self._leave_to_caseworker(item, f"BenefitClaim (schema {version})")
            return
        claim = read_claim(root)
        gathering = _Gathering(
            case_id=item.case_id,
            claim=claim,
            claim_message=item.id,
            requester=item.sender,
            local_case_number=local_case_number(self.institution, item.case_id),
        )
        self._gather(gathering, item.sender)

    def _gather(self, gathering: _Gathering, claim_sender: str | None) -> None:
        """Acknowledge a received claim, then ask for periods (or decide at once)."""
        claim = gathering.claim
        today = self._today()
        known = (
            self.register.pension is not None and self.register.find(claim.insured.pins) is not None
        )
        plan = (
            plan_periods_requests(
                self.register,
                claim,
                directory=self.directory,
                today=today,
                claim_sender=claim_sender,
            )
            if known
            else PeriodsPlan((), ())
        )
        if gathering.requester is not None and gathering.claim_message is not None:
            acknowledgement = acknowledge_claim(
                self.register,
                claim,
                today=today,
                local_case_number=gathering.local_case_number,
                awaiting=plan.ask,
            )
            outcome = self._submit(
                acknowledgement,
                DocumentType.BENEFIT_CLAIM_ACKNOWLEDGEMENT,
                gathering.requester,
                case_id=gathering.case_id,
                in_reply_to=gathering.claim_message,
            )
            self._say(
                self._outcome(f"acknowledges the BenefitClaim of {gathering.requester}", outcome)
            )
            if isinstance(outcome, Refusal):
                return
        for country, why in plan.not_asked:
            self.not_asked.append((country, why))
            self._say(f"cannot ask {country} for periods: {why}")
        request = request_periods(claim, local_case_number=gathering.local_case_number)
        for planned in plan.ask:
            outcome = self._submit(
                request,
                DocumentType.INSURANCE_PERIODS_REQUEST,
                planned.institution,
                case_id=gathering.case_id,
            )
            if isinstance(outcome, Sent):
                gathering.waiting[outcome.message_id] = planned.institution
                self._requests[outcome.message_id] = gathering.case_id
            under = f" under {planned.agreement}" if planned.agreement else ""
            self._say(self._outcome(f"asks {planned.institution} for periods{under}", outcome))
        self._gatherings[gathering.case_id] = gathering
        if not gathering.waiting:
            self._decide(gathering)

    def _on_periods_reply(self, item: InboxItem, root: etree._Element) -> None:
        case_id = self._requests.pop(item.in_reply_to, None) if item.in_reply_to else None
        gathering = self._gatherings.get(case_id) if case_id else None
        if gathering is None or item.in_reply_to not in gathering.waiting:
            self.failures.append(f"InsurancePeriodsReply {item.id}: no request waits for it")
            self._say(f"takes a periods reply of {item.sender} it did not wait for")
            return
        del gathering.waiting[item.in_reply_to]
        periods = periods_from_reply(root)
        gathering.received.extend(periods)
        self._say(f"receives {len(periods)} periods from {item.sender}")
        if not gathering.waiting:
            self._decide(gathering)

    def _decide(self, gathering: _Gathering) -> None:
        del self._gatherings[gathering.case_id]
        decision = decide_claim(
            self.register,
            gathering.claim,
            gathering.received,
            directory=self.directory,
            today=self._today(),
            local_case_number=gathering.local_case_number,
        )
        chosen = decision.chosen
        if decision.granted and chosen is not None:
            what = (
                f"grants {chosen.amount} {decision.currency} a month, pro rata "
                f"{chosen.own_days}/{chosen.total_days}"
            )
        else:
            what = f"refuses the claim ({', '.join(decision.reasons)})"
        if gathering.requester is None or gathering.claim_message is None:
            # Lodged here: the decision is the claimant's, and the institutions the claim
            # went to are told it as one document set, beside the claim.
            self._say(f"{what} (its own decision, for the claimant)")
            set_id = uuid.uuid4()
            told: list[str] = []
            for recipient in gathering.claim_recipients:
                outcome = self._submit(
                    decision.document,
                    DocumentType.BENEFIT_DECISION,
                    recipient,
                    case_id=gathering.case_id,
                    document_set_id=set_id,
                )
                if isinstance(outcome, Sent):
                    told.append(recipient)
                self._say(self._outcome(f"tells {recipient} its decision", outcome))
            self.decisions.append(DecisionRecord(gathering.case_id, decision, tuple(told)))
            return
        outcome = self._submit(
            decision.document,
            DocumentType.BENEFIT_DECISION,
            gathering.requester,
            case_id=gathering.case_id,
            in_reply_to=gathering.claim_message,
        )
        sent_to = (gathering.requester,) if isinstance(outcome, Sent) else ()
        self.decisions.append(DecisionRecord(gathering.case_id, decision, sent_to))
        self._say(self._outcome(f"{what}; decision sent to {gathering.requester}", outcome))

    def _on_coverage_request(self, item: InboxItem, root: etree._Element) -> None:
        today = self._today()
        decision = decide_coverage(
            self.register,
            root,
            directory=self.directory,
            today=today,
            certificate_number=certificate_number(
                self.institution, today.year, next(self._certificates)
            ),
            local_case_number=local_case_number(self.institution, item.case_id),
        )
        if decision is None:
            self._leave_to_caseworker(item, "CoverageRequest")
            return
        self.coverage_decisions.append(decision)
        outcome = self._submit(
            decision.document,
            decision.document_type,
            item.sender,
            case_id=item.case_id,
            in_reply_to=item.id,
        )
        if decision.certificate_number is not None:
            what = f"certifies the posting: certificate {decision.certificate_number}"
        else:
            what = f"refuses the posting ({', '.join(decision.reasons)})"
        self._say(self._outcome(f"{what}; sent to {item.sender}", outcome))


def wait_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


# Command line ------------------------------------------------------------------------------


def _parser() -> OneLineParser:
    parser = OneLineParser(
        prog="python -m adapters.backoffice",
        description="Run one institution's reference back-office (with the demo register) "
        "against its node until SIGTERM or Ctrl-C.",
    )
    parser.add_argument("--node", required=True, help="the node's API base URL")
    parser.add_argument("--institution", required=True, help="whose sample register to answer from")
    parser.add_argument(
        "--api-key-file", type=Path, help=f"node API key file (else ${API_KEY_VARIABLE})"
    )
    parser.add_argument("--directory", required=True, type=Path, help="the signed directory")
    parser.add_argument(
        "--authority", required=True, type=Path, help="the network authority's certificate"
    )
    parser.add_argument(
        "--wait", type=seconds_between(0, 60), default=20.0, help="inbox long-poll seconds (0-60)"
    )
    return parser


def _serve(arguments: argparse.Namespace) -> int:
    if not arguments.node.startswith(("http://", "https://")):
        raise UsageError(f"the node URL must be http(s): {arguments.node!r}")
    api_key = read_secret(arguments.api_key_file, API_KEY_VARIABLE, "node API key").decode()
    try:
        directory = load_directory(
            arguments.directory.read_bytes(),
            load_certificate(arguments.authority),
            at=dt.datetime.now(dt.UTC),
        )
    except OSError as error:
        raise UsageError(f"cannot read {error.filename}: {error.strerror}") from None
    except GatewayError as error:
        raise UsageError(f"the directory is not usable: {error.detail}") from None
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    register = sample_registers().get(arguments.institution)
    if register is None:
        known = ", ".join(sorted(sample_registers()))
        raise UsageError(f"no sample register for {arguments.institution} (known: {known})")
    with GatewayClient(arguments.node, api_key) as client:
        log.info("answering the inbox of %s at %s", arguments.institution, arguments.node)
        BackOffice(client, register, directory).run(stop, wait=arguments.wait)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit code (2 for bad arguments)."""
    arguments = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    try:
        return _serve(arguments)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
