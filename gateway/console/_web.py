"""The operator console: server-rendered pages under /console of the node's API.

Every page needs a logged-in operator. Every form post carries the session's CSRF token
(synchronizer token), and every action is written to the hash-chained audit log before it
takes effect. Personal data appears only on an auditor's request, with a stated reason.

This module puts the console together; its pages are grouped by topic, one router each.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.console import (
    _audit_pages,
    _case_pages,
    _login_pages,
    _message_pages,
    _overview_pages,
    _person_pages,
)
from gateway.console._accounts import Accounts
from gateway.console._site import COOKIE, HERE, Console, LoginRequired, Refused, redirect
from gateway.errors import StoreUnavailable
from gateway.node import Node

__all__ = ["COOKIE", "create_console", "mount_console"]

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


def _install_handlers(app: FastAPI, console: Console) -> None:
    async def login_required(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginRequired)
        query = urllib.parse.urlencode({"next": error.next_path})
        return redirect(f"{console.prefix}/login?{query}")

    async def refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, Refused)
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
        LoginRequired: login_required,
        Refused: refused,
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
    pages = (_login_pages, _message_pages, _case_pages, _overview_pages, _person_pages)
    for topic in (*pages, _audit_pages):
        app.include_router(topic.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.add_middleware(_SecurityHeaders)
    return app


def mount_console(app: FastAPI, node: Node, *, prefix: str = "/console") -> FastAPI:
    """Serve the operator console under ``prefix`` of the node's API app."""
    console = create_console(node, prefix=prefix)
    app.mount(prefix, console, name="console")
    return console
