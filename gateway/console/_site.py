"""What every console page shares: the console itself, who is logged in, what each role may
do, and the refusals pages answer with."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from gateway.console._accounts import Accounts
from gateway.console._format import duration, utc
from gateway.console._queries import DOCUMENT_TYPES
from gateway.exchange import MessageStatus
from gateway.node import Node
from gateway.store import ConsoleSession, MessageRecord, Operator, Role

__all__ = [
    "COOKIE",
    "HERE",
    "Console",
    "ConsoleDep",
    "Form",
    "LoggedIn",
    "Login",
    "LoginRequired",
    "Refused",
    "can_audit",
    "can_export_evidence",
    "can_retry",
    "can_reveal",
    "can_search_persons",
    "filter_options",
    "full_evidence",
    "redirect",
    "seconds",
    "status_group",
]

COOKIE = "ssgw_console"
HERE = Path(__file__).resolve().parent
_FORM_LIMIT = 64 * 1024


# What each role may do -----------------------------------------------------------------


def can_retry(role: Role) -> bool:
    return role is Role.OPERATOR


def can_reveal(role: Role) -> bool:
    return role is Role.AUDITOR


def can_audit(role: Role) -> bool:
    return role is Role.AUDITOR


def can_export_evidence(role: Role, *, protected: bool = False) -> bool:
    """Operators and auditors; for a protected person's case auditors only, as for a reveal.
    Only an auditor's bundle holds the document (:func:`full_evidence`)."""
    return role is Role.AUDITOR if protected else role in (Role.OPERATOR, Role.AUDITOR)


def full_evidence(role: Role) -> bool:
    """Whether an evidence bundle holds the signed document (personal data), or only its
    SHA-256: whoever can resend must not read."""
    return role is Role.AUDITOR


def can_search_persons(role: Role) -> bool:
    """Operators and auditors; only an auditor finds a protected person."""
    return role in (Role.OPERATOR, Role.AUDITOR)


# How pages draw values ------------------------------------------------------------------


def status_group(status: str) -> str:
    """How a status is drawn: settled well, still moving, or a problem."""
    if status in ("delivered", "acknowledged"):
        return "ok"
    if status in ("failed", "rejected", "refused"):
        return "problem"
    return "pending"


def seconds(value: float) -> str:
    """A duration as pages show it: finer when it is short."""
    return f"{value:.2f} s" if value < 10 else f"{value:.0f} s"


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


class LoginRequired(Exception):
    """No operator is logged in: the login page comes first, then ``next_path``."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Refused(Exception):
    """A request the console answers with an explanation page instead of the page asked for."""

    def __init__(self, status: int, title: str, text: str, login: Login | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.text, self.login = status, title, text, login


def redirect(url: str) -> RedirectResponse:
    """A 303 (see other): after a form post, the browser fetches the page it is sent to."""
    return RedirectResponse(url, status_code=303)


class Console:
    """Everything the console's pages share."""

    def __init__(self, node: Node, prefix: str, accounts: Accounts | None = None) -> None:
        self.node = node
        self.prefix = prefix.rstrip("/")
        self.accounts = accounts or Accounts(node.database)
        #: Set when the node stops: live streams end at their next poll.
        self.closing = threading.Event()
        #: Seconds between two looks at the store for a live stream.
        self.live_poll_seconds = 1.0
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
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
            can_search_persons=can_search_persons,
            full_evidence=full_evidence,
            status_group=status_group,
            seconds=seconds,
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
            raise Refused(
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
            raise Refused(
                403,
                "Not allowed",
                f"Your role ({login.role.value}) does not allow this: {what}.",
                login,
            )

    def message(self, pk: int, login: Login) -> MessageRecord:
        """The message a page's address names by its row number, else a "no such message"
        page."""
        record = self.node.reading.message(pk)
        if record is None:
            raise Refused(
                404, "No such message", "This node has no message with that number.", login
            )
        return record


# Dependencies ---------------------------------------------------------------------------


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


async def console_of(request: Request) -> Console:
    """The console a request reaches; async, so FastAPI does not send it to a worker thread."""
    return _console(request)


def logged_in(request: Request) -> Login:
    """The request's operator; anyone else is sent to the login page."""
    console = _console(request)
    token = request.cookies.get(COOKIE, "")
    found = console.accounts.session(token, now=console.now()) if token else None
    if found is None or found[1] is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return Login(found[1], found[0])


async def posted_form(request: Request) -> dict[str, str]:
    """A posted form (application/x-www-form-urlencoded, at most 64 KiB)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > _FORM_LIMIT:
            raise Refused(413, "Form refused", "The form is too large.")
        chunks.append(chunk)
    body = b"".join(chunks)
    if kind != "application/x-www-form-urlencoded" and (kind or body):
        raise Refused(415, "Form refused", "The console only takes its own forms.")
    try:
        text = body.decode("utf-8")
        pairs = urllib.parse.parse_qsl(text, keep_blank_values=True, max_num_fields=50)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "Form refused", "The form could not be read.") from None
    return dict(pairs)


LoggedIn = Annotated[Login, Depends(logged_in)]
Form = Annotated[dict[str, str], Depends(posted_form)]
ConsoleDep = Annotated[Console, Depends(console_of)]


def filter_options(console: Console, statuses: list[MessageStatus]) -> dict[str, Any]:
    partners = sorted(
        i for i in console.node.directory.institutions if i != console.node.institution
    )
    return {
        "directions": [("out", "Sent"), ("in", "Received")],
        "statuses": [s.value for s in statuses],
        "document_types": DOCUMENT_TYPES,
        "partners": partners,
    }
