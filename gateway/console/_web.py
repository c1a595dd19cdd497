"""The operator console: server-rendered pages under /console of the node's API.

Every page needs a logged-in operator. Every form post carries the session's CSRF token
(synchronizer token), and every action is written to the hash-chained audit log before it
takes effect. Personal data appears only on an auditor's request, with a stated reason.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlmodel import col
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.cases import overdue
from gateway.console._accounts import Accounts, LoginOutcome
from gateway.console._audit import ChainReport
from gateway.console._case_periods import case_periods
from gateway.console._charts import line_chart, periods_chart, top_series
from gateway.console._dashboard import Range, dashboard
from gateway.console._diagram import sequence_diagram
from gateway.console._format import duration, pretty_xml, utc
from gateway.console._live import change_events
from gateway.console._models import ConsoleSession, Operator, Role
from gateway.console._queries import (
    DOCUMENT_TYPES,
    FAILURE_STATUSES,
    FilterProblem,
    case_view,
    dead_letters,
    is_protected,
    latest_change,
    list_messages,
    parse_filter,
    reading,
    timeline,
)
from gateway.errors import EvidenceUnavailable, GatewayError, PayloadPurged, StoreUnavailable
from gateway.evidence import export_evidence
from gateway.exchange import Direction, IllegalTransition, MessageStatus
from gateway.node import Node
from gateway.store import MessageRecord, Trace, verify_trace_chain

__all__ = ["COOKIE", "create_console", "mount_console"]

COOKIE = "ssgw_console"
_HERE = Path(__file__).resolve().parent
_FORM_LIMIT = 64 * 1024
_REASON_MIN = 10
_REASON_MAX = 500
_AUDIT_PAGE = 100
_DEAD_LETTER_PAGE = 50
_LATE_SHOWN = 50

_SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class _SecurityHeaders:
    """Adds the console's security headers; pages (not static files) are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = "/static/" in scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(_SECURITY_HEADERS)
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


# What each role may do -----------------------------------------------------------------


def can_retry(role: Role) -> bool:
    return role is Role.OPERATOR


def can_reveal(role: Role) -> bool:
    return role is Role.AUDITOR


def can_audit(role: Role) -> bool:
    return role is Role.AUDITOR


def can_export_evidence(role: Role, *, protected: bool = False) -> bool:
    """Operators and auditors; for a protected person's case auditors only, as for a reveal."""
    return role is Role.AUDITOR if protected else role in (Role.OPERATOR, Role.AUDITOR)


def status_group(status: str) -> str:
    """How a status is drawn: settled well, still moving, or a problem."""
    if status in ("delivered", "acknowledged"):
        return "ok"
    if status in ("failed", "rejected", "refused"):
        return "problem"
    return "pending"


@dataclass(frozen=True, slots=True)
class Login:
    """The operator of a request, with the session (and so the CSRF token) it came with."""

    operator: Operator
    session: ConsoleSession

    @property
    def name(self) -> str:
        return self.operator.name

    @property
    def role(self) -> Role:
        return self.operator.role


class _LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class _Refused(Exception):
    """A request the console answers with an explanation page instead of the page asked for."""

    def __init__(self, status: int, title: str, text: str, login: Login | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.text, self.login = status, title, text, login


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


class Console:
    """Everything the console's pages share."""

    def __init__(self, node: Node, prefix: str, accounts: Accounts | None = None) -> None:
        self.node = node
        self.prefix = prefix.rstrip("/")
        self.accounts = accounts or Accounts(node.store.engine)
        #: Set when the node stops: live streams end at their next poll.
        self.closing = threading.Event()
        #: Seconds between two looks at the store for a live stream.
        self.live_poll_seconds = 1.0
        self.templates = Environment(
            loader=FileSystemLoader(_HERE / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["utc"] = utc
        self.templates.filters["duration"] = duration
        self.templates.filters["short"] = lambda value: str(value)[:8]
        self.templates.globals.update(
            prefix=self.prefix,
            institution=node.institution,
            query=lambda values: urllib.parse.urlencode(values),
            can_retry=can_retry,
            can_reveal=can_reveal,
            can_audit=can_audit,
            can_export_evidence=can_export_evidence,
            status_group=status_group,
            seconds=_seconds,
            percent=lambda share: f"{share * 100:.0f} %",
        )

    def now(self) -> dt.datetime:
        return self.node.clock()

    def close(self) -> None:
        """End the live streams (the node is stopping); pages still answer."""
        self.closing.set()

    def render(
        self,
        template: str,
        *,
        login: Login | None,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **context: Any,
    ) -> HTMLResponse:
        context.setdefault("section", "")
        html = self.templates.get_template(template).render(login=login, **context)
        return HTMLResponse(html, status_code=status, headers=headers)

    def safe_next(self, value: str) -> str:
        """Where to go after logging in: only a console page, never another site."""
        if (
            value.startswith(self.prefix + "/")
            and "//" not in value
            and "\\" not in value
            and not value.startswith(self.prefix + "/login")
            and all(32 < ord(c) < 127 for c in value)
        ):
            return value
        return self.prefix + "/messages"

    def set_cookie(self, response: Response, request: Request, token: str) -> None:
        response.set_cookie(
            COOKIE,
            token,
            path=self.prefix,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    def audit(
        self,
        login: Login | None,
        action: str,
        *,
        message_id: uuid.UUID | None = None,
        detail: str = "",
    ) -> int:
        event = self.accounts.record(
            now=self.now(),
            actor=login.name if login else "(unknown)",
            role=login.role.value if login else "-",
            action=action,
            message_id=message_id,
            detail=detail,
        )
        assert event.id is not None
        return event.id

    def check_csrf(
        self, login: Login | None, session: ConsoleSession, form: Mapping[str, str]
    ) -> None:
        sent = form.get("csrf", "")
        if not sent or not secrets.compare_digest(sent.encode(), session.csrf_token.encode()):
            self.audit(login, "csrf-refused", detail="a form post without this session's token")
            raise _Refused(
                403,
                "Form refused",
                "This form did not come from your current console session, or it has expired. "
                "Go back, reload the page and try again.",
                login,
            )

    def require(
        self, login: Login, allowed: bool, what: str, message_id: uuid.UUID | None = None
    ) -> None:
        if not allowed:
            self.audit(login, "denied", message_id=message_id, detail=what)
            raise _Refused(
                403,
                "Not allowed",
                f"Your role ({login.role.value}) does not allow this: {what}.",
                login,
            )


# Dependencies ---------------------------------------------------------------------------


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def _logged_in(request: Request) -> Login:
    """The request's operator; anyone else is sent to the login page."""
    console = _console(request)
    token = request.cookies.get(COOKIE, "")
    found = console.accounts.session(token, now=console.now()) if token else None
    if found is None or found[1] is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise _LoginRequired(target)
    return Login(found[1], found[0])


async def _form(request: Request) -> dict[str, str]:
    """A posted form (application/x-www-form-urlencoded, at most 64 KiB)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > _FORM_LIMIT:
            raise _Refused(413, "Form refused", "The form is too large.")
        chunks.append(chunk)
    body = b"".join(chunks)
    if kind != "application/x-www-form-urlencoded" and (kind or body):
        raise _Refused(415, "Form refused", "The console only takes its own forms.")
    try:
        text = body.decode("utf-8")
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise _Refused(400, "Form refused", "The form could not be read.") from None
    return dict(pairs)


LoggedIn = Annotated[Login, Depends(_logged_in)]
Form = Annotated[dict[str, str], Depends(_form)]
ConsoleDep = Annotated[Console, Depends(_console)]


# Pages ----------------------------------------------------------------------------------


def _filter_options(console: Console, statuses: list[MessageStatus]) -> dict[str, Any]:
    partners = sorted(
        i for i in console.node.directory.institutions if i != console.node.institution
    )
    return {
        "directions": [("out", "Sent"), ("in", "Received")],
        "statuses": [s.value for s in statuses],
        "document_types": DOCUMENT_TYPES,
        "partners": partners,
    }


def _message_rows_by_id(console: Console, message_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The pk of stored messages with these ids (for links)."""
    if not message_ids:
        return {}
    with reading(console.node.store.engine) as session:
        found = session.execute(
            select(col(MessageRecord.message_id), col(MessageRecord.id)).where(
                col(MessageRecord.message_id).in_(message_ids)
            )
        )
        return {message_id: pk for message_id, pk in found}


def _replies(console: Console, message_id: uuid.UUID) -> list[tuple[int, str, str, str]]:
    with reading(console.node.store.engine) as session:
        found = session.execute(
            select(
                col(MessageRecord.id),
                col(MessageRecord.document_type),
                col(MessageRecord.direction),
                col(MessageRecord.status),
            )
            .where(
                col(MessageRecord.in_reply_to) == message_id,
                # Receipts and rejections are shown with the message already.
                col(MessageRecord.document_type).not_in(("Receipt", "Rejection")),
            )
            .order_by(col(MessageRecord.created_at), col(MessageRecord.id))
        )
        return [(pk, kind, direction.value, status.value) for pk, kind, direction, status in found]


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
    node = console.node
    assert record.id is not None
    now = console.now()
    protected = is_protected(node.store.engine, record.case_id)
    events = node.store.trace(record.message_id)
    steps = timeline(events, now=now, final=record.status.is_final)
    longest = max((s.spent.total_seconds() for s in steps if s.spent), default=0.0)
    receipts = node.store.receipts(record.id) if record.direction is Direction.OUT else []
    answer = node.store.receipt_sent_for(record) if record.direction is Direction.IN else None
    links = _message_rows_by_id(
        console,
        [m for m in [record.in_reply_to, *(r.receipt_message_id for r in receipts)] if m],
    )
    sends = [s for s in steps if s.stage == "sent"]
    return console.render(
        "message.html",
        login=login,
        status=status,
        section="messages",
        title=f"{record.document_type} {str(record.message_id)[:8]}",
        m=record,
        steps=steps,
        longest=longest,
        receipts=receipts,
        answer=answer,
        links=links,
        replies=_replies(console, record.message_id),
        sends=sends,
        max_attempts=node.settings.max_attempts,
        detail_safe=_detail_is_safe(record, protected) or revealed is not None,
        protected=protected,
        problems=[s for s in steps if s.problem],
        done=done,
        revealed=revealed,
        reveal_error=reveal_error,
        reveal_event=reveal_event,
        reason=reason,
        retryable=record.direction is Direction.OUT and record.status is MessageStatus.FAILED,
        # A page answering a form post cannot fetch itself again.
        live=revealed is None and status == 200,
    )


def _install_pages(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def home(console: ConsoleDep) -> Response:
        return _redirect(console.prefix + "/messages")

    @app.get("/login")
    def login_page(request: Request, console: ConsoleDep, next: str = "") -> Response:
        token = request.cookies.get(COOKIE, "")
        found = console.accounts.session(token, now=console.now()) if token else None
        if found is not None and found[1] is not None:
            return _redirect(console.safe_next(next))
        fresh = None
        if found is None:
            fresh, session = console.accounts.open_session(None, now=console.now())
        else:
            session = found[0]
        response = console.render(
            "login.html",
            login=None,
            title="Log in",
            csrf=session.csrf_token,
            next=console.safe_next(next),
            error="",
            name="",
        )
        if fresh is not None:
            console.set_cookie(response, request, fresh)
        return response

    @app.post("/login")
    def login(request: Request, console: ConsoleDep, form: Form) -> Response:
        token = request.cookies.get(COOKIE, "")
        found = console.accounts.session(token, now=console.now()) if token else None
        target = console.safe_next(form.get("next", ""))
        name = form.get("name", "").strip()[:100]
        sent = form.get("csrf", "")
        if (
            found is None
            or not sent
            or not secrets.compare_digest(sent.encode(), found[0].csrf_token.encode())
        ):
            console.audit(None, "csrf-refused", detail="a login form without a valid token")
            fresh, session = console.accounts.open_session(None, now=console.now())
            response = console.render(
                "login.html",
                login=None,
                status=403,
                title="Log in",
                csrf=session.csrf_token,
                next=target,
                error="The login form had expired. Please log in again.",
                name=name,
            )
            console.set_cookie(response, request, fresh)
            return response
        password = form.get("password", "")[:1024]
        result = console.accounts.login(name, password, now=console.now())
        if result.outcome is not LoginOutcome.OK or result.operator is None:
            return console.render(
                "login.html",
                login=None,
                status=401,
                title="Log in",
                csrf=found[0].csrf_token,
                next=target,
                error="Login failed: the name or the password is wrong, or the account is "
                "locked. After 5 failed logins an account is locked for 15 minutes.",
                name=name,
            )
        # A new session, with a new token, for the logged-in operator: a token planted
        # before the login is worth nothing after it.
        console.accounts.close_session(token)
        fresh, _ = console.accounts.open_session(result.operator, now=console.now())
        redirect = _redirect(target)
        console.set_cookie(redirect, request, fresh)
        return redirect

    @app.post("/logout")
    def logout(request: Request, console: ConsoleDep, login: LoggedIn, form: Form) -> Response:
        console.check_csrf(login, login.session, form)
        console.audit(login, "logout")
        console.accounts.close_session(request.cookies.get(COOKIE, ""))
        response = _redirect(console.prefix + "/login")
        response.delete_cookie(COOKIE, path=console.prefix)
        return response

    @app.get("/messages")
    def messages(request: Request, console: ConsoleDep, login: LoggedIn) -> Response:
        f, problems = parse_filter(request.query_params)
        page = None if problems else list_messages(console.node.store.engine, f)
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
            **_filter_options(console, list(MessageStatus)),
        )

    @app.get("/messages/{pk}")
    def message(pk: int, console: ConsoleDep, login: LoggedIn, done: str = "") -> Response:
        record = console.node.store.message(pk)
        if record is None:
            raise _Refused(
                404, "No such message", "This node has no message with that number.", login
            )
        return _message_page(console, login, record, done=done if done in ("retried",) else "")

    @app.post("/messages/{pk}/retry")
    def retry(pk: int, console: ConsoleDep, login: LoggedIn, form: Form) -> Response:
        console.check_csrf(login, login.session, form)
        record = console.node.store.message(pk)
        if record is None:
            raise _Refused(
                404, "No such message", "This node has no message with that number.", login
            )
        console.require(login, can_retry(login.role), "retry a message", record.message_id)
        if record.direction is not Direction.OUT or record.status is not MessageStatus.FAILED:
            raise _Refused(
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
            console.node.store.requeue(
                pk,
                now=console.now(),
                trace=Trace("retried", f"by an operator (audit event {event})"),
            )
        except (IllegalTransition, KeyError) as error:
            console.audit(login, "retry-failed", message_id=record.message_id, detail=str(error))
            raise _Refused(
                409, "Cannot retry", "The message changed meanwhile; reload it.", login
            ) from None
        except PayloadPurged as error:
            console.audit(login, "retry-failed", message_id=record.message_id, detail=error.code)
            raise _Refused(410, "Cannot retry", error.detail, login) from None
        console.node.kick()
        back = "/failures" if form.get("back") == "failures" else f"/messages/{pk}"
        return _redirect(f"{console.prefix}{back}?done=retried")

    @app.post("/messages/{pk}/reveal")
    def reveal(pk: int, console: ConsoleDep, login: LoggedIn, form: Form) -> Response:
        console.check_csrf(login, login.session, form)
        record = console.node.store.message(pk)
        if record is None:
            raise _Refused(
                404, "No such message", "This node has no message with that number.", login
            )
        console.require(
            login, can_reveal(login.role), "reveal a document's personal data", record.message_id
        )
        reason = " ".join(form.get("reason", "").split())
        protected = is_protected(console.node.store.engine, record.case_id)
        problem = None
        if not _REASON_MIN <= len(reason) <= _REASON_MAX:
            problem = (
                f"State why you need to see this document, in {_REASON_MIN} to "
                f"{_REASON_MAX} characters."
            )
        elif protected and form.get("protected_ack") != "yes":
            problem = (
                "This document concerns a protected person: confirm that the case cannot "
                "be handled without seeing it."
            )
        if problem is not None:
            return _message_page(
                console,
                login,
                record,
                status=400,
                reveal_error=problem,
                reason=reason[:_REASON_MAX],
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
            document = pretty_xml(console.node.document_of(record))
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

    @app.get("/messages/{pk}/evidence")
    def evidence(pk: int, console: ConsoleDep, login: LoggedIn) -> Response:
        record = console.node.store.message(pk)
        if record is None:
            raise _Refused(
                404, "No such message", "This node has no message with that number.", login
            )
        protected = is_protected(console.node.store.engine, record.case_id)
        console.require(
            login,
            can_export_evidence(login.role, protected=protected),
            "export evidence",
            record.message_id,
        )
        try:
            bundle = export_evidence(console.node, record)
        except EvidenceUnavailable as error:
            raise _Refused(409, "No evidence to bundle", error.detail, login) from None
        # Recorded before the bundle leaves: it holds personal data.
        console.audit(
            login,
            "evidence-exported",
            message_id=record.message_id,
            detail=("protected person; " if protected else "")
            + f"chain proof up to row {bundle.chain.head_length}",
        )
        return Response(
            bundle.to_json(),
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="evidence-{record.message_id}.json"'
            },
        )

    @app.get("/cases/{case_id}")
    def case(case_id: uuid.UUID, console: ConsoleDep, login: LoggedIn) -> Response:
        node = console.node
        found, rows = case_view(node.store.engine, case_id)
        if found is None and not rows:
            raise _Refused(404, "No such case", "This node has no case with that id.", login)
        now = console.now()
        state = node.cases.state(case_id)
        late = {request.message_id for request in overdue(state, now)} if state else set()
        _, records = node.store.case_messages(case_id)
        periods = case_periods(records, node.document_of, as_of=now.date())
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
            open_requests=sorted(
                state.open_requests.values() if state else (), key=lambda r: r.due_at
            ),
            late=late,
            links=_message_rows_by_id(console, sorted(late)),
            now=now,
            periods=periods,
            # A protected person's periods are summed, never drawn one by one.
            periods_chart=(
                periods_chart(periods.periods, periods.career)
                if periods and periods.periods and not protected
                else None
            ),
            protected=protected,
        )

    @app.get("/dashboard")
    def dashboard_page(console: ConsoleDep, login: LoggedIn, range: str = "day") -> Response:
        try:
            span = Range(range)
        except ValueError:
            raise _Refused(
                400, "No such time range", "Choose the last hour, day or week.", login
            ) from None
        node = console.node
        now = console.now()
        figures = dashboard(
            node.store.engine,
            span,
            now=now,
            threshold=dt.timedelta(seconds=node.settings.receipt_timeout_seconds),
        )
        labels = [_bucket_label(span, bucket.start) for bucket in figures.buckets]
        late = node.late_requests()
        return console.render(
            "dashboard.html",
            login=login,
            section="dashboard",
            title="Dashboard",
            live=True,
            d=figures,
            ranges=[(r.value, f"Last {r.value}") for r in Range],
            labels=labels,
            partner_chart=line_chart(top_series(figures.by_partner), labels),
            type_chart=line_chart(top_series(figures.by_type), labels),
            latency_chart=line_chart(
                {
                    "p50": [b.p50 for b in figures.latency],
                    "p95": [b.p95 for b in figures.latency],
                },
                labels,
                value_text=_seconds,
                floor_max=0.1,
            ),
            error_chart=line_chart(
                {"error rate": [None if r is None else r * 100 for r in figures.error_rate]},
                labels,
                value_text=lambda v: f"{v:.0f} %",
                floor_max=10,
            ),
            late=late[:_LATE_SHOWN],
            late_total=len(late),
            late_links=_message_rows_by_id(console, [r.message_id for _, r in late[:_LATE_SHOWN]]),
        )

    @app.get("/events")
    def events(request: Request, console: ConsoleDep) -> Response:
        # An event stream cannot follow a redirect to the login page: a plain 401 tells the
        # browser's EventSource to stop trying.
        token = request.cookies.get(COOKIE, "")
        found = console.accounts.session(token, now=console.now()) if token else None
        if found is None or found[1] is None:
            return Response(status_code=401)
        typed = request.headers.get("last-event-id", "")
        since = int(typed) if typed.isdigit() and len(typed) < 19 else None
        engine = console.node.store.engine
        return StreamingResponse(
            change_events(
                lambda: latest_change(engine),
                since=since,
                poll_seconds=console.live_poll_seconds,
                closing=console.closing,
            ),
            media_type="text/event-stream",
            headers={"x-accel-buffering": "no"},
        )

    @app.get("/failures")
    def failures(
        request: Request, console: ConsoleDep, login: LoggedIn, done: str = ""
    ) -> Response:
        f, problems = parse_filter(request.query_params, fixed_statuses=FAILURE_STATUSES)
        typed_before = request.query_params.get("dl_before", "")
        dl_before = None
        if typed_before:
            if typed_before.isdigit() and len(typed_before) < 19:
                dl_before = int(typed_before)
            else:
                problems.append(
                    FilterProblem(
                        "dl_before", "The dead-letter page link is not valid; start again."
                    )
                )
        page = None if problems else list_messages(console.node.store.engine, f)
        letters = (
            []
            if problems
            else dead_letters(
                console.node.store.engine, before=dl_before, limit=_DEAD_LETTER_PAGE + 1
            )
        )
        return console.render(
            "failures.html",
            login=login,
            status=400 if problems else 200,
            section="failures",
            title="Failures",
            f=f,
            problems=problems,
            invalid={p.field: p.text for p in problems},
            page=page,
            base="/failures",
            letters=letters[:_DEAD_LETTER_PAGE],
            letters_more=len(letters) > _DEAD_LETTER_PAGE,
            done=done if done == "retried" else "",
            **_filter_options(console, sorted(FAILURE_STATUSES)),
        )

    @app.get("/audit")
    def audit_log(console: ConsoleDep, login: LoggedIn, before: str = "") -> Response:
        console.require(login, can_audit(login.role), "read the audit log")
        return _audit_page(console, login, before)

    @app.post("/audit/verify")
    def verify(console: ConsoleDep, login: LoggedIn, form: Form) -> Response:
        console.check_csrf(login, login.session, form)
        console.require(login, can_audit(login.role), "verify the audit log")
        report = console.accounts.verify()
        traces = verify_trace_chain(console.node.store.engine)
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


def _bucket_label(span: Range, start: dt.datetime) -> str:
    return start.strftime("%a %H:%M" if span is Range.WEEK else "%H:%M")


def _seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.0f} s"


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


def _install_handlers(app: FastAPI, console: Console) -> None:
    async def login_required(request: Request, error: Exception) -> Response:
        assert isinstance(error, _LoginRequired)
        query = urllib.parse.urlencode({"next": error.next_path})
        return _redirect(f"{console.prefix}/login?{query}")

    async def refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, _Refused)
        return console.render(
            "error.html",
            login=error.login,
            status=error.status,
            title=error.title,
            text=error.text,
        )

    async def not_found(request: Request, error: Exception) -> Response:
        status = error.status_code if isinstance(error, StarletteHTTPException) else 404
        title = "Not found" if status == 404 else "Not possible"
        text = (
            "There is no console page at this address."
            if status == 404
            else "The console cannot answer this request."
        )
        return console.render("error.html", login=None, status=status, title=title, text=text)

    async def unavailable(request: Request, error: Exception) -> Response:
        return console.render(
            "error.html",
            login=None,
            status=503,
            title="Store unavailable",
            text="The node's database does not answer just now. Try again in a moment.",
        )

    async def failed(request: Request, error: Exception) -> Response:
        return console.render(
            "error.html",
            login=None,
            status=500,
            title="Something went wrong",
            text="The console could not show this page. The node's log has the details.",
        )

    handlers: dict[type[Exception], Callable[[Request, Exception], Awaitable[Response]]] = {
        _LoginRequired: login_required,
        _Refused: refused,
        StarletteHTTPException: not_found,
        RequestValidationError: not_found,
        StoreUnavailable: unavailable,
        Exception: failed,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)


def create_console(
    node: Node, *, prefix: str = "/console", accounts: Accounts | None = None
) -> FastAPI:
    """The console as its own ASGI app, to be mounted at ``prefix``."""
    console = Console(node, prefix, accounts)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.state.console = console
    app.state.node = node
    _install_handlers(app, console)
    _install_pages(app)
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="console-static")
    app.add_middleware(_SecurityHeaders)
    return app


def mount_console(app: FastAPI, node: Node, *, prefix: str = "/console") -> FastAPI:
    """Serve the operator console under ``prefix`` of the node's API app."""
    console = create_console(node, prefix=prefix)
    app.mount(prefix, console, name="console")
    return console
