"""The pages that watch the whole node: the dashboard, the failures, and the live stream that
tells open pages something changed."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from gateway.console._charts import line_chart, top_series
from gateway.console._dashboard import Range, dashboard
from gateway.console._live import change_events
from gateway.console._queries import FAILURE_STATUSES, FilterProblem, parse_filter
from gateway.console._site import (
    COOKIE,
    ConsoleDep,
    LoggedIn,
    Refused,
    filter_options,
    seconds,
)

__all__ = ["router"]

_DEAD_LETTER_PAGE = 50
_LATE_SHOWN = 50

router = APIRouter()


def _bucket_label(span: Range, start: dt.datetime) -> str:
    return start.strftime("%a %H:%M" if span is Range.WEEK else "%H:%M")


@router.get("/dashboard")
def dashboard_page(console: ConsoleDep, login: LoggedIn, range: str = "day") -> Response:
    try:
        span = Range(range)
    except ValueError:
        raise Refused(
            400, "No such time range", "Choose the last hour, day or week.", login
        ) from None
    node = console.node
    now = console.now()
    figures = dashboard(
        node.database,
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
            value_text=seconds,
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
        late_links=node.reading.message_keys([r.message_id for _, r in late[:_LATE_SHOWN]]),
        anchoring=node.reading.anchoring(),
    )


@router.get("/events")
def events(request: Request, console: ConsoleDep) -> Response:
    # An event stream cannot follow a redirect to the login page: a plain 401 tells the
    # browser's EventSource to stop trying.
    token = request.cookies.get(COOKIE, "")
    found = console.accounts.session(token, now=console.now()) if token else None
    if found is None or found[1] is None:
        return Response(status_code=401)
    typed = request.headers.get("last-event-id", "")
    since = int(typed) if typed.isdigit() and len(typed) < 19 else None
    return StreamingResponse(
        change_events(
            console.node.reading.latest_change,
            since=since,
            poll_seconds=console.live_poll_seconds,
            closing=console.closing,
        ),
        media_type="text/event-stream",
        headers={"x-accel-buffering": "no"},
    )


@router.get("/failures")
def failures(request: Request, console: ConsoleDep, login: LoggedIn, done: str = "") -> Response:
    f, problems = parse_filter(request.query_params, fixed_statuses=FAILURE_STATUSES)
    typed_before = request.query_params.get("dl_before", "")
    dl_before = None
    if typed_before:
        if typed_before.isdigit() and len(typed_before) < 19:
            dl_before = int(typed_before)
        else:
            problems.append(
                FilterProblem("dl_before", "The dead-letter page link is not valid; start again.")
            )
    reading = console.node.reading
    page = None if problems else reading.messages(f)
    # One more than a page: whether there is an older page.
    more = _DEAD_LETTER_PAGE + 1
    letters = [] if problems else reading.dead_letters(before=dl_before, limit=more)
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
        **filter_options(console, sorted(FAILURE_STATUSES)),
    )
