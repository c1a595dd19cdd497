"""The audit log's pages: reading it, and verifying it and the trace chain."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from gateway.console._audit import ChainReport
from gateway.console._site import Console, ConsoleDep, Form, LoggedIn, Login, can_audit

__all__ = ["router"]

_AUDIT_PAGE = 100

router = APIRouter()


def _audit_page(
    console: Console,
    login: Login,
    before: str,
    report: ChainReport | None = None,
    trace_report: ChainReport | None = None,
) -> HTMLResponse:
    cursor = int(before) if before.isdigit() and len(before) < 19 else None
    events = console.accounts.audit_events(before=cursor, limit=_AUDIT_PAGE + 1)
    return console.render(
        "audit.html",
        login=login,
        section="audit",
        title="Audit log",
        events=events[:_AUDIT_PAGE],
        older=events[_AUDIT_PAGE - 1].id if len(events) > _AUDIT_PAGE else None,
        report=report,
        trace_report=trace_report,
        first_page=cursor is None,
    )


@router.get("/audit")
def audit_log(console: ConsoleDep, login: LoggedIn, before: str = "") -> Response:
    console.require(login, can_audit(login.role), "read the audit log")
    return _audit_page(console, login, before)


@router.post("/audit/verify")
def verify(console: ConsoleDep, login: LoggedIn, form: Form) -> Response:
    console.check_csrf(login, login.session, form)
    console.require(login, can_audit(login.role), "verify the audit log")
    report = console.accounts.verify()
    traces = console.node.reading.verify_trace_chain()
    console.audit(
        login,
        "audit-verified",
        detail="; ".join(
            f"{name}: {r.checked} rows intact"
            if r.ok
            else f"{name}: broken at row {r.broken_row}: {r.problem}"
            for name, r in (("audit log", report), ("trace chain", traces))
        ),
    )
    return _audit_page(console, login, "", report=report, trace_report=traces)
