"""Rules on benefit claims, their acknowledgements and decisions."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lxml import etree

from gateway.documents._issues import Issue

from ._person import birth_date
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


def iban_is_valid(iban: str) -> bool:
    """Whether a schema-valid IBAN's check digits are right (ISO 13616, modulo 97)."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def check_claim(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A claim's dates are consistent; a survivors' claim names the deceased; the IBAN checks."""
    kind_element = first(_BENEFIT_KIND, root)
    deceased = first(_DECEASED, root)
    survivors = text(kind_element) == "survivors"
    if survivors and deceased is None and kind_element is not None:
        yield Issue.at(
            kind_element,
            "rule.deceased-person-missing",
            "a survivors' claim must name the deceased person",
        )
    if not survivors and deceased is not None:
        yield Issue.at(
            deceased,
            "rule.deceased-person-unexpected",
            "only a survivors' claim names a deceased person",
        )
    claim_date_element = first(_CLAIM_DATE, root)
    claimed = date_value(claim_date_element)
    claimant = first(_CLAIMANT, root)
    if claim_date_element is not None and claimed is not None:
        if is_future(claimed, today):
            yield Issue.at(
                claim_date_element, "rule.claim-date-in-future", "claim date lies in the future"
            )
        born = birth_date(claimant) if claimant is not None else None
        if born is not None and claimed < born:
            yield Issue.at(
                claim_date_element,
                "rule.claim-date-before-birth",
                "claim date lies before the claimant's birth date",
            )
    if deceased is not None:
        yield from _check_death(deceased, claim_date_element, claimed if survivors else None, today)
    iban = first(_IBAN, root)
    if iban is not None:
        if known_country(text(iban)[:2]) is None:
            yield Issue.at(iban, "rule.iban-country-unknown", "IBAN country code is not known")
        elif not iban_is_valid(text(iban)):
            yield Issue.at(iban, "rule.iban-checksum-invalid", "IBAN check digits are wrong")


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
        yield Issue.at(
            death_element, "rule.death-date-in-future", "date of death lies in the future"
        )
    born = birth_date(deceased)
    if born is not None and died < born:
        yield Issue.at(
            death_element, "rule.death-before-birth", "date of death lies before the birth date"
        )
    if claimed is not None and claim_date_element is not None and claimed < died:
        yield Issue.at(
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
        yield Issue.at(
            received_element,
            "rule.received-date-in-future",
            f"claim is said to be received in the future ({received})",
        )
    expected_element = first(_EXPECTED_BY, root)
    expected = date_value(expected_element)
    if expected_element is not None and expected is not None and expected < received:
        yield Issue.at(
            expected_element,
            "rule.expected-decision-before-receipt",
            f"decision expected by {expected}, before the claim was received ({received})",
        )


def check_decision(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A grant says how much, how often and from when; a refusal says why and pays nothing."""
    result = first(_RESULT, root)
    amount = first(_AMOUNT, root)
    net_amount = first(_NET_AMOUNT, root)
    if result is not None and text(result) == "granted":
        for path, code, what in (
            (_AMOUNT, "rule.amount-missing", "the amount"),
            (_FREQUENCY, "rule.frequency-missing", "how often it is paid"),
            (_EFFECTIVE_FROM, "rule.effective-date-missing", "the date it is due from"),
        ):
            if first(path, root) is None:
                yield Issue.at(result, code, f"a granted benefit must state {what}")
    elif result is not None and text(result) == "refused":
        if not elements(_DECISION_REASONS, root):
            yield Issue.at(result, "rule.reason-missing", "a refusal must give at least one reason")
        for element in (amount, net_amount):
            if element is not None:
                yield Issue.at(element, "rule.amount-unexpected", "a refused benefit has no amount")
    if amount is not None and net_amount is not None:
        yield from _check_net_amount(amount, net_amount)
    yield from _check_decision_dates(root, today)
    yield from _check_pro_rata(root)


def _check_net_amount(amount: etree._Element, net_amount: etree._Element) -> Iterator[Issue]:
    if amount.get("currency") != net_amount.get("currency"):
        yield Issue.at(
            net_amount,
            "rule.currency-mismatch",
            "net amount is in another currency than the gross amount",
        )
        return
    gross, net = decimal_value(amount), decimal_value(net_amount)
    if gross is not None and net is not None and net > gross:
        yield Issue.at(
            net_amount, "rule.net-exceeds-gross", "net amount is larger than the gross amount"
        )


def _check_decision_dates(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    decision_element = first(_DECISION_DATE, root)
    decided = date_value(decision_element)
    if decision_element is None or decided is None:
        return
    if is_future(decided, today):
        yield Issue.at(
            decision_element,
            "rule.decision-date-in-future",
            f"decision date ({decided}) lies in the future",
        )
    deadline_element = first(_APPEAL_DEADLINE, root)
    deadline = date_value(deadline_element)
    if deadline_element is not None and deadline is not None and deadline <= decided:
        yield Issue.at(
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
        yield Issue.at(
            pro_rata,
            "rule.pro-rata-above-one",
            f"pro-rata fraction {numerator}/{denominator} is larger than one",
        )
