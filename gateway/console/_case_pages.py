"""A case's page: its messages drawn as a sequence, its open requests, the deadlines of its
coverage notifications and its periods."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from gateway.cases import notification_deadlines, overdue
from gateway.console._charts import periods_chart
from gateway.console._diagram import sequence_diagram
from gateway.console._site import ConsoleDep, LoggedIn, Refused

__all__ = ["router"]

router = APIRouter()


@router.get("/cases/{case_id}")
def case(case_id: uuid.UUID, console: ConsoleDep, login: LoggedIn) -> Response:
    node = console.node
    reading = node.reading
    found, rows = reading.case_rows(case_id)
    if found is None and not rows:
        raise Refused(404, "No such case", "This node has no case with that id.", login)
    now = console.now()
    state = reading.case_state(case_id)
    late = {request.message_id for request in overdue(state, now)} if state else set()
    periods = reading.case_periods(
        case_id, state, as_of=now.date(), agreements_between=node.directory.agreements_between
    )
    protected = bool(found and found.protected_person)
    return console.render(
        "case.html",
        login=login,
        section="messages",
        title=f"Case {str(case_id)[:8]}",
        case_id=case_id,
        case=found,
        rows=rows,
        diagram=sequence_diagram(rows, node.institution),
        state=state,
        open_requests=sorted(state.open_requests.values() if state else (), key=lambda r: r.due_at),
        late=late,
        # A coverage case's notifications, against the period for objecting to them.
        deadlines=notification_deadlines(state, now) if state else [],
        links=reading.message_keys(sorted(late)),
        now=now,
        periods=periods,
        # A protected person's periods are summed, never drawn one by one.
        periods_chart=(
            periods_chart(periods.periods, periods.careers)
            if periods and periods.periods and not protected
            else None
        ),
        protected=protected,
    )
