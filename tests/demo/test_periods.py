"""The reference back-office's periods decisions: its replies to periods requests, and
whom it asks for the periods a claim needs."""

from __future__ import annotations

import datetime as dt

from demo.backoffice_testing import (
    CNAV,
    DRV,
    TODAY,
    periods_request,
    replied_periods,
    the_claim,
    valid,
)
from gateway.cases import PeriodKind, periods_from_reply
from gateway.codes import Branch
from gateway.demo.backoffice.decisions import answer_periods_request, plan_periods_requests
from gateway.demo.backoffice.register import Person, Pin
from gateway.demo.backoffice.samples import CAREER_PERSON, POSTED_WORKER
from gateway.directory import Directory


def test_the_periods_reply_lists_what_the_register_holds() -> None:
    periods = replied_periods(DRV, periods_request(CAREER_PERSON))

    assert [(p.start, p.end, p.kind) for p in periods] == [
        (dt.date(1977, 9, 1), dt.date(1980, 6, 30), PeriodKind.EDUCATION),
        (dt.date(1980, 7, 1), dt.date(1981, 9, 30), PeriodKind.MILITARY_SERVICE),
        (dt.date(1981, 10, 1), dt.date(1989, 12, 31), PeriodKind.EMPLOYMENT),
        (dt.date(1992, 3, 1), dt.date(1994, 2, 28), PeriodKind.VOLUNTARY),
        (dt.date(2013, 1, 1), None, PeriodKind.EMPLOYMENT),
    ]
    assert {p.institution for p in periods} == {"DE:DRV70001"}
    assert {p.country for p in periods} == {"DE"}


def test_the_person_is_found_by_a_number_of_the_registers_country_only() -> None:
    french_only = Person(
        family_names=CAREER_PERSON.family_names,
        forenames=CAREER_PERSON.forenames,
        birth_date=CAREER_PERSON.birth_date,
        sex=CAREER_PERSON.sex,
        pins=CAREER_PERSON.pins_of("FR"),
    )

    assert replied_periods(CNAV, periods_request(french_only))
    assert DRV.find(french_only.pins) is None
    spaced = Pin("DE", "65140361 m017")
    assert DRV.find([spaced]) is not None


def test_an_unknown_person_gets_no_periods_found() -> None:
    reply = answer_periods_request(DRV, periods_request(POSTED_WORKER), today=TODAY)

    root = valid(reply).root
    assert periods_from_reply(root) == []
    assert root.findtext("{urn:ssgw:periods:1}NoPeriodsFound/{urn:ssgw:periods:1}Reason") == (
        "person-not-identified"
    )


def test_a_known_person_without_periods_for_the_branch_gets_no_relevant_periods() -> None:
    reply = answer_periods_request(
        CNAV, periods_request(CAREER_PERSON, Branch.INVALIDITY), today=TODAY
    )

    root = valid(reply).root
    assert root.findtext("{urn:ssgw:periods:1}NoPeriodsFound/{urn:ssgw:periods:1}Reason") == (
        "no-relevant-periods"
    )


def test_periods_are_asked_only_where_an_agreement_allows(directory: Directory) -> None:
    claim = the_claim()

    french = plan_periods_requests(
        CNAV, claim, directory=directory, today=TODAY, claim_sender="DE:DRV70001"
    )
    german = plan_periods_requests(DRV, claim, directory=directory, today=TODAY)

    assert [(r.country, r.institution, r.agreement) for r in french.ask] == [
        ("DE", "DE:DRV70001", "EU-883-2004")
    ]
    assert french.not_asked == (("IN", "no social security agreement binds FR and IN"),)
    assert [(r.country, r.institution, r.agreement) for r in german.ask] == [
        ("FR", "FR:CNAV", "EU-883-2004"),
        ("IN", "IN:EPFO", "IN-DE"),
    ]
    assert german.not_asked == ()
