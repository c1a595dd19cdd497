"""The insurance periods a case carries: read from its periods replies and totalized per
agreement, as the case's competent institution adds them up.

Only the latest version of each reply's document set counts; an invalidated set counts no
more. The person block of a reply is never read: a period holds a country, an institution,
dates, a kind and branches, none of which names the person.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gateway.cases import (
    AgreementsBetween,
    CareersByAgreement,
    InsurancePeriod,
    periods_from_reply,
    totalize_by_agreement,
)
from gateway.documents import DocumentAction, DocumentType, parse_untrusted
from gateway.errors import GatewayError
from gateway.exchange import MessageStatus
from gateway.store import MessageRecord

__all__ = ["CasePeriods", "case_periods"]

_REPLY = DocumentType.INSURANCE_PERIODS_REPLY.root_name


@dataclass(frozen=True, slots=True)
class CasePeriods:
    """The periods of a case's replies and the careers they make, one per agreement."""

    periods: Sequence[InsurancePeriod]
    careers: CareersByAgreement
    #: How many replies were read, and how many could not be (their stored copy is gone, or
    #: it does not read as a reply).
    replies: int
    unreadable: int


def case_periods(
    records: Sequence[MessageRecord],
    read_document: Callable[[MessageRecord], bytes],
    *,
    as_of: dt.date,
    competent_country: str,
    agreements_between: AgreementsBetween,
) -> CasePeriods | None:
    """The periods of the replies among ``records``, or None when the case has no reply.

    They are totalized for ``competent_country`` (the country of the institution that decides),
    separately under each agreement ``agreements_between`` names for it and another country:
    countries bound to it by different agreements are never added together.
    """
    latest: dict[uuid.UUID, MessageRecord] = {}
    for record in records:
        if record.document_type != _REPLY or record.status is MessageStatus.REFUSED:
            continue
        held = latest.get(record.document_set_id)
        if held is None or record.document_version >= held.document_version:
            latest[record.document_set_id] = record
    replies = [r for r in latest.values() if r.action != DocumentAction.INVALIDATE.value]
    if not replies:
        return None
    periods: list[InsurancePeriod] = []
    unreadable = 0
    for record in replies:
        try:
            root = parse_untrusted(read_document(record)).getroot()
            periods.extend(periods_from_reply(root))
        except (GatewayError, ValueError):
            unreadable += 1
    return CasePeriods(
        periods=periods,
        careers=totalize_by_agreement(
            periods,
            competent_country=competent_country,
            agreements_between=agreements_between,
            as_of=as_of,
        ),
        replies=len(replies),
        unreadable=unreadable,
    )
