"""The console's pages of messages: filters, keyset pages, a message's life, a case, failures."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlmodel import Session, col

from console.console_testing import Login, Scenario
from gateway.console import Accounts, Role
from gateway.console._diagram import sequence_diagram
from gateway.console._queries import Cursor, MessageFilter, list_messages, parse_filter
from gateway.exchange import Direction, MessageStatus
from gateway.node import Node
from gateway.store import MessageRecord
from support import Clock, example_bytes

_LISTED = re.compile(r'<td><a href="/console/messages/(\d+)">')


def listed(html: str) -> list[int]:
    """The message numbers a list page shows, in its order."""
    return [int(pk) for pk in _LISTED.findall(html)]


def test_the_list_shows_every_message_newest_first(scenario: Scenario, login: Login) -> None:
    page = login("vera").get("/console/messages")
    assert page.status_code == 200
    shown = listed(page.text)
    with Session(scenario.node.store.engine) as session:
        expected = [
            pk
            for pk, _ in session.execute(
                select(col(MessageRecord.id), col(MessageRecord.created_at)).order_by(
                    col(MessageRecord.created_at).desc(), col(MessageRecord.id).desc()
                )
            )
        ]
    assert shown == expected and len(shown) == 9


@pytest.mark.parametrize(
    ("query", "expect"),
    [
        ("direction=out&status=failed", lambda s: [s.failed]),
        ("status=rejected", lambda s: [s.rejected]),
        ("direction=in&status=refused", lambda s: [s.refused]),
        ("direction=in&document_type=InsurancePeriodsReply", lambda s: [s.received]),
        ("partner=DE:DRV70001&status=delivered", lambda s: [s.delivered]),
        ("message={delivered}", lambda s: [s.delivered]),
        ("case={case}&document_type=InsurancePeriodsRequest", lambda s: [s.delivered]),
        ("until={first_plus_one}", lambda s: [s.rejected]),
        ("since={first_plus_one}&status=rejected", lambda s: []),
        ("partner=IN:EPFO", lambda s: []),
    ],
)
def test_each_filter_narrows_the_list(
    scenario: Scenario,
    login: Login,
    query: str,
    expect: Callable[[Scenario], list[MessageRecord]],
) -> None:
    first = scenario.rejected.created_at + dt.timedelta(seconds=1)
    filled = query.format(
        delivered=scenario.delivered.message_id,
        case=scenario.case_id,
        first_plus_one=first.strftime("%Y-%m-%d %H:%M:%S"),
    )
    page = login("vera").get(f"/console/messages?{filled}")
    assert page.status_code == 200, page.text
    assert listed(page.text) == [r.id for r in expect(scenario)]
    if not expect(scenario):
        assert "No message matches these filters." in page.text


def test_case_and_time_filters_take_every_message_of_their_range(
    scenario: Scenario, login: Login
) -> None:
    client = login("vera")
    in_case = listed(client.get(f"/console/messages?case={scenario.case_id}").text)
    assert len(in_case) == 4  # request, its receipt, the reply, and this node's receipt
    day = scenario.delivered.created_at.date()
    since_day = listed(client.get(f"/console/messages?since={day.isoformat()}").text)
    # All but the rejected request, stored a week earlier (its rejection came back later).
    assert scenario.rejected.id not in since_day and len(since_day) == 8
    received = listed(client.get("/console/messages?direction=in").text)
    with Session(scenario.node.store.engine) as session:
        count = session.scalar(
            select(func.count()).where(col(MessageRecord.direction) == Direction.IN)
        )
    assert len(received) == count


INJECTIONS = [
    "' OR '1'='1",
    "1; DROP TABLE messages; --",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "DE:DRV70001' --",
    "x" * 5000,
]


FIELDS = ["direction", "status", "partner", "document_type", "case", "message", "since", "until"]

BAD_VALUES = [
    ("direction=sideways", "Direction must be sent or received."),
    ("status=lost", "Status must be one of"),
    ("partner=de:drv", "Partner must be an institution id"),
    ("document_type=Letter", "Document type must be one of the listed types."),
    ("case=42", "Case id must be a UUID"),
    ("message=nope", "Message id must be a UUID"),
    ("since=2026-13-45", "From must be a date or a date and time"),
    ("until=yesterday", "To must be a date or a date and time"),
    ("since=2026-11-26&until=2026-11-25", "To must be later than From."),
    ("limit=0", "Rows per page must be a number from 1 to 200."),
    ("limit=1000", "Rows per page must be a number from 1 to 200."),
    ("after=1.2.3", "The page link is not valid"),
    ("after=99999999999999999999.1", "The page link is not valid"),
    # A row number past 32 bits would make PostgreSQL refuse the query itself.
    ("after=1.2147483648", "The page link is not valid"),
    ("after=1.1&before=1.1", "cannot go both ways"),
]


def test_bad_filter_values_are_explained_and_harmless(scenario: Scenario, login: Login) -> None:
    client = login("vera")
    for field in FIELDS:
        for value in INJECTIONS:
            page = client.get("/console/messages", params={field: value})
            assert page.status_code == 400, (field, value)
            assert 'class="error-summary"' in page.text and f'href="#f-{field}"' in page.text
            assert "<script>alert(1)</script>" not in page.text
            assert "<img src=x" not in page.text
            assert listed(page.text) == []
    # Every message is still there, and the list still works.
    assert len(listed(client.get("/console/messages").text)) == 9


def test_each_bad_value_gets_its_own_message(scenario: Scenario, login: Login) -> None:
    client = login("vera")
    for query, message in BAD_VALUES:
        page = client.get(f"/console/messages?{query}")
        assert page.status_code == 400, query
        assert message in page.text, query
        if "page link" not in message and "both ways" not in message:
            assert 'aria-invalid="true"' in page.text, query


@pytest.fixture
def busy(make_node: Callable[..., Node], clock: Clock) -> Node:
    """A node with eleven sent messages: some stored in the same microsecond, some apart."""
    node = make_node("FR:CNAV")
    for index in range(11):
        node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
        if index % 3 == 0:
            clock.advance(1.5)
    Accounts(node.store.engine).add_operator("vera", Role.VIEWER, "x" * 12, now=clock())
    return node


@contextmanager
def statements(node: Node) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements run meanwhile, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        seen.append((str(args[2]), args[3]))

    event.listen(node.store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(node.store.engine, "before_cursor_execute", record)


def test_keyset_pages_cover_the_list_once_in_order_without_offset(busy: Node) -> None:
    everything = list_messages(busy.store.engine, MessageFilter(limit=100)).rows
    assert len(everything) == 11
    keys = [(r.created_at, r.pk) for r in everything]
    assert keys == sorted(keys, reverse=True)

    pages: list[list[int]] = []
    f = MessageFilter(limit=3)
    with statements(busy) as seen:
        while True:
            page = list_messages(busy.store.engine, f)
            pages.append([r.pk for r in page.rows])
            if page.older is None:
                break
            f = MessageFilter(limit=3, after=page.older)
    assert [len(p) for p in pages] == [3, 3, 3, 2]
    assert [pk for p in pages for pk in p] == [r.pk for r in everything]
    selects = [(sql, parameters) for sql, parameters in seen if "FROM messages" in sql]
    assert len(selects) == 4
    for sql, parameters in selects:
        # SQLAlchemy writes "LIMIT ? OFFSET ?" for SQLite whatever the query; the offset it
        # binds must be 0. PostgreSQL gets no OFFSET at all.
        if "OFFSET" in sql:
            assert isinstance(parameters, tuple | list) and parameters[-1] == 0, parameters

    # And back again, newest first on each page.
    last = list_messages(busy.store.engine, f)
    assert last.newer is not None
    back = list_messages(busy.store.engine, MessageFilter(limit=3, before=last.newer))
    assert [r.pk for r in back.rows] == pages[-2]
    first = list_messages(busy.store.engine, MessageFilter(limit=3, before=pages_cursor(busy)))
    assert first.newer is None


def pages_cursor(node: Node) -> Cursor:
    """The cursor of the fourth row: going back from it ends on the first page."""
    rows = list_messages(node.store.engine, MessageFilter(limit=4)).rows
    return rows[3].cursor


def test_new_messages_do_not_shift_the_page_being_read(busy: Node, clock: Clock) -> None:
    first = list_messages(busy.store.engine, MessageFilter(limit=4))
    assert first.older is not None
    clock.advance(10)
    busy.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    second = list_messages(busy.store.engine, MessageFilter(limit=4, after=first.older))
    assert not {r.pk for r in first.rows} & {r.pk for r in second.rows}
    assert second.rows[0].cursor.pk < first.rows[-1].pk or (
        second.rows[0].created_at < first.rows[-1].created_at
    )


def test_the_pages_link_to_each_other(busy: Node) -> None:
    from fastapi.testclient import TestClient

    from console.console_testing import log_in
    from gateway.server import build_app

    client = log_in(TestClient(build_app(busy)), "vera", "x" * 12)
    page = client.get("/console/messages?limit=4&direction=out")
    seen = listed(page.text)
    while 'rel="next"' in page.text:
        link = re.search(r'href="([^"]+)" rel="next"', page.text)
        assert link is not None
        target = link.group(1).replace("&amp;", "&")
        assert "direction=out" in target and "limit=4" in target
        page = client.get(target)
        assert page.status_code == 200
        seen += listed(page.text)
    assert len(seen) == len(set(seen)) == 11
    assert 'rel="prev"' in page.text and "First page" in page.text


def test_the_cursor_round_trips() -> None:
    moment = dt.datetime(2026, 11, 25, 10, 51, 54, 875528, tzinfo=dt.UTC)
    for at in (moment, dt.datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=dt.UTC)):
        cursor = Cursor(at, 42)
        assert Cursor.decode(cursor.encode()) == cursor
    f, problems = parse_filter({"after": Cursor(moment, 7).encode(), "limit": "5"})
    assert not problems and f.after == Cursor(moment, 7) and f.limit == 5


def test_a_message_page_shows_its_timeline_receipts_and_attempts(
    scenario: Scenario, login: Login
) -> None:
    page = login("vera").get(f"/console/messages/{scenario.delivered.id}")
    assert page.status_code == 200
    text = page.text
    stages = re.findall(r'<th scope="row" class="stage">([^<]+)</th>', text)
    assert stages == ["accepted", "authorised", "sealed", "sent", "delivered"]
    # sealed -> sent took 2 s, sent -> delivered 3 s (the scenario moved its clock so).
    spent = re.findall(r"</svg>\s*([^<\n]+?)\s*(?:<|$)", text)
    assert spent[2:4] == ["2 s", "3 s"]
    assert "final" in text
    assert str(scenario.delivered.message_id) in text and scenario.delivered.digest in text
    assert "(matches)" in text  # the signed receipt confirms the digest that was sent
    assert "1 send confirmed by the broker" in text and "attempt 1, confirmed" in text
    assert f'href="/console/cases/{scenario.case_id}"' in text


def test_a_failed_message_shows_its_reason_and_its_attempts(
    scenario: Scenario, login: Login
) -> None:
    text = login("otto").get(f"/console/messages/{scenario.failed.id}").text
    assert "no-receipt" in text and "no receipt after 1 attempts" in text
    assert 'class="row-problem"' in text
    rejected = login("vera").get(f"/console/messages/{scenario.rejected.id}").text
    assert "rejected" in rejected and "expired" in rejected


def test_a_received_message_links_the_receipt_this_node_sent(
    scenario: Scenario, login: Login
) -> None:
    text = login("vera").get(f"/console/messages/{scenario.received.id}").text
    assert "This node answered with a signed Receipt" in text
    assert f'href="/console/messages/{scenario.delivered.id}"' in text  # in reply to
    assert "so far" in text  # it waits in the inbox: its last stage is still running


def test_a_case_is_drawn_as_a_sequence_diagram(scenario: Scenario, login: Login) -> None:
    page = login("vera").get(f"/console/cases/{scenario.case_id}")
    assert page.status_code == 200
    svg = page.text[page.text.index("<svg") : page.text.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert svg.count('<g class="lifeline') == 2
    assert svg.count('<a href="/console/messages/') == 4
    assert svg.count("arrow-technical") == 2
    for kind in ("InsurancePeriodsRequest", "InsurancePeriodsReply", "Receipt"):
        assert kind in svg
    # The same messages as a table, for those who do not see the drawing.
    assert len(listed(page.text[page.text.index("</svg>") :])) == 4


def test_the_diagram_puts_this_node_first_and_draws_each_arrow_between_its_ends(
    scenario: Scenario,
) -> None:
    _, rows = scenario.node.reading.case_rows(scenario.case_id)
    diagram = sequence_diagram(rows, "FR:CNAV")
    assert [lifeline.institution for lifeline in diagram.lifelines] == ["FR:CNAV", "DE:DRV70001"]
    france, germany = (lifeline.x for lifeline in diagram.lifelines)
    assert [(a.x1, a.x2) for a in diagram.arrows] == [
        (france, germany),
        (germany, france),
        (germany, france),
        (france, germany),
    ]
    ys = [a.y for a in diagram.arrows]
    assert ys == sorted(ys) and diagram.lifeline_bottom > ys[-1]
    assert all(0 < a.label_x < diagram.width for a in diagram.arrows)


def test_the_failures_page_lists_failures_with_reasons_and_dead_letters(
    scenario: Scenario, login: Login
) -> None:
    text = login("otto").get("/console/failures").text
    assert set(listed(text)) == {scenario.failed.id, scenario.rejected.id, scenario.refused.id}
    for reason in ("no-receipt", "rejected", "invalid-schema", "decryption-failed"):
        assert reason in text
    assert text.count('action="/console/messages/') == 1  # only the failed one can be retried
    assert f'action="/console/messages/{scenario.failed.id}/retry"' in text
    viewer = login("vera").get("/console/failures").text
    assert "/retry" not in viewer and "Only operators can retry" in viewer
    only = login("vera").get("/console/failures?status=refused").text
    assert listed(only) == [scenario.refused.id]
    wrong = login("vera").get("/console/failures?status=delivered")
    assert wrong.status_code == 400 and "not one this page lists" in wrong.text


def test_a_retry_from_the_failures_page_comes_back_to_it(scenario: Scenario, login: Login) -> None:
    from console.console_testing import csrf_of

    client = login("otto")
    page = client.get("/console/failures")
    response = client.post(
        f"/console/messages/{scenario.failed.id}/retry",
        data={"csrf": csrf_of(page.text), "back": "failures"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/console/failures?done=retried"
    after = client.get(response.headers["location"]).text
    assert "queued to be sent again" in after
    assert scenario.failed.id not in listed(after)
    assert scenario.record(scenario.failed).status is MessageStatus.ACCEPTED


@pytest.mark.parametrize(
    "path",
    [
        "/console/messages/999999",
        "/console/messages/not-a-number",
        "/console/messages/1e3",
        "/console/cases/0b9d7c1e-3f55-4c1b-9c57-6a1f4c1d2e3f",
        "/console/cases/'%20OR%201=1",
        "/console/nowhere",
    ],
)
def test_unknown_addresses_get_a_page_not_an_error(login: Login, path: str) -> None:
    page = login("vera").get(path)
    assert page.status_code == 404
    assert "<h1>" in page.text and "Go to the messages" in page.text


@pytest.mark.parametrize("database_kind", ["sqlite"])
def test_pages_only_read_and_never_wait_for_a_writer(scenario: Scenario, login: Login) -> None:
    """While another connection holds SQLite's write lock (the relay or the consumer in the
    middle of a change), every console page still answers at once."""
    clients = {name: login(name) for name in ("vera", "aude")}
    paths = [
        "/console/messages?status=failed",
        "/console/failures",
        f"/console/messages/{scenario.delivered.id}",
        f"/console/messages/{scenario.received.id}",
        f"/console/cases/{scenario.case_id}",
    ]
    with scenario.node.store.engine.connect() as writer, writer.begin() as transaction:
        # The store begins every writing transaction with BEGIN IMMEDIATE: the lock is held.
        writer.exec_driver_sql("SELECT 1")
        for path in paths:
            started = time.monotonic()
            assert clients["vera"].get(path).status_code == 200, path
            assert time.monotonic() - started < 5, path
        started = time.monotonic()
        assert clients["aude"].get("/console/audit").status_code == 200
        assert time.monotonic() - started < 5
        transaction.rollback()
