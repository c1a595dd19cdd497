"""The message list and one message's page, and what may be done to a message: retry it,
reveal its document, export its evidence."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from gateway.console._format import pretty_xml
from gateway.console._queries import parse_filter, timeline
from gateway.console._site import (
    Console,
    ConsoleDep,
    Form,
    LoggedIn,
    Login,
    Refused,
    can_export_evidence,
    can_retry,
    can_reveal,
    filter_options,
    full_evidence,
    redirect,
)
from gateway.errors import EvidenceUnavailable, GatewayError, PayloadPurged
from gateway.evidence import export_evidence
from gateway.exchange import Direction, IllegalTransition, MessageStatus
from gateway.node import retryable
from gateway.store import MessageRecord

__all__ = ["router"]

_REASON_MIN = 10
_REASON_MAX = 500

router = APIRouter()


def _detail_is_safe(record: MessageRecord, protected: bool) -> bool:
    """Whether a message's stored error text may be shown to every role.

    A refused inbound message keeps the raw validation text, which can quote values of the
    document (personal data); texts of sent messages are the node's own or the partner's
    rejection reasons, which are written without personal data. For a protected person even
    those are withheld: nothing typed by anyone about the case is shown unasked.
    """
    return record.direction is Direction.OUT and not protected


def _message_page(
    console: Console,
    login: Login,
    record: MessageRecord,
    *,
    status: int = 200,
    done: str = "",
    revealed: str | None = None,
    reveal_error: str | None = None,
    reveal_event: int | None = None,
    reason: str = "",
) -> HTMLResponse:
    reading = console.node.reading
    assert record.id is not None
    protected = reading.protected(record.case_id)
    steps = timeline(
        reading.trace(record.message_id), now=console.now(), final=record.status.is_final
    )
    receipts = reading.receipts(record.id) if record.direction is Direction.OUT else []
    answer = reading.receipt_sent_for(record) if record.direction is Direction.IN else None
    return console.render(
        "message.html",
        login=login,
        status=status,
        section="messages",
        title=f"{record.document_type} {str(record.message_id)[:8]}",
        m=record,
        steps=steps,
        longest=max((s.spent.total_seconds() for s in steps if s.spent), default=0.0),
        receipts=receipts,
        answer=answer,
        links=reading.message_keys(
            [m for m in [record.in_reply_to, *(r.receipt_message_id for r in receipts)] if m]
        ),
        replies=reading.replies(record.message_id),
        sends=[s for s in steps if s.stage == "sent"],
        max_attempts=console.node.settings.max_attempts,
        detail_safe=_detail_is_safe(record, protected) or revealed is not None,
        protected=protected,
        problems=[s for s in steps if s.problem],
        done=done,
        revealed=revealed,
        reveal_error=reveal_error,
        reveal_event=reveal_event,
        reason=reason,
        retryable=retryable(record),
        # A page answering a form post cannot fetch itself again.
        live=revealed is None and status == 200,
    )


@router.get("/messages")
def messages(request: Request, console: ConsoleDep, login: LoggedIn) -> Response:
    f, problems = parse_filter(request.query_params)
    page = None if problems else console.node.reading.messages(f)
    return console.render(
        "messages.html",
        login=login,
        status=400 if problems else 200,
        section="messages",
        title="Messages",
        f=f,
        problems=problems,
        invalid={p.field: p.text for p in problems},
        page=page,
        base="/messages",
        # Only the first page follows new messages: a deeper page stays where it is.
        live=page is not None and f.after is None and f.before is None,
        **filter_options(console, list(MessageStatus)),
    )


@router.get("/messages/{pk}")
def message(pk: int, console: ConsoleDep, login: LoggedIn, done: str = "") -> Response:
    record = console.message(pk, login)
    return _message_page(console, login, record, done=done if done in ("retried",) else "")


@router.post("/messages/{pk}/retry")
def retry(pk: int, console: ConsoleDep, login: LoggedIn, form: Form) -> Response:
    console.check_csrf(login, login.session, form)
    record = console.message(pk, login)
    console.require(login, can_retry(login.role), "retry a message", record.message_id)
    if not retryable(record):
        raise Refused(
            409,
            "Cannot retry",
            "Only a failed message this node sent can be retried; this one is "
            f"{record.status.value}.",
            login,
        )
    event = console.audit(
        login,
        "retry",
        message_id=record.message_id,
        detail=f"failed with {record.error_code or 'no code'} after {record.attempts} attempts",
    )
    try:
        console.node.actions.retry(record, by=f"by an operator (audit event {event})")
    except (IllegalTransition, KeyError) as error:
        console.audit(login, "retry-failed", message_id=record.message_id, detail=str(error))
        raise Refused(
            409, "Cannot retry", "The message changed meanwhile; reload it.", login
        ) from None
    except PayloadPurged as error:
        console.audit(login, "retry-failed", message_id=record.message_id, detail=error.code)
        raise Refused(410, "Cannot retry", error.detail, login) from None
    back = "/failures" if form.get("back") == "failures" else f"/messages/{pk}"
    return redirect(f"{console.prefix}{back}?done=retried")


def _reveal_problem(reason: str, protected: bool, form: dict[str, str]) -> str | None:
    """Why a reveal cannot go ahead as asked, in words for the page; None when it can."""
    if not _REASON_MIN <= len(reason) <= _REASON_MAX:
        return (
            f"State why you need to see this document, in {_REASON_MIN} to "
            f"{_REASON_MAX} characters."
        )
    if protected and form.get("protected_ack") != "yes":
        return (
            "This document concerns a protected person: confirm that the case cannot "
            "be handled without seeing it."
        )
    return None


@router.post("/messages/{pk}/reveal")
def reveal(pk: int, console: ConsoleDep, login: LoggedIn, form: Form) -> Response:
    console.check_csrf(login, login.session, form)
    record = console.message(pk, login)
    console.require(
        login, can_reveal(login.role), "reveal a document's personal data", record.message_id
    )
    reason = " ".join(form.get("reason", "").split())
    protected = console.node.reading.protected(record.case_id)
    problem = _reveal_problem(reason, protected, form)
    if problem is not None:
        return _message_page(
            console, login, record, status=400, reveal_error=problem, reason=reason[:_REASON_MAX]
        )
    # Recorded before anything is shown: no reveal without its audit event. A protected
    # person's document is recorded under its own action, so it stands out in the log.
    event = console.audit(
        login,
        "reveal-protected" if protected else "reveal",
        message_id=record.message_id,
        detail=("protected person, confirmed as needed; " if protected else "")
        + f"reason: {reason}",
    )
    try:
        document = pretty_xml(console.node.reading.document(record))
    except GatewayError as error:
        console.audit(login, "reveal-failed", message_id=record.message_id, detail=error.code)
        return _message_page(
            console,
            login,
            record,
            status=409,
            reveal_error=f"The document cannot be opened: {error.detail}",
        )
    return _message_page(console, login, record, revealed=document, reveal_event=event)


@router.get("/messages/{pk}/evidence")
def evidence(pk: int, console: ConsoleDep, login: LoggedIn) -> Response:
    record = console.message(pk, login)
    protected = console.node.reading.protected(record.case_id)
    console.require(
        login,
        can_export_evidence(login.role, protected=protected),
        "export evidence",
        record.message_id,
    )
    try:
        full = full_evidence(login.role)
        bundle = export_evidence(console.node, record, redacted=not full)
    except EvidenceUnavailable as error:
        raise Refused(409, "No evidence to bundle", error.detail, login) from None
    # Recorded before the bundle leaves: it holds personal data.
    console.audit(
        login,
        "evidence-exported",
        message_id=record.message_id,
        detail=("protected person; " if protected else "")
        + ("with the document; " if full else "the document as its SHA-256; ")
        + f"chain proof up to row {bundle.chain.head_length}",
    )
    return Response(
        bundle.to_json(),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="evidence-{record.message_id}.json"'
        },
    )
