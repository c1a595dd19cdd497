"""Reading the insurance periods out of an ``InsurancePeriodsReply`` document.

The reader expects a document that passed schema validation; it still refuses, with a
``ValueError`` naming the element's line but never its content, anything it cannot read.

A period ``End`` gives its last day. Without ``End`` or ``EndUnknown`` the period is still
running and is read with no end (totalization counts it up to its ``as_of`` day).

``EndUnknown`` says the period has ended on a day nobody knows. It is *not* read as running:
that would stretch a job that ended years ago up to today and pile it onto the periods of every
country the person worked in since. Instead the end is placed where the period's own summed
``Duration`` takes it, counted from the start without gaps: the period then counts exactly the
time its institution reports, which is the most the evidence supports. Years, months and
quarters are added as calendar months; weeks and days as days; a fraction of a month is taken of the
calendar month that follows the whole ones; a day only partly reached counts whole, as every
day of a period does.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from lxml import etree

from gateway.codes import Branch, InstitutionId
from gateway.documents import months_after
from gateway.documents._catalogue import DocumentFamily, DocumentType

from .totalization import InsurancePeriod, PeriodKind

__all__ = ["periods_from_reply"]

# The reply and its periods, down to each period's fields, are in the periods namespace; only
# the person inside the reply uses the common namespace, and the reader does not look at it.
_PERIODS = DocumentFamily.PERIODS.namespace
_REPLY = DocumentType.INSURANCE_PERIODS_REPLY.qualified_name

#: How each duration unit is added: as calendar months or as days, times this factor.
_MONTHS_PER_UNIT = {"months": 1, "quarters": 3, "years": 12}
_DAYS_PER_UNIT = {"days": 1, "weeks": 7}


def _name(local: str) -> str:
    return f"{{{_PERIODS}}}{local}"


def periods_from_reply(root: etree._Element) -> list[InsurancePeriod]:
    """The periods an ``InsurancePeriodsReply`` lists, in document order.

    ``root`` is the reply's root element. A reply that states ``NoPeriodsFound`` gives an
    empty list. A period whose end is unknown (``EndUnknown``) gets the end its reported
    duration reaches from its start; a running period (no end given) has ``end`` None.
    Raises ``ValueError`` when ``root`` is not a reply or a period cannot be read.
    """
    if root.tag != _REPLY:
        raise ValueError(f"expected an {_REPLY} element, got {root.tag!r}")
    periods = root.find(_name("Periods"))
    if periods is None:
        if root.find(_name("NoPeriodsFound")) is None:
            raise ValueError(
                f"line {root.sourceline}: reply has neither Periods nor NoPeriodsFound"
            )
        return []
    return [_period(element) for element in periods.iterfind(_name("InsurancePeriod"))]


def _period(element: etree._Element) -> InsurancePeriod:
    where = f"InsurancePeriod at line {element.sourceline}"
    start = _date(_required(element, "Start", where), where)
    end_element = element.find(_name("End"))
    end: datetime.date | None
    if end_element is not None:
        end = _date(end_element, where)
    elif element.find(_name("EndUnknown")) is not None:
        end = _end_from_durations(start, _durations(element, where), where)
    else:
        end = None
    try:
        return InsurancePeriod(
            country=_text(_required(element, "Country", where)),
            institution=InstitutionId(_text(_required(element, "Institution", where))),
            start=start,
            end=end,
            kind=PeriodKind(_text(_required(element, "Kind", where))),
            counts_for=_counts_for(element),
        )
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from error


def _counts_for(element: etree._Element) -> frozenset[Branch]:
    # A 2.0 period may count for a branch's calculation without giving a right to it: the
    # branches it opens a right to (Relevance/Entitlement) are those totalization adds up.
    entitlement = element.find(_name("Relevance"))
    branches = (
        entitlement.iterfind(_name("Entitlement"))
        if entitlement is not None
        else element.iterfind(_name("CountsFor"))
    )
    return frozenset(Branch(_text(branch)) for branch in branches)


def _required(element: etree._Element, local: str, where: str) -> etree._Element:
    found = element.find(_name(local))
    if found is None:
        raise ValueError(f"{where}: no {local}")
    return found


def _text(element: etree._Element) -> str:
    # Schema types collapse whitespace, so surrounding whitespace is not part of the value.
    return (element.text or "").strip()


def _date(element: etree._Element, where: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(_text(element))
    except ValueError as error:
        raise ValueError(f"{where}: {etree.QName(element).localname} is not a date") from error


def _durations(element: etree._Element, where: str) -> list[tuple[str, Fraction]]:
    durations: list[tuple[str, Fraction]] = []
    for duration in element.iterfind(_name("Duration")):
        unit = duration.get("unit", "")
        try:
            quantity = Decimal(_text(duration))
        except InvalidOperation as error:
            raise ValueError(f"{where}: a Duration is not a number") from error
        if unit not in _MONTHS_PER_UNIT and unit not in _DAYS_PER_UNIT:
            raise ValueError(f"{where}: unknown duration unit {unit!r}")
        if not quantity.is_finite() or quantity <= 0:
            raise ValueError(f"{where}: a Duration is not a positive number")
        durations.append((unit, Fraction(quantity)))
    if not durations:
        raise ValueError(f"{where}: the end is unknown and no Duration places it")
    return durations


def _end_from_durations(
    start: datetime.date, durations: list[tuple[str, Fraction]], where: str
) -> datetime.date:
    months = Fraction(0)
    days = Fraction(0)
    for unit, quantity in durations:
        if unit in _MONTHS_PER_UNIT:
            months += quantity * _MONTHS_PER_UNIT[unit]
        else:
            days += quantity * _DAYS_PER_UNIT[unit]
    whole_months = math.floor(months)
    try:
        after_months = _add_months(start, whole_months)
        month_length = (_add_months(after_months, 1) - after_months).days
        # A day only partly reached is a day of the period, as any day of a period counts whole.
        extra_days = math.ceil((months - whole_months) * month_length + days)
        end = after_months + datetime.timedelta(days=extra_days - 1)
    except (OverflowError, ValueError) as error:
        raise ValueError(f"{where}: the Duration runs past the last representable date") from error
    # Every duration is positive, so the period has at least its first day.
    return max(end, start)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    """:func:`months_after`, which this file's callers take as an OverflowError when it runs
    past the last representable date."""
    after = months_after(day, months)
    if after is None:
        raise OverflowError("past the last representable date")
    return after
