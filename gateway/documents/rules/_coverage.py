"""Rules on coverage requests, certificates, refusals and withdrawals."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lxml import etree

from gateway.documents._issues import Issue

from ._periods import span_of
from ._places import institution_country
from ._support import (
    COMMON,
    child,
    date_value,
    elements,
    first,
    is_future,
    known_country,
    text,
    xpath,
)

__all__ = ["check_certificate", "check_refusal", "check_request", "check_withdrawal"]

_KIND = xpath("cv:Kind")
_SENDING = xpath("cv:SendingCountry")
_HOST = xpath("cv:HostCountry")
_WORK_ADDRESSES = xpath("cv:WorkAddress")
_REQUESTED_PERIOD = xpath("cv:RequestedPeriod")
_PERIOD = xpath("cv:Period")
_APPLICABLE = xpath("cv:ApplicableLegislation")
_ISSUER = xpath("cv:IssuingInstitution")
_ISSUED_ON = xpath("cv:IssuedOn")
_DECISION_KIND = xpath("cv:DecisionKind")
_PREVIOUS_DECISION = xpath("cv:PreviousDecisionDate")
_DECIDED_ON = xpath("cv:DecidedOn")
_WITHDRAWN_FROM = xpath("cv:WithdrawnFrom")

#: How far ahead of today a withdrawal may take effect. An institution learns that a posting or
#: an activity will end some weeks before it does; a date further ahead is not yet a fact.
WITHDRAWAL_NOTICE = datetime.timedelta(days=92)


def _is_posting(root: etree._Element) -> bool:
    return text(first(_KIND, root)) == "posting"


def _check_posting_end(root: etree._Element, period: etree._Element | None) -> Iterator[Issue]:
    if period is not None and _is_posting(root) and child(period, COMMON, "End") is None:
        yield Issue.at(
            period, "rule.posting-without-end", "a posting is temporary, so its period needs an end"
        )


def check_request(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """Two different countries; for a posting, an end date and work in the host country."""
    sending_element, host_element = first(_SENDING, root), first(_HOST, root)
    sending, host = known_country(text(sending_element)), known_country(text(host_element))
    if host_element is not None and sending is not None and sending == host:
        yield Issue.at(
            host_element,
            "rule.sending-equals-host-country",
            f"sending and host country are both {host}",
        )
    yield from _check_posting_end(root, first(_REQUESTED_PERIOD, root))
    if _is_posting(root) and host is not None:
        for address in elements(_WORK_ADDRESSES, root):
            country_element = child(address, COMMON, "Country")
            country = known_country(text(country_element))
            if country_element is not None and country is not None and country != host:
                yield Issue.at(
                    country_element,
                    "rule.work-address-outside-host-country",
                    f"a posted worker works in the host country {host}, but a place of work"
                    f" lies in {country}",
                )


def check_certificate(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """The certified period lies within the requested one; issuer, dates and decision agree."""
    period = first(_PERIOD, root)
    yield from _check_posting_end(root, period)
    requested = first(_REQUESTED_PERIOD, root)
    certified_span = span_of(period) if period is not None else None
    requested_span = span_of(requested) if requested is not None else None
    if certified_span is not None and requested_span is not None:
        # No end means open-ended, which reaches beyond any end date.
        certified_end = certified_span.end or datetime.date.max
        requested_end = requested_span.end or datetime.date.max
        if certified_span.start < requested_span.start or certified_end > requested_end:
            yield Issue.at(
                certified_span.period,
                "rule.certificate-outside-requested-period",
                f"certified period ({certified_span.describe()}) reaches outside the requested"
                f" period ({requested_span.describe()})",
            )
    issuer = first(_ISSUER, root)
    applicable = known_country(text(first(_APPLICABLE, root)))
    issuer_country = institution_country(text(issuer))
    if issuer is not None and applicable is not None and issuer_country not in (None, applicable):
        yield Issue.at(
            issuer,
            "rule.issuer-country-mismatch",
            f"a certificate for the legislation of {applicable} is issued by an institution"
            f" of that country, not of {issuer_country}",
        )
    yield from _check_certificate_dates(root, today)


def _check_certificate_dates(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    issued_element = first(_ISSUED_ON, root)
    issued = date_value(issued_element)
    if issued_element is not None and issued is not None and is_future(issued, today):
        yield Issue.at(
            issued_element, "rule.issue-date-in-future", f"issue date ({issued}) lies in the future"
        )
    decision_kind = first(_DECISION_KIND, root)
    previous_element = first(_PREVIOUS_DECISION, root)
    amending = text(decision_kind) == "amending"
    if amending and previous_element is None and decision_kind is not None:
        yield Issue.at(
            decision_kind,
            "rule.previous-decision-date-missing",
            "an amending decision must give the date of the decision it amends",
        )
    if not amending and previous_element is not None:
        yield Issue.at(
            previous_element,
            "rule.previous-decision-date-unexpected",
            "only an amending decision has a previous decision",
        )
    previous = date_value(previous_element)
    if (
        previous_element is not None
        and previous is not None
        and issued is not None
        and previous >= issued
    ):
        yield Issue.at(
            previous_element,
            "rule.previous-decision-not-before-issue",
            f"previous decision ({previous}) is not before this certificate's issue date"
            f" ({issued})",
        )


def check_refusal(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A refusal is not dated in the future."""
    decided_element = first(_DECIDED_ON, root)
    decided = date_value(decided_element)
    if decided_element is not None and decided is not None and is_future(decided, today):
        yield Issue.at(
            decided_element,
            "rule.decision-date-in-future",
            f"decision date ({decided}) lies in the future",
        )


def check_withdrawal(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A withdrawal takes effect no more than :data:`WITHDRAWAL_NOTICE` ahead of today."""
    element = first(_WITHDRAWN_FROM, root)
    withdrawn = date_value(element)
    # The same one day of tolerance as is_future: the sender's day may begin before ours.
    latest = today + datetime.timedelta(days=1) + WITHDRAWAL_NOTICE
    if element is not None and withdrawn is not None and withdrawn > latest:
        yield Issue.at(
            element,
            "rule.withdrawal-too-far-ahead",
            f"a withdrawal takes effect at most {WITHDRAWAL_NOTICE.days} days ahead, not from"
            f" {withdrawn}",
        )
