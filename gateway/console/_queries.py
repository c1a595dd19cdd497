"""What the console makes of what operators type and of what a message went through: checked
filters for the message lists, and a message's timeline.

Every filter value is checked against its kind (an enum member, an institution id, a UUID, a
time) before it reaches a query (the node's :class:`gateway.node.Reading` reads the lists).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from gateway.codes import InvalidIdentifier, parse_institution_id
from gateway.documents import DocumentType
from gateway.exchange import Direction, MessageStatus
from gateway.node import DEFAULT_PAGE_SIZE, Cursor, MessageFilter, MessageRow

# The dashboard's queries and the query benchmark hold only the database, not a node: they
# read through the same read-only transaction and list functions as the node's Reading.
from gateway.node._listing import latest_change, list_messages
from gateway.node._listing import read_transaction as reading
from gateway.store import TraceEvent

__all__ = [
    "DOCUMENT_TYPES",
    "FAILURE_STATUSES",
    "Cursor",
    "FilterProblem",
    "MessageFilter",
    "MessageRow",
    "Step",
    "latest_change",
    "list_messages",
    "parse_filter",
    "reading",
    "timeline",
]

MAX_PAGE_SIZE = 200
FAILURE_STATUSES = frozenset({MessageStatus.FAILED, MessageStatus.REJECTED, MessageStatus.REFUSED})
DOCUMENT_TYPES = tuple(t.root_name for t in DocumentType)
_MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class FilterProblem:
    """A filter value that was refused, and why, in words for the page."""

    field: str
    text: str


def _one_line(value: str) -> str:
    return value.strip()[:_MAX_TEXT]


def _time(value: str, end: bool) -> dt.datetime:
    """A time from a filter: ISO date or date-time; UTC unless it names its zone.

    A bare date means its start (``from``) or its end (``to``).
    """
    text = value.strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        day = dt.date.fromisoformat(text)
        moment = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
        return moment + dt.timedelta(days=1) if end else moment
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


#: Refuses one filter value: its field, and why in words for the page.
_Refuse = Callable[[str, str], None]


def parse_filter(
    params: Mapping[str, str],
    *,
    fixed_statuses: Collection[MessageStatus] = (),
) -> tuple[MessageFilter, list[FilterProblem]]:
    """Check each filter; a refused value is left out and explained, never an error page."""
    problems: list[FilterProblem] = []
    typed = {key: _one_line(params.get(key, "")) for key in _FIELDS}

    def refuse(name: str, text: str) -> None:
        problems.append(FilterProblem(name, text))

    direction = _direction(typed, refuse)
    statuses = _statuses(typed, fixed_statuses, refuse)
    partner = _partner(typed, refuse)
    document_type = _document_type(typed, refuse)
    case_id = _uuid(typed, "case", "Case id", refuse)
    message_id = _uuid(typed, "message", "Message id", refuse)
    since = _moment(typed, "since", "From", refuse)
    until = _moment(typed, "until", "To", refuse)
    if since is not None and until is not None and since >= until:
        refuse("until", "To must be later than From.")
        until = None
    after = _cursor(typed, "after", refuse)
    before = _cursor(typed, "before", refuse)
    if after is not None and before is not None:
        refuse("before", "A page link cannot go both ways; start again from the first page.")
        before = None
    limit = DEFAULT_PAGE_SIZE
    if typed["limit"]:
        if typed["limit"].isdigit() and 1 <= int(typed["limit"]) <= MAX_PAGE_SIZE:
            limit = int(typed["limit"])
        else:
            refuse("limit", f"Rows per page must be a number from 1 to {MAX_PAGE_SIZE}.")
    return (
        MessageFilter(
            direction=direction,
            statuses=statuses or frozenset(fixed_statuses),
            partner=partner,
            document_type=document_type,
            case_id=case_id,
            message_id=message_id,
            since=since,
            until=until,
            after=after,
            before=before,
            limit=limit,
            typed=typed,
        ),
        problems,
    )


def _direction(typed: Mapping[str, str], refuse: _Refuse) -> Direction | None:
    if not typed["direction"]:
        return None
    try:
        return Direction(typed["direction"])
    except ValueError:
        refuse("direction", "Direction must be sent or received.")
        return None


def _statuses(
    typed: Mapping[str, str], fixed_statuses: Collection[MessageStatus], refuse: _Refuse
) -> frozenset[MessageStatus] | None:
    if not typed["status"]:
        return None
    try:
        status = MessageStatus(typed["status"])
    except ValueError:
        refuse("status", "Status must be one of: " + ", ".join(s.value for s in MessageStatus))
        return None
    if fixed_statuses and status not in fixed_statuses:
        refuse("status", "That status is not one this page lists.")
        return None
    return frozenset({status})


def _partner(typed: Mapping[str, str], refuse: _Refuse) -> str | None:
    if not typed["partner"]:
        return None
    try:
        return parse_institution_id(typed["partner"])
    except InvalidIdentifier:
        refuse(
            "partner",
            "Partner must be an institution id: a country code, a colon and 4 to 10 "
            "capital letters or digits, as in DE:DRV70001.",
        )
        return None


def _document_type(typed: Mapping[str, str], refuse: _Refuse) -> str | None:
    if not typed["document_type"]:
        return None
    if typed["document_type"] in DOCUMENT_TYPES:
        return typed["document_type"]
    refuse("document_type", "Document type must be one of the listed types.")
    return None


def _uuid(typed: Mapping[str, str], name: str, label: str, refuse: _Refuse) -> uuid.UUID | None:
    if not typed[name]:
        return None
    try:
        return uuid.UUID(typed[name])
    except ValueError:
        refuse(name, f"{label} must be a UUID, as in 0b9d7c1e-3f55-4c1b-9c57-6a1f4c1d2e3f.")
        return None


def _moment(typed: Mapping[str, str], name: str, label: str, refuse: _Refuse) -> dt.datetime | None:
    if not typed[name]:
        return None
    try:
        return _time(typed[name], end=name == "until")
    except (ValueError, OverflowError):
        refuse(name, f"{label} must be a date or a date and time, as in 2026-11-25 14:30.")
        return None


def _cursor(typed: Mapping[str, str], name: str, refuse: _Refuse) -> Cursor | None:
    if not typed[name]:
        return None
    try:
        return Cursor.decode(typed[name])
    except ValueError:
        refuse(name, "The page link is not valid; start again from the first page.")
        return None


_FIELDS = (
    "direction",
    "status",
    "partner",
    "document_type",
    "case",
    "message",
    "since",
    "until",
    "after",
    "before",
    "limit",
)


@dataclass(frozen=True, slots=True)
class Step:
    """One stage of a message's life and how long it stayed there."""

    at: dt.datetime
    stage: str
    detail: str
    spent: dt.timedelta | None
    #: True for the last stage of a message still moving: ``spent`` is "so far".
    ongoing: bool
    problem: bool


_PROBLEM_STAGES = frozenset(
    {"failed", "refused", "rejected", "publish-failed", "security-alert", "retry-failed"}
)


def timeline(events: Sequence[TraceEvent], *, now: dt.datetime, final: bool) -> list[Step]:
    """The trace events with the time spent in each stage: until the next event, and for
    the last one until now when the message is not final yet."""
    steps: list[Step] = []
    for index, event in enumerate(events):
        following = events[index + 1] if index + 1 < len(events) else None
        if following is not None:
            spent: dt.timedelta | None = following.at - event.at
            ongoing = False
        elif final:
            spent, ongoing = None, False
        else:
            spent, ongoing = max(now - event.at, dt.timedelta(0)), True
        steps.append(
            Step(
                at=event.at,
                stage=event.stage,
                detail=event.detail,
                spent=spent,
                ongoing=ongoing,
                problem=event.stage in _PROBLEM_STAGES,
            )
        )
    return steps
