"""Search by person through the blind index, on the node: both directions, per country,
names with accents and case, audited with its reason, protected persons for auditors only,
and no clear value in the index."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlmodel import col

from gateway.errors import SearchRefused
from gateway.exchange import PersonQuery
from gateway.node import Node
from gateway.store import AuditEvent, MessageRecord, PersonIndexEntry, Role
from support import deliver, example_bytes

REASON = "claim 2026/0915: checking what was sent"
#: The example request's person: a German and a French number, a name with umlauts.
GERMAN_PIN, FRENCH_PIN = "65140361M017", "161039910904245"


def pin(number: str, country: str) -> PersonQuery:
    return PersonQuery(reason=REASON, pin=number, country=country)


def found(node: Node, query: PersonQuery, role: Role = Role.OPERATOR) -> set[str]:
    rows = node.persons.search(query, actor="otto", role=role)
    return {f"{row.direction.value}:{row.message_id}" for row in rows}


@pytest.fixture
def pair(make_node: Callable[[str], Node]) -> tuple[Node, Node, MessageRecord]:
    """France sent the example request to Germany, which took it in."""
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    sent = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    return france, germany, sent


def test_a_person_is_found_by_pin_after_sending_and_after_receiving(
    pair: tuple[Node, Node, MessageRecord],
) -> None:
    france, germany, sent = pair
    assert found(france, pin(FRENCH_PIN, "FR")) == {f"out:{sent.message_id}"}
    assert found(germany, pin(GERMAN_PIN, "DE")) == {f"in:{sent.message_id}"}
    # As people write numbers: spaces and dashes, lower case, the ISO spelling of a country.
    assert found(germany, pin("65 140361 m-017", "de")) == {f"in:{sent.message_id}"}


def test_the_same_pin_of_another_country_is_not_found(
    pair: tuple[Node, Node, MessageRecord],
) -> None:
    france, germany, _ = pair
    assert found(france, pin(FRENCH_PIN, "BE")) == set()
    assert found(germany, pin(GERMAN_PIN, "FR")) == set()


def test_names_match_whatever_their_accents_and_case(
    pair: tuple[Node, Node, MessageRecord],
) -> None:
    france, _, sent = pair
    expected = {f"out:{sent.message_id}"}
    by_name = PersonQuery(reason=REASON, family_name="MULLER-ludenscheidt", given_name="jurgen")
    assert found(france, by_name) == expected
    born = PersonQuery(
        reason=REASON, family_name="  Müller-Lüdenscheidt ", birth_date=dt.date(1961, 3, 14)
    )
    assert found(france, born) == expected
    other_birth = PersonQuery(
        reason=REASON, family_name="Müller-Lüdenscheidt", birth_date=dt.date(1961, 3, 15)
    )
    assert found(france, other_birth) == set()
    assert found(france, PersonQuery(reason=REASON, family_name="Muller")) == set()


def test_the_back_office_case_reference_finds_the_message(
    pair: tuple[Node, Node, MessageRecord],
) -> None:
    france, _, sent = pair
    query = PersonQuery(reason=REASON, case_reference="cnav-2026-0915-4471")
    assert found(france, query) == {f"out:{sent.message_id}"}


def test_a_search_is_audited_with_its_reason_and_without_the_values(
    pair: tuple[Node, Node, MessageRecord],
) -> None:
    france, _, _ = pair
    found(france, pin(FRENCH_PIN, "FR"))
    with france.store.reading() as session:
        event = session.scalars(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
    assert event is not None
    assert (event.actor, event.role, event.action) == ("otto", "operator", "person-search")
    assert REASON in event.detail and "PIN of FR" in event.detail
    assert FRENCH_PIN not in event.detail


@pytest.mark.parametrize(
    "query",
    [
        PersonQuery(reason="", pin=FRENCH_PIN, country="FR"),
        PersonQuery(reason="too short", pin=FRENCH_PIN, country="FR"),
        PersonQuery(reason=REASON, pin=FRENCH_PIN),
        PersonQuery(reason=REASON),
        PersonQuery(reason=REASON, family_name=" "),
        PersonQuery(reason=REASON, case_reference="X", family_name="Muller"),
    ],
    ids=["no-reason", "short-reason", "pin-without-country", "nobody", "blank-name", "mixed"],
)
def test_a_search_without_reason_or_person_is_refused_and_not_recorded(
    pair: tuple[Node, Node, MessageRecord], query: PersonQuery
) -> None:
    france, _, _ = pair
    with pytest.raises(SearchRefused):
        france.persons.search(query, actor="otto", role=Role.OPERATOR)
    with france.store.reading() as session:
        actions = list(session.scalars(select(col(AuditEvent.action))))
    assert "person-search" not in actions


def test_a_protected_person_is_found_by_auditors_only(
    make_node: Callable[[str], Node],
) -> None:
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    sent = france.submit(
        example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001", protected_person=True
    )
    deliver(france, germany)
    for node, number, country in ((france, FRENCH_PIN, "FR"), (germany, GERMAN_PIN, "DE")):
        assert found(node, pin(number, country), Role.OPERATOR) == set()
        assert [
            row.message_id
            for row in node.persons.search(pin(number, country), actor="aude", role=Role.AUDITOR)
        ] == [sent.message_id]
    with pytest.raises(SearchRefused):
        france.persons.search(pin(FRENCH_PIN, "FR"), actor="vera", role=Role.VIEWER)


def test_the_index_holds_no_clear_value(pair: tuple[Node, Node, MessageRecord]) -> None:
    for node in pair[:2]:
        with node.store.reading() as session:
            rows = list(session.scalars(select(PersonIndexEntry)))
        assert rows, "nothing was indexed"
        stored = " ".join(f"{row.kind} {row.digest}" for row in rows).casefold()
        for value in (GERMAN_PIN, FRENCH_PIN, "müller", "muller", "jürgen", "1961-03-14", "cnav-"):
            assert value.casefold() not in stored
        assert all(len(row.digest) == 64 for row in rows)
        assert {row.kind for row in rows} == {
            "pin",
            "family-name",
            "given-name",
            "birth-date",
            "case-reference",
        }
