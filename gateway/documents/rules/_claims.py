"""Rules on benefit claims, their acknowledgements and decisions.

The 2.0 content (family, representation, other benefits, deferrals, calculation periods) is
checked wherever it is present; a 1.0 document simply has none of it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lxml import etree

from gateway.documents._issues import Issue, issue_at

from ._periods import overlaps, span_of
from ._person import birth_date
from ._places import unknown_institutions
from ._support import (
    date_value,
    decimal_value,
    elements,
    first,
    is_future,
    known_country,
    text,
    xpath,
)

__all__ = [
    "check_acknowledgement",
    "check_claim",
    "check_decision",
    "iban_is_valid",
]

_BENEFIT_KIND = xpath("cl:BenefitKind")
_CLAIMANT = xpath("cl:Claimant")
_DECEASED = xpath("cl:DeceasedPerson")
_DEATH_DATE = xpath("cl:DeathDate")
_CLAIM_DATE = xpath("cl:ClaimDate")
_IBAN = xpath("cl:PaymentAccount/cl:Iban")
_RECEIVED_ON = xpath("cl:ClaimReceivedOn")
_EXPECTED_BY = xpath("cl:ExpectedDecisionBy")
_RESULT = xpath("cl:Result")
_AMOUNT = xpath("cl:Amount")
_NET_AMOUNT = xpath("cl:NetAmount")
_FREQUENCY = xpath("cl:Frequency")
_EFFECTIVE_FROM = xpath("cl:EffectiveFrom")
_DECISION_REASONS = xpath("cl:Reason")
_DECISION_DATE = xpath("cl:DecisionDate")
_APPEAL_DEADLINE = xpath("cl:Appeal/cl:DeadlineDate")
_PRO_RATA = xpath("cl:ProRata")
_NUMERATOR = xpath("cl:Numerator")
_DENOMINATOR = xpath("cl:Denominator")

_CHILDREN = xpath("cl:Family/cl:Child")
_PARTNERS = xpath("cl:Family/cl:Partner")
_NEW_UNION = xpath("cl:Family/cl:NewUnion")
_UNION_DATE = xpath("cl:UnionDate")
_RELATIONSHIP = xpath("cl:Relationship")
_DATE = xpath("cl:Date")
_RECEIVED_PENSION = xpath("cl:ReceivedPension")
_DECEASED_PENSIONS = xpath("cl:Pension")
_DECISION_RECIPIENT = xpath("cl:DecisionRecipient")
_REPRESENTATIVE = xpath("cl:Representative")
_REFUSED_BENEFIT_AMOUNTS = xpath("cl:OtherBenefit[cl:Status = 'refused']/cl:Amount")
_DEFERRED_UNTIL = xpath("cl:Deferral/cl:Until")
_CODED_WITH_TEXT = xpath("cl:DeceasedPerson/cl:DeathCause | cl:AttachmentByPost")
_CODE = xpath("cl:Code")
_TEXT = xpath("cl:Text")
_INSTITUTION_IDS = xpath(".//cl:Institution/cl:Id | cl:Appeal/cl:Institution")
_CALCULATION_PERIODS = xpath("cl:CalculationPeriod")

#: A stepchild may be older than the step-parent; any other child is younger than the parent.
_CHILDREN_YOUNGER_THAN_PARENT = frozenset({"child", "adopted-child", "foster-child", "grandchild"})


def iban_is_valid(iban: str) -> bool:
    """Whether a schema-valid IBAN's check digits are right (ISO 13616, modulo 97)."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def check_claim(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A claim's dates are consistent; a survivors' claim names the deceased; the IBAN checks.

    From 2.0 on, also: the family's dates fit the births and the death, a representative is
    named where decisions are to go to one, refused benefits pay nothing, deferrals do not end
    before the claim, and institution ids name known countries.
    """
    kind_element = first(_BENEFIT_KIND, root)
    deceased = first(_DECEASED, root)
    survivors = text(kind_element) == "survivors"
    if survivors and deceased is None and kind_element is not None:
        yield issue_at(
            kind_element,
            "rule.deceased-person-missing",
            "a survivors' claim must name the deceased person",
        )
    if not survivors and deceased is not None:
        yield issue_at(
            deceased,
            "rule.deceased-person-unexpected",
            "only a survivors' claim names a deceased person",
        )
    claim_date_element = first(_CLAIM_DATE, root)
    claimed = date_value(claim_date_element)
    claimant = first(_CLAIMANT, root)
    if claim_date_element is not None and claimed is not None:
        if is_future(claimed, today):
            yield issue_at(
                claim_date_element, "rule.claim-date-in-future", "claim date lies in the future"
            )
        born = birth_date(claimant) if claimant is not None else None
        if born is not None and claimed < born:
            yield issue_at(
                claim_date_element,
                "rule.claim-date-before-birth",
                "claim date lies before the claimant's birth date",
            )
    if deceased is not None:
        yield from _check_death(deceased, claim_date_element, claimed if survivors else None, today)
    yield from _check_iban(root)
    insured = deceased if survivors and deceased is not None else claimant
    yield from _check_family(root, claimant, insured)
    yield from _check_new_union(root, deceased if survivors else None)
    if deceased is not None:
        yield from _check_union_with_deceased(deceased, claimant)
        yield from _check_deceased_pension(deceased)
    yield from _check_representation(root)
    yield from _check_other_benefits(root)
    yield from _check_deferrals(root, claimed)
    yield from _check_other_explained(root)
    yield from unknown_institutions(_INSTITUTION_IDS, root)


def _check_iban(root: etree._Element) -> Iterator[Issue]:
    iban = first(_IBAN, root)
    if iban is None:
        return
    if known_country(text(iban)[:2]) is None:
        yield issue_at(iban, "rule.iban-country-unknown", "IBAN country code is not known")
    elif not iban_is_valid(text(iban)):
        yield issue_at(iban, "rule.iban-checksum-invalid", "IBAN check digits are wrong")


def _check_family(
    root: etree._Element, claimant: etree._Element | None, insured: etree._Element | None
) -> Iterator[Issue]:
    """Children are younger than the insured person; no union predates either partner's birth."""
    parent_born = birth_date(insured) if insured is not None else None
    for child_element in elements(_CHILDREN, root):
        born = birth_date(child_element)
        relationship = text(first(_RELATIONSHIP, child_element))
        if (
            parent_born is not None
            and born is not None
            and born < parent_born
            and relationship in _CHILDREN_YOUNGER_THAN_PARENT
        ):
            yield issue_at(
                child_element,
                "rule.child-born-before-parent",
                f"a child related as {relationship!r} is born before the insured person",
            )
    claimant_born = birth_date(claimant) if claimant is not None else None
    for partner in elements(_PARTNERS, root):
        yield from _check_union_date(partner, claimant_born, birth_date(partner))


def _check_union_date(holder: etree._Element, *births: datetime.date | None) -> Iterator[Issue]:
    union_element = first(_UNION_DATE, holder)
    united = date_value(union_element)
    if union_element is None or united is None:
        return
    if any(born is not None and united < born for born in births):
        yield issue_at(
            union_element,
            "rule.union-before-birth",
            "the union is dated before the birth of one of the partners",
        )


def _check_new_union(root: etree._Element, deceased: etree._Element | None) -> Iterator[Issue]:
    """Only a survivor enters a new union, and only after the death."""
    new_union = first(_NEW_UNION, root)
    if new_union is None:
        return
    if deceased is None:
        yield issue_at(
            new_union,
            "rule.new-union-unexpected",
            "only a survivors' claim states a new union after the death",
        )
        return
    date_element = first(_DATE, new_union)
    united = date_value(date_element)
    died = date_value(first(_DEATH_DATE, deceased))
    if date_element is not None and united is not None and died is not None and united < died:
        yield issue_at(
            date_element,
            "rule.new-union-before-death",
            "the survivor's new union is dated before the death",
        )


def _check_union_with_deceased(
    deceased: etree._Element, claimant: etree._Element | None
) -> Iterator[Issue]:
    claimant_born = birth_date(claimant) if claimant is not None else None
    yield from _check_union_date(deceased, claimant_born, birth_date(deceased))
    union_element = first(_UNION_DATE, deceased)
    united = date_value(union_element)
    died = date_value(first(_DEATH_DATE, deceased))
    if union_element is not None and united is not None and died is not None and united > died:
        yield issue_at(
            union_element,
            "rule.union-after-death",
            "the union with the deceased is dated after the death",
        )


def _check_deceased_pension(deceased: etree._Element) -> Iterator[Issue]:
    received = first(_RECEIVED_PENSION, deceased)
    pensions = elements(_DECEASED_PENSIONS, deceased)
    # xs:boolean writes false as "false" or "0".
    if received is not None and text(received) in {"false", "0"} and pensions:
        yield issue_at(
            pensions[0],
            "rule.deceased-pension-unexpected",
            "a pension of the deceased is given, but the deceased is said to receive none",
        )


def _check_representation(root: etree._Element) -> Iterator[Issue]:
    recipient = first(_DECISION_RECIPIENT, root)
    if (
        recipient is not None
        and text(recipient) in {"representative", "both"}
        and first(_REPRESENTATIVE, root) is None
    ):
        yield issue_at(
            recipient,
            "rule.representative-missing",
            f"decision recipient is {text(recipient)!r}, but no representative is named",
        )


def _check_other_benefits(root: etree._Element) -> Iterator[Issue]:
    for amount in elements(_REFUSED_BENEFIT_AMOUNTS, root):
        yield issue_at(amount, "rule.amount-unexpected", "a refused benefit has no amount")


def _check_deferrals(root: etree._Element, claimed: datetime.date | None) -> Iterator[Issue]:
    if claimed is None:
        return
    for until_element in elements(_DEFERRED_UNTIL, root):
        until = date_value(until_element)
        if until is not None and until < claimed:
            yield issue_at(
                until_element,
                "rule.deferral-before-claim",
                "claim is deferred until a day before the claim date",
            )


def _check_other_explained(root: etree._Element) -> Iterator[Issue]:
    # The same convention as the coded reasons: a code 'other' is explained in a Text.
    for coded in elements(_CODED_WITH_TEXT, root):
        if text(first(_CODE, coded)) == "other" and first(_TEXT, coded) is None:
            yield issue_at(coded, "rule.text-missing", "code 'other' needs a text that explains it")


def _check_death(
    deceased: etree._Element,
    claim_date_element: etree._Element | None,
    claimed: datetime.date | None,
    today: datetime.date,
) -> Iterator[Issue]:
    death_element = first(_DEATH_DATE, deceased)
    died = date_value(death_element)
    if death_element is None or died is None:
        return
    if is_future(died, today):
        yield issue_at(
            death_element, "rule.death-date-in-future", "date of death lies in the future"
        )
    born = birth_date(deceased)
    if born is not None and died < born:
        yield issue_at(
            death_element, "rule.death-before-birth", "date of death lies before the birth date"
        )
    if claimed is not None and claim_date_element is not None and claimed < died:
        yield issue_at(
            claim_date_element,
            "rule.claim-date-before-death",
            "a survivors' claim is dated before the death it rests on",
        )


def check_acknowledgement(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """The claim was received in the past, and the decision is expected after that."""
    received_element = first(_RECEIVED_ON, root)
    received = date_value(received_element)
    if received_element is None or received is None:
        return
    if is_future(received, today):
        yield issue_at(
            received_element,
            "rule.received-date-in-future",
            f"claim is said to be received in the future ({received})",
        )
    expected_element = first(_EXPECTED_BY, root)
    expected = date_value(expected_element)
    if expected_element is not None and expected is not None and expected < received:
        yield issue_at(
            expected_element,
            "rule.expected-decision-before-receipt",
            f"decision expected by {expected}, before the claim was received ({received})",
        )


def check_decision(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A grant says how much, how often and from when; a refusal says why and pays nothing.

    From 2.0 on, calculation periods may give the amounts and frequencies over time instead of
    the single amount and frequency.
    """
    result = first(_RESULT, root)
    amount = first(_AMOUNT, root)
    net_amount = first(_NET_AMOUNT, root)
    calculation_periods = elements(_CALCULATION_PERIODS, root)
    if result is not None and text(result) == "granted":
        # Calculation periods each state an amount and a frequency, but not when it is due.
        for path, code, what, in_periods in (
            (_AMOUNT, "rule.amount-missing", "the amount", True),
            (_FREQUENCY, "rule.frequency-missing", "how often it is paid", True),
            (_EFFECTIVE_FROM, "rule.effective-date-missing", "the date it is due from", False),
        ):
            if first(path, root) is None and not (in_periods and calculation_periods):
                yield issue_at(result, code, f"a granted benefit must state {what}")
    elif result is not None and text(result) == "refused":
        if not elements(_DECISION_REASONS, root):
            yield issue_at(result, "rule.reason-missing", "a refusal must give at least one reason")
        for element in (amount, net_amount, *calculation_periods):
            if element is not None:
                yield issue_at(element, "rule.amount-unexpected", "a refused benefit has no amount")
    if amount is not None and net_amount is not None:
        yield from _check_net_amount(amount, net_amount)
    yield from _check_calculation_periods(root, calculation_periods)
    yield from _check_decision_dates(root, today)
    yield from _check_pro_rata(root)
    yield from unknown_institutions(_INSTITUTION_IDS, root)


def _check_calculation_periods(
    root: etree._Element, periods: list[etree._Element]
) -> Iterator[Issue]:
    """Each period's net fits its gross; the periods neither overlap nor precede the grant."""
    for period in periods:
        gross, net = first(_AMOUNT, period), first(_NET_AMOUNT, period)
        if gross is not None and net is not None:
            yield from _check_net_amount(gross, net)
    spans = sorted(
        (span for span in map(span_of, periods) if span is not None), key=lambda s: s.start
    )
    effective_from = date_value(first(_EFFECTIVE_FROM, root))
    if spans and effective_from is not None and spans[0].start < effective_from:
        yield issue_at(
            spans[0].start_element,
            "rule.calculation-before-effective-date",
            f"calculation period starts ({spans[0].start}) before the benefit is due"
            f" ({effective_from})",
        )
    for span, reach in overlaps(spans):
        yield issue_at(
            span.period,
            "rule.calculation-periods-overlap",
            f"calculation period ({span.describe()}) overlaps the one {reach.describe()}",
        )


def _check_net_amount(amount: etree._Element, net_amount: etree._Element) -> Iterator[Issue]:
    if amount.get("currency") != net_amount.get("currency"):
        yield issue_at(
            net_amount,
            "rule.currency-mismatch",
            "net amount is in another currency than the gross amount",
        )
        return
    gross, net = decimal_value(amount), decimal_value(net_amount)
    if gross is not None and net is not None and net > gross:
        yield issue_at(
            net_amount, "rule.net-exceeds-gross", "net amount is larger than the gross amount"
        )


def _check_decision_dates(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    decision_element = first(_DECISION_DATE, root)
    decided = date_value(decision_element)
    if decision_element is None or decided is None:
        return
    if is_future(decided, today):
        yield issue_at(
            decision_element,
            "rule.decision-date-in-future",
            f"decision date ({decided}) lies in the future",
        )
    deadline_element = first(_APPEAL_DEADLINE, root)
    deadline = date_value(deadline_element)
    if deadline_element is not None and deadline is not None and deadline <= decided:
        yield issue_at(
            deadline_element,
            "rule.appeal-deadline-before-decision",
            f"appeal deadline ({deadline}) is not after the decision date ({decided})",
        )


def _check_pro_rata(root: etree._Element) -> Iterator[Issue]:
    pro_rata = first(_PRO_RATA, root)
    if pro_rata is None:
        return
    numerator = decimal_value(first(_NUMERATOR, pro_rata))
    denominator = decimal_value(first(_DENOMINATOR, pro_rata))
    if numerator is not None and denominator is not None and numerator > denominator:
        yield issue_at(
            pro_rata,
            "rule.pro-rata-above-one",
            f"pro-rata fraction {numerator}/{denominator} is larger than one",
        )
