"""Rules on periods: their order, their durations, overlaps, and the periods documents."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction

from lxml import etree

from gateway.documents._issues import Issue, issue_at

from ._person import birth_date
from ._places import institution_country, unknown_register_countries
from ._support import (
    child,
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
    "overlaps",
    "span_of",
]

# Insurance periods, uninsured activities and counted periods have children in their own
# namespace; the common DatePeriod type (requested and certified periods, the periods of an
# income or of a right to benefit) has children in the common namespace.
_ALL_PERIODS = xpath(
    ".//p:InsurancePeriod | .//p:UninsuredActivity | .//cl:PeriodsCounted/cl:Period | .//c:Start/.."
)
_RECORDED_PERIODS = xpath(
    "p:Periods/p:InsurancePeriod | p:Periods/p:UninsuredActivity | cl:PeriodsCounted/cl:Period"
)
_DOCUMENT_PERSON = xpath("p:Person | cl:Person")
_REQUEST_CLAIM_DATE = xpath("p:ClaimDate")
_NO_PERIODS_REASON = xpath("p:NoPeriodsFound/p:Reason")
_REPLY_REMARKS = xpath("p:Remarks")
_REPLY_BRANCHES = xpath("p:Branch")
_INSURANCE_PERIODS = xpath("p:Periods/p:InsurancePeriod")
_ACTIVITIES = xpath("p:Periods/p:InsurancePeriod | p:Periods/p:UninsuredActivity")
_UNINSURED_ACTIVITIES = xpath("p:Periods/p:UninsuredActivity")
_RELEVANCE_BRANCHES = xpath("p:Relevance/p:Entitlement | p:Relevance/p:Calculation")
_COUNTS_FOR = xpath("p:CountsFor")
_INCOME_PERIODS = xpath("p:Income/p:Period")
_RIGHT_TO_BENEFIT = xpath("p:RightToBenefit")
# Coded values whose code "other" needs words: the code element, and its explaining sibling.
_KINDS = xpath("p:Periods/p:InsurancePeriod/p:Kind | p:Periods/p:Total/p:Kind")
_CODED_REASONS = xpath(
    "p:Periods/*/p:EndReason/p:Code | p:RightToBenefit/p:Refused/p:Reason/p:Code"
)
_ORGANISATION_IDENTIFIERS = xpath(
    "p:Periods/*/p:Employer/p:Identifier[@country] | p:Periods/*/p:Business/p:Identifier[@country]"
)


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

    @property
    def ended(self) -> bool:
        """Ended, on a known day or not; a period with neither is still running."""
        return "End" in self.parts or self.end_unknown

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
            yield issue_at(
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
            yield issue_at(
                span.start_element,
                "rule.period-starts-in-future",
                f"period starts ({span.start}) in the future",
            )
        elif span.end is not None and span.end_element is not None and is_future(span.end, today):
            yield issue_at(
                span.end_element,
                "rule.period-ends-in-future",
                f"period ends ({span.end}) in the future; a period still running has no end",
            )
        if born is not None and span.start < born:
            yield issue_at(
                span.start_element,
                "rule.period-before-birth",
                "period starts before the person's birth date",
            )
        yield from _check_duration(span, today)
    insurance_periods = [span for span in spans if "Institution" in span.parts]
    for span in insurance_periods:
        yield from _check_institution_country(span)
        yield from _check_unknown_end_placed(span)
    yield from _check_overlaps(insurance_periods)


def _check_unknown_end_placed(span: Span) -> Iterator[Issue]:
    # From 2.0 on a period may be stated by its dates alone; one whose end is unknown has no
    # dates to state it by, so only its duration says how long it lasted.
    if span.end_unknown and "Duration" not in span.parts:
        yield issue_at(
            span.parts["EndUnknown"],
            "rule.duration-missing-for-unknown-end",
            "a period whose end is unknown needs a duration that says how long it lasted",
        )


def _check_institution_country(span: Span) -> Iterator[Issue]:
    institution = text(span.parts.get("Institution"))
    country = known_country(text(span.parts.get("Country")))
    holder_country = institution_country(institution)
    if country is not None and holder_country is not None and country != holder_country:
        yield issue_at(
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


def _years(start: datetime.date, end: datetime.date) -> int:
    # As with the other units, a calendar year only partly inside the span counts whole.
    return end.year - start.year + 1


#: How many units of each kind a span from start to end can hold at most.
_CAPACITY: dict[str, Callable[[datetime.date, datetime.date], int]] = {
    "days": _days,
    "weeks": _weeks,
    "months": _months,
    "quarters": _quarters,
    "years": _years,
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
        yield issue_at(
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


def overlaps(spans: Iterable[Span]) -> Iterator[tuple[Span, Span]]:
    """Each span that starts before an earlier one ends, with the earlier one reaching furthest.

    A running span reaches beyond any day; one that ended on an unknown day, only to its start.
    """
    reach: Span | None = None
    for span in sorted(spans, key=lambda member: member.start):
        if reach is not None and span.start <= _last_day(reach):
            yield span, reach
        if reach is None or _last_day(span) > _last_day(reach):
            reach = span


def _institution_key(institution: str) -> str:
    country = institution_country(institution)
    code = institution.partition(":")[2]
    return f"{country}:{code}" if country is not None else institution


def _organisation_key(span: Span) -> str:
    """Who a period was completed with, by name, when it names an employer or a business."""
    organisation = span.parts.get("Employer")
    if organisation is None:
        organisation = span.parts.get("Business")
    if organisation is None:
        return ""
    # Identifiers are not compared: one record may give two of them and another only one.
    name = child(organisation, etree.QName(organisation).namespace or "", "Name")
    return " ".join(text(name).split()).casefold()


def _check_overlaps(spans: list[Span]) -> Iterator[Issue]:
    # Periods of one institution overlap legitimately when their kinds differ (child-raising
    # credits during employment), and so do periods with different employers (two part-time
    # jobs); the same kind with the same employer twice on the same days counts them double.
    groups: dict[tuple[str, str, str], list[Span]] = defaultdict(list)
    for span in spans:
        if span.end is not None and span.end < span.start:
            continue
        key = (
            _institution_key(text(span.parts.get("Institution"))),
            text(span.parts.get("Kind")),
            _organisation_key(span),
        )
        groups[key].append(span)
    for (institution, kind, _), members in groups.items():
        for span, reach in overlaps(members):
            yield issue_at(
                span.period,
                "rule.periods-overlap-same-institution",
                f"period ({span.describe()}) overlaps the {kind} period ({reach.describe()})"
                f" held by the same institution {institution}",
            )


def check_request(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A periods request's claim date is not in the future nor before the person's birth."""
    claim_date_element = first(_REQUEST_CLAIM_DATE, root)
    claimed = date_value(claim_date_element)
    if claim_date_element is None or claimed is None:
        return
    if is_future(claimed, today):
        yield issue_at(
            claim_date_element, "rule.claim-date-in-future", "claim date lies in the future"
        )
    person = first(_DOCUMENT_PERSON, root)
    born = birth_date(person) if person is not None else None
    if born is not None and claimed < born:
        yield issue_at(
            claim_date_element,
            "rule.claim-date-before-birth",
            "claim date lies before the person's birth date",
        )


def check_reply(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A reply that finds no periods for another reason explains it in its remarks.

    From 2.0 on, a reply's relevances, end reasons, incomes, codes "other" and right to
    benefit agree with the rest of it as well.
    """
    reason = first(_NO_PERIODS_REASON, root)
    if reason is not None and text(reason) == "other" and first(_REPLY_REMARKS, root) is None:
        yield issue_at(
            reason,
            "rule.remarks-missing",
            "no periods found for reason 'other', but no remarks explain why",
        )
    for period in elements(_INSURANCE_PERIODS, root):
        yield from _check_relevance(period)
    yield from _check_end_reasons(root)
    yield from _check_incomes(root)
    yield from _check_other_described(root)
    yield from _check_right_to_benefit(root)
    yield from unknown_register_countries(_ORGANISATION_IDENTIFIERS, root)


def _check_relevance(period: etree._Element) -> Iterator[Issue]:
    counted = {text(branch) for branch in elements(_COUNTS_FOR, period)}
    for element in elements(_RELEVANCE_BRANCHES, period):
        if text(element) not in counted:
            purpose = etree.QName(element).localname.lower()
            yield issue_at(
                element,
                "rule.relevance-outside-counts-for",
                f"period is relevant to {text(element)} for {purpose}, but does not count for"
                f" {text(element)}",
            )


def _check_end_reasons(root: etree._Element) -> Iterator[Issue]:
    for activity in elements(_ACTIVITIES, root):
        span = span_of(activity)
        if span is not None and "EndReason" in span.parts and not span.ended:
            yield issue_at(
                span.parts["EndReason"],
                "rule.end-reason-for-running-period",
                f"period ({span.describe()}) is still running, so it has no end reason",
            )


def _check_incomes(root: etree._Element) -> Iterator[Issue]:
    for activity in elements(_UNINSURED_ACTIVITIES, root):
        span = span_of(activity)
        # An activity that ended on an unknown day gives nothing to compare with.
        if span is None or span.end_unknown:
            continue
        # A running activity reaches beyond any day.
        last = span.end if span.end is not None else datetime.date.max
        for income_period in elements(_INCOME_PERIODS, activity):
            income = span_of(income_period)
            if income is None:
                continue
            if income.start < span.start or (income.end or datetime.date.max) > last:
                yield issue_at(
                    income_period,
                    "rule.income-outside-activity",
                    f"income period ({income.describe()}) reaches outside the activity"
                    f" ({span.describe()})",
                )


def _check_other_described(root: etree._Element) -> Iterator[Issue]:
    # A kind "other" is explained by the KindDescription after it, a coded reason "other" by
    # the Text after its code.
    explanations = {"Kind": "KindDescription", "Code": "Text"}
    for element in (*elements(_KINDS, root), *elements(_CODED_REASONS, root)):
        parent = element.getparent()
        if text(element) != "other" or parent is None:
            continue
        local = etree.QName(element).localname
        explanation = explanations[local]
        if child(parent, etree.QName(element).namespace or "", explanation) is None:
            yield issue_at(
                element,
                "rule.text-missing",
                f"{local} 'other' needs a {explanation} to explain it",
            )


def _check_right_to_benefit(root: etree._Element) -> Iterator[Issue]:
    right = first(_RIGHT_TO_BENEFIT, root)
    branches = {text(branch) for branch in elements(_REPLY_BRANCHES, root)}
    if right is not None and "unemployment" not in branches:
        yield issue_at(
            right,
            "rule.right-to-benefit-outside-unemployment",
            "a right to unemployment benefit is stated, but the reply is not for the"
            " unemployment branch",
        )
