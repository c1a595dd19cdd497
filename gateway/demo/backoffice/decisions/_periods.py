"""Periods: what a back-office replies to an ``InsurancePeriodsRequest``, and whom it asks
for the periods a claim needs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lxml import etree

from gateway.codes import Branch
from gateway.demo.backoffice.decisions._common import months_touched
from gateway.demo.backoffice.documents import (
    SCHEMA_VERSION,
    Claim,
    ReplyPeriod,
    periods_reply_document,
    periods_request_document,
    read_periods_request,
)
from gateway.demo.backoffice.register import Register
from gateway.directory import Directory, Permitted, decide
from gateway.documents import CaseType, DocumentType

__all__ = [
    "PeriodsPlan",
    "PlannedRequest",
    "answer_periods_request",
    "periods_partner",
    "plan_periods_requests",
    "request_periods",
]


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
                months=months_touched(period.start, period.end or today),
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


def periods_partner(
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
        partner = periods_partner(directory, register.institution, country, claim.branch, today)
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
