"""Logging in and out of the console."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request, Response

from gateway.console._accounts import LoginOutcome
from gateway.console._site import COOKIE, ConsoleDep, Form, LoggedIn, redirect

__all__ = ["router"]

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(console: ConsoleDep) -> Response:
    return redirect(console.prefix + "/messages")


@router.get("/login")
def login_page(request: Request, console: ConsoleDep, next: str = "") -> Response:
    token = request.cookies.get(COOKIE, "")
    found = console.accounts.session(token, now=console.now()) if token else None
    if found is not None and found[1] is not None:
        return redirect(console.safe_next(next))
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


@router.post("/login")
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
    onward = redirect(target)
    console.set_cookie(onward, request, fresh)
    return onward


@router.post("/logout")
def logout(request: Request, console: ConsoleDep, login: LoggedIn, form: Form) -> Response:
    console.check_csrf(login, login.session, form)
    console.audit(login, "logout")
    console.accounts.close_session(request.cookies.get(COOKIE, ""))
    response = redirect(console.prefix + "/login")
    response.delete_cookie(COOKIE, path=console.prefix)
    return response
