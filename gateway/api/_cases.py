"""A case: its state as this node knows it, its open requests, the deadlines of its coverage
notifications, its periods totalized per agreement, and its messages."""

from __future__ import annotations

import uuid
from fractions import Fraction

from fastapi import APIRouter

from gateway.api._access import Client, NodeDep
from gateway.api._models import (
    AgreementTotals,
    CasePeriodsView,
    CaseView,
    CountryTotal,
    NationalTotals,
    NotificationDeadlineView,
    NotTotalizedView,
    OpenRequestView,
    message_summary,
)
from gateway.api._problems import Problem, problems
from gateway.cases import AgreementCareer, NotificationDeadline, notification_deadlines
from gateway.node import CasePeriods

__all__ = ["router"]

router = APIRouter()


@router.get(
    "/api/v1/cases/{case_id}",
    summary="A case and its messages",
    response_model=CaseView,
    responses=problems(400, 401, 404, 503),
)
def case(case_id: uuid.UUID, node: NodeDep, _client: Client) -> CaseView:
    reading = node.reading
    found, messages = reading.case(case_id)
    if found is None:
        raise Problem(404, "not-found", "No such case", str(case_id))
    state = reading.case_state(case_id)
    now = node.clock()
    periods = reading.case_periods(
        case_id, state, as_of=now.date(), agreements_between=node.directory.agreements_between
    )
    return CaseView(
        id=found.id,
        case_type=found.case_type,
        protected_person=found.protected_person,
        created_at=found.created_at.isoformat(),
        updated_at=found.updated_at.isoformat(),
        status=state.status.value if state else None,
        flow=state.flow.value if state and state.flow else None,
        open_requests=[
            OpenRequestView(
                id=request.message_id,
                document_type=request.document_type.root_name,
                sender=request.sender,
                recipient=request.recipient,
                due_at=request.due_at.isoformat(),
                overdue=request.due_at < now,
                reminders=request.reminders,
            )
            for request in (state.open_requests.values() if state else ())
        ],
        notifications=[
            _deadline(each) for each in (notification_deadlines(state, now) if state else ())
        ],
        periods=_periods(periods) if periods else None,
        messages=[message_summary(m, found.protected_person) for m in messages],
    )


def _deadline(deadline: NotificationDeadline) -> NotificationDeadlineView:
    notification = deadline.notification
    return NotificationDeadlineView(
        message_id=notification.message_id,
        purpose=notification.purpose.value,
        sender=notification.sender,
        recipient=notification.recipient,
        notified_at=notification.notified_at.isoformat(),
        due_at=notification.due_at.isoformat(),
        status=deadline.status.value,
        overdue=deadline.overdue,
        objected_by=notification.objected_by,
        definitive_by=notification.definitive_by,
    )


def _periods(periods: CasePeriods) -> CasePeriodsView:
    """The totals of a case's periods, as the console's case view shows them; the periods
    themselves are not listed, so a protected person's case shows the same."""
    careers = periods.careers
    return CasePeriodsView(
        competent_country=careers.competent_country,
        as_of=careers.as_of.isoformat(),
        replies=periods.replies,
        unreadable=periods.unreadable,
        agreements=[_agreement(each) for each in careers.careers],
        not_totalized=[
            NotTotalizedView(
                country=left.country,
                reason=left.reason.value,
                detail=left.detail,
                periods=len(left.periods),
                days=left.days,
            )
            for left in careers.not_totalized
        ],
        national=NationalTotals(
            total_days=careers.national.total_days, total_months=careers.national.total_months
        ),
    )


def _agreement(totalized: AgreementCareer) -> AgreementTotals:
    career = totalized.career
    return AgreementTotals(
        agreement=totalized.agreement,
        title=totalized.title,
        countries=list(totalized.countries),
        total_days=career.total_days,
        total_months=career.total_months,
        competent_share=str(totalized.share),
        competent_share_percent=_percent(totalized.share),
        conflicts=len(career.conflicts),
        by_country=[
            CountryTotal(
                country=country,
                days=days,
                months=career.months_by_country[country],
                share=str(career.pro_rata.get(country, Fraction(0))),
                share_percent=_percent(career.pro_rata.get(country, Fraction(0))),
            )
            for country, days in career.days_by_country.items()
        ],
    )


def _percent(share: Fraction) -> float:
    return round(float(share * 100), 2)
