"""Rules on coverage requests, certificates, refusals and withdrawals."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Final

from lxml import etree

from gateway.documents._issues import Issue, issue_at

from ._periods import Span, span_of
from ._places import institution_country, unknown_countries
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

__all__ = [
    "KIND_PROVISIONS",
    "PURPOSE_KINDS",
    "check_certificate",
    "check_refusal",
    "check_request",
    "check_withdrawal",
]

_KIND = xpath("cv:Kind")
_PURPOSE = xpath("cv:Purpose")
_SENDING = xpath("cv:SendingCountry")
_HOSTS = xpath("cv:HostCountry")
_WORK_ADDRESS_COUNTRIES = xpath(
    "cv:WorkAddress/c:Country | cv:PlaceOfWork/cv:Address/c:Country | cv:PlaceOfWork/cv:Country"
)
_REQUESTED_PERIOD = xpath("cv:RequestedPeriod")
_PERIOD = xpath("cv:Period")
_OPEN_PERIOD_MARKERS = xpath("cv:ForDurationOfActivity | cv:PeriodEndUnknown")
_EARLIER_POSTING_PERIODS = xpath("cv:EarlierPosting/cv:Period")
_EXTENSION_AGREED = xpath("cv:ExtensionAgreed")
_EXTENSION_AGREED_ON = xpath("cv:ExtensionAgreed/cv:AgreedOn")
_APPLICABLE = xpath("cv:ApplicableLegislation")
_ISSUER = xpath("cv:IssuingInstitution")
_ISSUED_ON = xpath("cv:IssuedOn")
_DECISION_KIND = xpath("cv:DecisionKind")
_PREVIOUS_DECISION = xpath("cv:PreviousDecisionDate")
_DECIDED_ON = xpath("cv:DecidedOn")
_WITHDRAWN_FROM = xpath("cv:WithdrawnFrom")
# The provisions a document rests on. The provision of a certificate issued earlier (an
# exception request's CertificateBasis) describes the earlier situation, not this one's kind.
_PROVISIONS = xpath("cv:LegalBasisCode | cv:Change/cv:LegalBasisCode")
_PROVISION_IN_WORDS = xpath("cv:LegalBasis")
_CERTIFICATE_NUMBER = xpath("cv:CertificateNumber")
# The countries a document's situation involves: one of them is party to the agreement applied.
_PARTY_COUNTRIES = xpath("cv:ApplicableLegislation | cv:SendingCountry | cv:HostCountry")
#: The provisions of the United States' totalization agreements.
_US_PROVISION_PREFIX = "us-totalization-"
# Country elements of the coverage namespace that the common country rule does not know.
_COVERAGE_COUNTRIES = xpath(
    ".//cv:Country | .//cv:FlagState | .//cv:HomeBaseCountry | .//cv:CurrentLegislation"
    " | .//cv:RequestedLegislation | .//cv:ProposedLegislation"
)

#: How far ahead of today a withdrawal may take effect. An institution learns that a posting or
#: an activity will end some weeks before it does; a date further ahead is not yet a fact.
WITHDRAWAL_NOTICE = datetime.timedelta(days=92)

_MULTI_STATE_PROVISIONS = frozenset(
    {
        "eu-13-1-a",
        "eu-13-1-b-i",
        "eu-13-1-b-ii",
        "eu-13-1-b-iii",
        "eu-13-1-b-iv",
        "eu-13-2-a",
        "eu-13-2-b",
        "eu-13-3",
        "eu-13-4",
    }
)

#: The provisions that can decide each coverage kind. The provision "other" fits every kind;
#: Article 13(4) decides both for civil servants and for multi-state activity.
KIND_PROVISIONS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "posting": frozenset({"eu-12-1", "eu-12-2", "us-totalization-detached"}),
        "multi-state-activity": _MULTI_STATE_PROVISIONS,
        "exception-agreement": frozenset({"eu-16-1", "eu-16-2", "us-totalization-exception"}),
        "flag": frozenset({"eu-11-4", "eu-11-4-2"}),
        "civil-servant": frozenset({"eu-11-3-b", "eu-13-4"}),
        "employment-in-one-state": frozenset({"eu-11-3-a"}),
        "unemployed": frozenset({"eu-11-3-c"}),
        "military-service": frozenset({"eu-11-3-d"}),
        "non-active": frozenset({"eu-11-3-e"}),
        "flight-crew": frozenset({"eu-11-5"}),
        "eu-contract-staff": frozenset({"eu-15"}),
        "self-employment-residence": frozenset({"us-totalization-self-employed"}),
    }
)

#: The coverage kinds a purpose is about; purposes not listed fit every kind.
PURPOSE_KINDS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "posting-notification": frozenset({"posting"}),
        "objection": frozenset({"posting"}),
        "multi-state-determination": frozenset({"multi-state-activity"}),
        "disagreement": frozenset({"multi-state-activity"}),
        "definitive-determination": frozenset({"multi-state-activity"}),
        "exception-request": frozenset({"exception-agreement"}),
        "exception-acceptance": frozenset({"exception-agreement"}),
        "exception-partial-acceptance": frozenset({"exception-agreement"}),
        "exception-refusal": frozenset({"exception-agreement"}),
        "other-notification": frozenset(
            {
                "flag",
                "civil-servant",
                "employment-in-one-state",
                "unemployed",
                "military-service",
                "non-active",
                "flight-crew",
                "eu-contract-staff",
            }
        ),
    }
)

# A request asks or tells before a decision; a certificate carries the decision itself, a
# refusal says no to a request or to another institution's decision.
_DOCUMENT_PURPOSES: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "CoverageRequest": frozenset(
            {"exception-request", "change-notification", "certificate-request"}
        ),
        "CoverageCertificate": frozenset(
            {
                "posting-notification",
                "multi-state-determination",
                "definitive-determination",
                "other-notification",
                "certificate-issue",
                "exception-acceptance",
                "exception-partial-acceptance",
            }
        ),
        "CoverageRefusal": frozenset({"exception-refusal", "disagreement", "objection"}),
    }
)


def _is_posting(root: etree._Element) -> bool:
    return text(first(_KIND, root)) == "posting"


def _countries(names: Iterable[str]) -> str:
    ordered = sorted(set(names))
    return ("country " if len(ordered) == 1 else "countries ") + ", ".join(ordered)


def _check_posting_end(root: etree._Element, period: etree._Element | None) -> Iterator[Issue]:
    if period is not None and _is_posting(root) and child(period, COMMON, "End") is None:
        yield issue_at(
            period, "rule.posting-without-end", "a posting is temporary, so its period needs an end"
        )


def check_request(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """Different sending and host countries; a posting ends and is worked in a host country.

    From 2.0 on, a request's purpose, provisions, earlier postings and open-period marker
    agree with the rest of it as well.
    """
    sending = known_country(text(first(_SENDING, root)))
    hosts: list[str] = []
    for host_element in elements(_HOSTS, root):
        host = known_country(text(host_element))
        if host is None:
            continue
        hosts.append(host)
        if host == sending:
            yield issue_at(
                host_element,
                "rule.sending-equals-host-country",
                f"sending and host country are both {host}",
            )
    requested = first(_REQUESTED_PERIOD, root)
    yield from _check_posting_end(root, requested)
    if _is_posting(root) and hosts:
        yield from _check_places_in_hosts(root, hosts)
    yield from _check_v2_content(root, requested)


def _check_places_in_hosts(root: etree._Element, hosts: list[str]) -> Iterator[Issue]:
    for country_element in elements(_WORK_ADDRESS_COUNTRIES, root):
        country = known_country(text(country_element))
        if country is not None and country not in hosts:
            yield issue_at(
                country_element,
                "rule.work-address-outside-host-country",
                f"a posted worker works in the host {_countries(hosts)}, but a place of work"
                f" lies in {country}",
            )


def _check_v2_content(root: etree._Element, period: etree._Element | None) -> Iterator[Issue]:
    """The checks on content that 1.0 documents do not have; ``period`` is the one concerned."""
    yield from _check_purpose(root)
    yield from _check_provisions(root)
    yield from _check_us_agreement(root)
    yield from _check_open_period_markers(root, period)
    yield from _check_earlier_postings(root, period)
    yield from unknown_countries(_COVERAGE_COUNTRIES, root)


def _check_purpose(root: etree._Element) -> Iterator[Issue]:
    element = first(_PURPOSE, root)
    if element is None:
        return
    purpose = text(element)
    document = etree.QName(root).localname
    if purpose not in _DOCUMENT_PURPOSES.get(document, frozenset()):
        yield issue_at(
            element, "rule.purpose-contradicts-document", f"a {document} is not sent as {purpose}"
        )
        return
    kind = text(first(_KIND, root))
    kinds = PURPOSE_KINDS.get(purpose)
    if kinds is not None and kind not in kinds:
        yield issue_at(
            element,
            "rule.purpose-contradicts-kind",
            f"a {purpose} is about {' or '.join(sorted(kinds))}, not {kind}",
        )


def _check_provisions(root: etree._Element) -> Iterator[Issue]:
    kind = text(first(_KIND, root))
    allowed = KIND_PROVISIONS.get(kind)
    unexplained: etree._Element | None = None
    for element in elements(_PROVISIONS, root):
        provision = text(element)
        if provision == "other":
            unexplained = unexplained if unexplained is not None else element
        elif allowed is not None and provision not in allowed:
            yield issue_at(
                element,
                "rule.legal-basis-contradicts-kind",
                f"provision {provision} does not decide the coverage kind {kind}",
            )
    if unexplained is not None and first(_PROVISION_IN_WORDS, root) is None:
        yield issue_at(
            unexplained,
            "rule.text-missing",
            "provision code 'other' needs the legal basis in words",
        )


def _check_us_agreement(root: etree._Element) -> Iterator[Issue]:
    """A document under a United States agreement involves the United States, and its
    certificate of coverage carries the number it is known by."""
    us_provision = next(
        (
            element
            for element in elements(_PROVISIONS, root)
            if text(element).startswith(_US_PROVISION_PREFIX)
        ),
        None,
    )
    if us_provision is None:
        return
    countries = {known_country(text(element)) for element in elements(_PARTY_COUNTRIES, root)}
    if "US" not in countries:
        yield issue_at(
            us_provision,
            "rule.us-provision-without-us",
            f"provision {text(us_provision)} is of an agreement of the United States, and the"
            " document names the United States neither as the country whose legislation"
            " applies nor as a sending or host country",
        )
    is_certificate = etree.QName(root).localname == "CoverageCertificate"
    if is_certificate and first(_CERTIFICATE_NUMBER, root) is None:
        yield issue_at(
            root,
            "rule.us-certificate-number-missing",
            "a certificate of coverage under an agreement of the United States carries its"
            " certificate number",
        )


def _check_open_period_markers(
    root: etree._Element, period: etree._Element | None
) -> Iterator[Issue]:
    end = child(period, COMMON, "End") if period is not None else None
    if end is None:
        return
    for marker in elements(_OPEN_PERIOD_MARKERS, root):
        yield issue_at(
            marker,
            "rule.open-period-marker-with-end",
            f"{etree.QName(marker).localname} says the period has no end, but it ends on"
            f" {text(end)}",
        )


def _check_earlier_postings(root: etree._Element, period: etree._Element | None) -> Iterator[Issue]:
    concerned = span_of(period) if period is not None else None
    if concerned is None:
        return
    for earlier_period in elements(_EARLIER_POSTING_PERIODS, root):
        earlier = span_of(earlier_period)
        # An earlier posting without an end is still running, so it cannot come before.
        if earlier is not None and (earlier.end is None or earlier.end >= concerned.start):
            yield issue_at(
                earlier_period,
                "rule.earlier-posting-not-before-period",
                f"earlier posting ({earlier.describe()}) does not end before the period"
                f" concerned starts ({concerned.start})",
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
            yield issue_at(
                certified_span.period,
                "rule.certificate-outside-requested-period",
                f"certified period ({certified_span.describe()}) reaches outside the requested"
                f" period ({requested_span.describe()})",
            )
        else:
            yield from _check_exception_answer(root, certified_span, requested_span)
    issuer = first(_ISSUER, root)
    applicable = known_country(text(first(_APPLICABLE, root)))
    issuer_country = institution_country(text(issuer))
    if issuer is not None and applicable is not None and issuer_country not in (None, applicable):
        yield issue_at(
            issuer,
            "rule.issuer-country-mismatch",
            f"a certificate for the legislation of {applicable} is issued by an institution"
            f" of that country, not of {issuer_country}",
        )
    yield from _check_hosts_not_applicable(root, applicable)
    yield from _check_certificate_dates(root, today)
    yield from _check_extension(root)
    yield from _check_v2_content(root, period)


def _check_exception_answer(
    root: etree._Element, certified: Span, requested: Span
) -> Iterator[Issue]:
    """An acceptance of an exception certifies the whole period asked for (A011); a partial
    acceptance (A002) a shorter one within it."""
    purpose = text(first(_PURPOSE, root))
    whole = (certified.start, certified.end) == (requested.start, requested.end)
    if purpose == "exception-acceptance" and not whole:
        yield issue_at(
            certified.period,
            "rule.acceptance-not-whole-period",
            f"an exception-acceptance certifies the period asked for ({requested.describe()}),"
            f" not {certified.describe()}; a shorter one is an exception-partial-acceptance",
        )
    if purpose == "exception-partial-acceptance" and whole:
        yield issue_at(
            certified.period,
            "rule.partial-acceptance-whole-period",
            f"an exception-partial-acceptance certifies less than the period asked for"
            f" ({requested.describe()}); the whole of it is an exception-acceptance",
        )


def _check_hosts_not_applicable(root: etree._Element, applicable: str | None) -> Iterator[Issue]:
    for host_element in elements(_HOSTS, root):
        if applicable is not None and known_country(text(host_element)) == applicable:
            yield issue_at(
                host_element,
                "rule.host-country-is-applicable-legislation",
                f"{applicable} is the country whose legislation applies, not a host country",
            )


def _check_extension(root: etree._Element) -> Iterator[Issue]:
    """Only a posting has a limit to extend, and a certificate can state only an extension
    already agreed when it is issued."""
    extension = first(_EXTENSION_AGREED, root)
    if extension is not None and not _is_posting(root):
        yield issue_at(
            extension,
            "rule.extension-without-posting",
            f"only a posting is extended beyond a limit, not a {text(first(_KIND, root))}",
        )
    agreed_element = first(_EXTENSION_AGREED_ON, root)
    agreed, issued = date_value(agreed_element), date_value(first(_ISSUED_ON, root))
    if agreed_element is not None and agreed is not None and issued is not None and agreed > issued:
        yield issue_at(
            agreed_element,
            "rule.extension-agreed-after-issue",
            f"an extension agreed on {agreed} cannot be stated by a certificate issued on {issued}",
        )


def _check_certificate_dates(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    issued_element = first(_ISSUED_ON, root)
    issued = date_value(issued_element)
    if issued_element is not None and issued is not None and is_future(issued, today):
        yield issue_at(
            issued_element, "rule.issue-date-in-future", f"issue date ({issued}) lies in the future"
        )
    decision_kind = first(_DECISION_KIND, root)
    previous_element = first(_PREVIOUS_DECISION, root)
    amending = text(decision_kind) == "amending"
    if amending and previous_element is None and decision_kind is not None:
        yield issue_at(
            decision_kind,
            "rule.previous-decision-date-missing",
            "an amending decision must give the date of the decision it amends",
        )
    if not amending and previous_element is not None:
        yield issue_at(
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
        yield issue_at(
            previous_element,
            "rule.previous-decision-not-before-issue",
            f"previous decision ({previous}) is not before this certificate's issue date"
            f" ({issued})",
        )


def check_refusal(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A refusal is not dated in the future; its purpose and provisions fit its kind."""
    decided_element = first(_DECIDED_ON, root)
    decided = date_value(decided_element)
    if decided_element is not None and decided is not None and is_future(decided, today):
        yield issue_at(
            decided_element,
            "rule.decision-date-in-future",
            f"decision date ({decided}) lies in the future",
        )
    yield from _check_purpose(root)
    yield from _check_provisions(root)
    yield from unknown_countries(_COVERAGE_COUNTRIES, root)


def check_withdrawal(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A withdrawal takes effect no more than :data:`WITHDRAWAL_NOTICE` ahead of today."""
    element = first(_WITHDRAWN_FROM, root)
    withdrawn = date_value(element)
    # The same one day of tolerance as is_future: the sender's day may begin before ours.
    latest = today + datetime.timedelta(days=1) + WITHDRAWAL_NOTICE
    if element is not None and withdrawn is not None and withdrawn > latest:
        yield issue_at(
            element,
            "rule.withdrawal-too-far-ahead",
            f"a withdrawal takes effect at most {WITHDRAWAL_NOTICE.days} days ahead, not from"
            f" {withdrawn}",
        )
