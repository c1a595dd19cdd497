"""Searching messages by person: a form posted (so that no PIN or name reaches an address,
a log or the browser's history), audited with its reason before anything is read."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Response

from gateway.console._site import (
    Console,
    ConsoleDep,
    Form,
    LoggedIn,
    Login,
    can_search_persons,
)
from gateway.errors import SearchRefused
from gateway.exchange import PersonQuery
from gateway.node import MessageRow

__all__ = ["router"]

router = APIRouter()

_FIELDS = ("pin", "country", "family_name", "given_name", "birth_date", "case_reference")


def _page(
    console: Console,
    login: Login,
    *,
    typed: dict[str, str],
    rows: list[MessageRow] | None = None,
    problem: str | None = None,
) -> Response:
    return console.render(
        "persons.html",
        status=400 if problem else 200,
        login=login,
        section="persons",
        title="Search by person",
        typed=typed,
        rows=rows,
        problem=problem,
    )


@router.get("/persons")
def search_form(console: ConsoleDep, login: LoggedIn) -> Response:
    console.require(login, can_search_persons(login.role), "search by person")
    return _page(console, login, typed={})


@router.post("/persons")
def search(console: ConsoleDep, login: LoggedIn, form: Form) -> Response:
    console.check_csrf(login, login.session, form)
    console.require(login, can_search_persons(login.role), "search by person")
    typed = {name: form.get(name, "").strip() for name in (*_FIELDS, "reason")}
    try:
        query = _query(typed)
        rows = console.node.persons.search(query, actor=login.name, role=login.role)
    except SearchRefused as error:
        return _page(console, login, typed=typed, problem=error.detail)
    return _page(console, login, typed=typed, rows=rows)


def _query(typed: dict[str, str]) -> PersonQuery:
    values = {name: typed[name] or None for name in _FIELDS if name != "birth_date"}
    birth = typed["birth_date"]
    try:
        birth_date = dt.date.fromisoformat(birth) if birth else None
    except ValueError:
        raise SearchRefused("the birth date is a date such as 1961-03-14") from None
    return PersonQuery(reason=typed["reason"], birth_date=birth_date, **values)
