"""Claims: the acknowledgement of a claim, and the decision on it once the periods are in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from gateway.cases import Career, InsurancePeriod, theoretical_pro_rata, totalize
from gateway.codes import Branch
from gateway.demo.backoffice.decisions._common import (
    EU_REGULATION,
    add_months,
    months_touched,
    shorten,
)
from gateway.demo.backoffice.decisions._periods import PlannedRequest, periods_partner
from gateway.demo.backoffice.documents import (
    Claim,
    CountedPeriod,
    acknowledgement_document,
    decision_document,
)
from gateway.demo.backoffice.register import InsuredPerson, PensionRules, Register
from gateway.directory import Agreement, Directory

__all__ = [
    "DECISION_WITHIN",
    "Calculation",
    "ClaimDecision",
    "acknowledge_claim",
    "as_of_day",
    "decide_claim",
    "effective_from",
]

#: How long after receiving a claim the institution expects to decide.
DECISION_WITHIN = dt.timedelta(days=120)


def effective_from(claim_date: dt.date) -> dt.date:
    """The day a granted pension starts: the first day of the month after the claim."""
    return add_months(claim_date.replace(day=1), 1)


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
    return CountedPeriod(period.country, start, end, period.kind, months_touched(start, end))


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
    amount is :meth:`~gateway.demo.backoffice.register.PensionRules.theoretical_amount` of
    that career; the amount is its pro-rata share (:func:`gateway.cases.theoretical_pro_rata`).

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
    as_of = as_of_day(claim.claim_date)
    own, by_agreement = _periods_by_agreement(
        register, insured, claim.branch, received, directory=directory, today=today
    )
    calculations = _calculations(
        register, pension, own, by_agreement, branch=claim.branch, as_of=as_of
    )
    if not calculations:
        return refuse(
            "insufficient-periods",
            f"{register.institution} holds no period counting for {claim.branch.value} "
            f"benefits up to {as_of.isoformat()}.",
        )
    return _granted(register, pension, claim, calculations, directory, today, local_case_number)


def _periods_by_agreement(
    register: Register,
    insured: InsuredPerson,
    branch: Branch,
    received: Iterable[InsurancePeriod],
    *,
    directory: Directory,
    today: dt.date,
) -> tuple[list[InsurancePeriod], dict[str | None, list[InsurancePeriod]]]:
    """The person's periods of the register's country counting for ``branch`` (its own and
    any received), and the periods abroad by the agreement they are totalized under."""
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
            partners[period.country] = periods_partner(
                directory, register.institution, period.country, branch, today
            )
        partner = partners[period.country]
        # Periods of a country no agreement lets this institution ask are not totalized.
        if isinstance(partner, PlannedRequest) and partner.agreement is not None:
            by_agreement.setdefault(partner.agreement, []).append(period)
    return own, by_agreement


def _calculations(
    register: Register,
    pension: PensionRules,
    own: Sequence[InsurancePeriod],
    by_agreement: dict[str | None, list[InsurancePeriod]],
    *,
    branch: Branch,
    as_of: dt.date,
) -> list[tuple[Calculation, Career]]:
    """One calculation per agreement (one on the own periods alone when there is none),
    except where the register's country has no day in the career."""
    calculations: list[tuple[Calculation, Career]] = []
    for agreement_id, abroad in (by_agreement or {None: []}).items():
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
    return calculations


def _granted(
    register: Register,
    pension: PensionRules,
    claim: Claim,
    calculations: Sequence[tuple[Calculation, Career]],
    directory: Directory,
    today: dt.date,
    local_case_number: str,
) -> ClaimDecision:
    """The grant of the highest of ``calculations``."""
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
        legal_basis=shorten(f"{pension.legal_basis}; {basis}" if basis else pension.legal_basis),
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
