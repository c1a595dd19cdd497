"""Cases in the store: the first message of a case writes its row, and every later one
touches it (and marks its person protected when that message says so)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

import pytest

from gateway.node import Node
from gateway.store import CaseRecord, MessageRecord, Trace
from support import example_bytes


@pytest.fixture
def node(make_node: Callable[[str], Node]) -> Node:
    return make_node("FR:CNAV")


@pytest.fixture
def template(node: Node) -> MessageRecord:
    return node.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")


def of_the_same_case(template: MessageRecord) -> MessageRecord:
    """A message not stored yet, of ``template``'s case, like it but for its id."""
    return MessageRecord(**(template.model_dump() | {"id": None, "message_id": uuid.uuid4()}))


def case_of(node: Node, message: MessageRecord) -> CaseRecord:
    case, _ = node.store.case_messages(message.case_id)
    assert case is not None
    return case


def test_a_later_message_touches_its_case(node: Node, template: MessageRecord) -> None:
    first = case_of(node, template)
    later = first.updated_at + dt.timedelta(hours=1)

    node.store.add_message(of_the_same_case(template), traces=[Trace("accepted")], now=later)

    case = case_of(node, template)
    assert case.updated_at == later
    assert case.created_at == first.created_at
    assert not case.protected_person


def test_a_later_message_can_mark_the_person_protected(node: Node, template: MessageRecord) -> None:
    first = case_of(node, template)
    assert not first.protected_person
    later = first.updated_at + dt.timedelta(hours=1)

    node.store.add_message(of_the_same_case(template), traces=[], now=later, protected_person=True)
    # The mark stays: a message that does not repeat it does not lift it.
    node.store.add_message(of_the_same_case(template), traces=[], now=later + dt.timedelta(hours=1))

    case = case_of(node, template)
    assert case.protected_person
    assert case.updated_at == later + dt.timedelta(hours=1)
