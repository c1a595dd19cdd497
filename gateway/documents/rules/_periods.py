"""Rules on periods: their order, their durations, overlaps, and the periods documents."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from lxml import etree

from gateway.documents._issues import Issue

from ._person import birth_date
from ._places import institution_country
from ._support import (
    date_value,
    decimal_value,
    elements,
    first,
    is_future,
    known_country,
    parts,
    text,
    xpath,
)

__all__ = [
    "Span",
    "check_period_order",
    "check_periods_of_record",
    "check_reply",
    "check_request",
    "span_of",
]

# Insurance periods and counted periods have children in their own namespace; the common
# DatePeriod type (requested and certified periods) has children in the common namespace.
_ALL_PERIODS = xpath(".//p:InsurancePeriod | .//cl:PeriodsCounted/cl:Period | .//c:Start/..")
_RECORDED_PERIODS = xpath("p:Periods/p:InsurancePeriod | cl:PeriodsCounted/cl:Period")
_DOCUMENT_PERSON = xpath("p:Person | cl:Person")
_REQUEST_CLAIM_DATE = xpath("p:ClaimDate")
_NO_PERIODS_REASON = xpath("p:NoPeriodsFound/p:Reason")
_REPLY_REMARKS = xpath("p:Remarks")


@dataclass(frozen=True, slots=True)
class Span:
    """The dates of one period element, read as far as they are valid."""

    period: etree._Element
    parts: dict[str, etree._Element]
    start: datetime.date
    end: datetime.date | None

    @property
    def start_element(self) -> etree._Element:
        """The element holding the start date."""
        return self.parts["Start"]

    @property
    def end_element(self) -> etree._Element | None:
        """The element holding the end date, if any."""
        return self.parts.get("End")

    @property
    def end_unknown(self) -> bool:
        """Ended on a day nobody knows."""
        return "EndUnknown" in self.parts

    def describe(self) -> str:
        """The span for a message, such as "from 1990-01-01 to 1997-12-31"."""
        if self.end is not None:
            return f"from {self.start} to {self.end}"
        return f"from {self.start}, {'end unknown' if self.end_unknown else 'open-ended'}"


def span_of(period: etree._Element) -> Span | None:
    """The span of a period element, or None when its start is not a usable date."""
    children = parts(period)
    start = date_value(children.get("Start"))
    if start is None:
        return None
    return Span(period=period, parts=children, start=start, end=date_value(children.get("End")))


def check_period_order(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """No period, of any kind, ends before it starts."""
    for period in elements(_ALL_PERIODS, root):
        span = span_of(period)
        if span is None or span.end is None or span.end_element is None:
            continue
        if span.end < span.start:
            yield Issue.at(
                span.end_element,
                "rule.period-end-before-start",
                f"period ends ({span.end}) before it starts ({span.start})",
            )


def check_periods_of_record(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """Periods completed by a person lie in the past, after their birth, within their span."""
    person = first(_DOCUMENT_PERSON, root)
    born = birth_date(person) if person is not None else None
    spans = [span for span in map(span_of, elements(_RECORDED_PERIODS, root)) if span is not None]
    for span in spans:
        if is_future(span.start, today):
            yield Issue.at(
                span.start_element,
                "rule.period-starts-in-future",
                f"period starts ({span.start}) in the future",
            )
        elif span.end is not None and span.end_element is not None and is_future(span.end, today):
            yield Issue.at(
                span.end_element,
                "rule.period-ends-in-future",
                f"period ends ({span.end}) in the future; a period still running has no end",
            )
        if born is not None and span.start < born:
            yield Issue.at(
                span.start_element,
                "rule.period-before-birth",
                "period starts before the person's birth date",
            )
        yield from _check_duration(span, today)
    insurance_periods = [span for span in spans if "Institution" in span.parts]
    for span in insurance_periods:
        yield from _check_institution_country(span)
    yield from _check_overlaps(insurance_periods)


def _check_institution_country(span: Span) -> Iterator[Issue]:
    institution = text(span.parts.get("Institution"))
    country = known_country(text(span.parts.get("Country")))
    holder_country = institution_country(institution)
    if country is not None and holder_country is not None and country != holder_country:
        yield Issue.at(
            span.period,
            "rule.institution-country-mismatch",
            f"institution {institution} does not belong to {country}, the period's country",
        )


def _days(start: datetime.date, end: datetime.date) -> int:
    return (end - start).days + 1


def _weeks(start: datetime.date, end: datetime.date) -> int:
    # A week only partly inside the span still counts in week-based records.
    return -(-_days(start, end) // 7)


def _months(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _quarters(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 4 + (end.month - 1) // 3 - (start.month - 1) // 3 + 1


#: How many units of each kind a span from start to end can hold at most.
_CAPACITY: dict[str, Callable[[datetime.date, datetime.date], int]] = {
    "days": _days,
    "weeks": _weeks,
    "months": _months,
    "quarters": _quarters,
}


def _check_duration(span: Span, today: datetime.date) -> Iterator[Issue]:
    if span.end_unknown:
        return
    # A running period's duration is counted up to the day of the document.
    end = span.end if span.end is not None else today
    if end < span.start:
        return
    duration_tag = f"{{{etree.QName(span.period).namespace}}}Duration"
    durations = [node for node in span.period if node.tag == duration_tag]
    if not durations:
        return
    share = Fraction(0)
    described: list[str] = []
    for duration in durations:
        unit = duration.get("unit", "")
        quantity = decimal_value(duration)
        capacity = _CAPACITY.get(unit)
        if quantity is None or capacity is None:
            return
        share += Fraction(quantity) / capacity(span.start, end)
        described.append(f"{quantity} {unit}")
    # Mixed units are compared as shares of the span, so "1 month and 10 days" fits 41 days.
    if share > 1:
        until = f"{end}" if span.end is not None else f"{end} (running, counted to today)"
        yield Issue.at(
            durations[0],
            "rule.duration-exceeds-span",
            f"duration ({' + '.join(described)}) is longer than the period from {span.start}"
            f" to {until}",
        )


def _last_day(span: Span) -> datetime.date:
    if span.end is not None:
        return span.end
    # An unknown end is treated as the start, so only a certain overlap is reported.
    return span.start if span.end_unknown else datetime.date.max


def _institution_key(institution: str) -> str:
    country = institution_country(institution)
    code = institution.partition(":")[2]
    return f"{country}:{code}" if country is not None else institution


def _check_overlaps(spans: list[Span]) -> Iterator[Issue]:
    # Periods of one institution overlap legitimately when their kinds differ (child-raising
    # credits during employment); the same kind twice on the same days counts them double.
    groups: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for span in spans:
        if span.end is not None and span.end < span.start:
            continue
        key = (_institution_key(text(span.parts.get("Institution"))), text(span.parts.get("Kind")))
        groups[key].append(span)
    for (institution, kind), members in groups.items():
        members.sort(key=lambda member: member.start)
        reach: Span | None = None
        for span in members:
            if reach is not None and span.start <= _last_day(reach):
                yield Issue.at(
                    span.period,
                    "rule.periods-overlap-same-institution",
                    f"period ({span.describe()}) overlaps the {kind} period ({reach.describe()})"
                    f" held by the same institution {institution}",
                )
            if reach is None or _last_day(span) > _last_day(reach):
                reach = span


def check_request(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A periods request's claim date is not in the future nor before the person's birth."""
    claim_date_element = first(_REQUEST_CLAIM_DATE, root)
    claimed = date_value(claim_date_element)
    if claim_date_element is None or claimed is None:
        return
    if is_future(claimed, today):
        yield Issue.at(
            claim_date_element, "rule.claim-date-in-future", "claim date lies in the future"
        )
    person = first(_DOCUMENT_PERSON, root)
    born = birth_date(person) if person is not None else None
    if born is not None and claimed < born:
        yield Issue.at(
            claim_date_element,
            "rule.claim-date-before-birth",
            "claim date lies before the person's birth date",
        )


def check_reply(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A reply that finds no periods for another reason explains it in its remarks."""
    reason = first(_NO_PERIODS_REASON, root)
    if reason is not None and text(reason) == "other" and first(_REPLY_REMARKS, root) is None:
        yield Issue.at(
            reason,
            "rule.remarks-missing",
            "no periods found for reason 'other', but no remarks explain why",
        )
