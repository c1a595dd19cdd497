"""The demo network's sample registers, and what its people and employers file.

:func:`sample_registers` gives the five demo institutions registers that agree with one
another: one career in Germany, France and India ending in an old-age claim; a French
employee posted to Tunisia (and a colleague whose posting is too long); an Indian employee
with German periods who claims an invalidity pension. Every name and number is invented.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from gateway.cases import PeriodKind
from gateway.codes import Branch, parse_institution_id
from gateway.demo.backoffice.register import (
    Address,
    AppealRoute,
    ClaimApplication,
    CoverageApplication,
    Employer,
    InsuredPerson,
    PaymentAccount,
    PensionRules,
    Person,
    PersonAddress,
    Pin,
    PlaceOfBirth,
    Register,
    RegisteredPeriod,
    RegisterIdentifier,
)

__all__ = [
    "CAREER_PERSON",
    "INVALIDITY_CLAIMANT",
    "LONG_POSTING_WORKER",
    "POSTED_WORKER",
    "SampleApplications",
    "sample_applications",
    "sample_registers",
]

_DE, _FR, _IN, _TN = "DE:DRV70001", "FR:CNAV", "IN:EPFO", "TN:CNSS"
_URSSAF = "FR:URSSAF"

_OLD_AGE = frozenset({Branch.OLD_AGE})
_PENSIONS = frozenset({Branch.OLD_AGE, Branch.SURVIVORS})
_ALL_PENSIONS = frozenset({Branch.OLD_AGE, Branch.SURVIVORS, Branch.INVALIDITY})
_D = dt.date

#: A career in Germany, France and India; he lives in Germany and claims an old-age pension.
CAREER_PERSON = Person(
    family_names=("Müller-Lüdenscheidt",),
    forenames=("Jürgen", "Karl-Heinz"),
    birth_date=_D(1961, 3, 14),
    sex="male",
    place_of_birth=PlaceOfBirth("Lüdenscheid", "DE", "Nordrhein-Westfalen"),
    nationalities=("DE",),
    pins=(
        Pin("DE", "65140361M017", "pensions", _DE),
        Pin("FR", "161039910904245", None, _FR),
        Pin("IN", "100934567812", "pensions", _IN),
    ),
    addresses=(PersonAddress("residence", Address("Hochstraße 17", "Lüdenscheid", "DE", "58507")),),
)

#: A French employee posted to Tunisia for two years; he worked in Tunisia before.
POSTED_WORKER = Person(
    family_names=("Ben Ammar",),
    forenames=("Saïd",),
    birth_date=_D(1984, 6, 21),
    sex="male",
    place_of_birth=PlaceOfBirth("Sfax", "TN"),
    nationalities=("TN", "FR"),
    pins=(Pin("FR", "184069935101278", None, _FR), Pin("TN", "84512307-06", None, _TN)),
    addresses=(
        PersonAddress(
            "residence", Address("27 boulevard de la Liberté", "Marseille", "FR", "13001")
        ),
    ),
)

#: A colleague of the posted worker, whose posting is asked for three years.
LONG_POSTING_WORKER = Person(
    family_names=("Roussel",),
    forenames=("Camille",),
    birth_date=_D(1991, 11, 3),
    sex="female",
    place_of_birth=PlaceOfBirth("Lyon", "FR"),
    nationalities=("FR",),
    pins=(Pin("FR", "291116938204512", None, _FR),),
    addresses=(PersonAddress("residence", Address("5 rue Sainte", "Marseille", "FR", "13001")),),
)

#: An employee in India with German periods, who claims an invalidity pension in India.
INVALIDITY_CLAIMANT = Person(
    family_names=("Raghunathan",),
    forenames=("Priya",),
    birth_date=_D(1979, 8, 9),
    sex="female",
    place_of_birth=PlaceOfBirth("Chennai", "IN", "Tamil Nadu"),
    nationalities=("IN",),
    pins=(
        Pin("IN", "101477382915", "pensions", _IN),
        Pin("DE", "12090879R513", "pensions", _DE),
    ),
    addresses=(
        PersonAddress(
            "residence", Address("14 Luz Church Road", "Chennai", "IN", "600004", "Tamil Nadu")
        ),
    ),
)

_EMPLOYER = Employer(
    name="Ateliers Lefort Ingénierie SAS",
    address=Address("8 quai de la Joliette", "Marseille", "FR", "13002"),
    identifiers=(RegisterIdentifier("FR", "412345678", "SIREN"),),
)
_TUNISIAN_SITES = (
    Address("Zone industrielle Poudrière II, lot 14", "Sfax", "TN", "3000"),
    Address("Port de Radès, quai 5", "Radès", "TN", "2040", "Ben Arous"),
)


def _known_as(person: Person, *countries: str) -> Person:
    """The person as an institution knows them: only the numbers of ``countries``."""
    return Person(
        family_names=person.family_names,
        forenames=person.forenames,
        birth_date=person.birth_date,
        sex=person.sex,
        birth_names=person.birth_names,
        place_of_birth=person.place_of_birth,
        nationalities=person.nationalities,
        pins=tuple(pin for pin in person.pins if pin.country in countries),
        addresses=person.addresses,
    )


def sample_registers() -> Mapping[str, Register]:
    """The registers of the five demo institutions, by institution id.

    The career person's periods, totalized as of 2026-09-30 for old age: Germany 9,526 days
    (the German voluntary period lies inside French employment and counts no day), France
    4,018 and India 4,244.
    """
    return MappingProxyType(
        {
            register.institution: register
            for register in (_drv(), _cnav(), _urssaf(), _epfo(), _cnss())
        }
    )


def _drv() -> Register:
    """DE:DRV70001, which pays pensions: the career person's and the invalidity claimant's
    German periods."""
    return Register(
        institution=parse_institution_id(_DE),
        insured=(
            InsuredPerson(
                CAREER_PERSON,
                (
                    RegisteredPeriod(
                        _D(1977, 9, 1), _D(1980, 6, 30), PeriodKind.EDUCATION, _ALL_PENSIONS
                    ),
                    RegisteredPeriod(
                        _D(1980, 7, 1),
                        _D(1981, 9, 30),
                        PeriodKind.MILITARY_SERVICE,
                        _ALL_PENSIONS,
                    ),
                    RegisteredPeriod(
                        _D(1981, 10, 1), _D(1989, 12, 31), PeriodKind.EMPLOYMENT, _ALL_PENSIONS
                    ),
                    RegisteredPeriod(
                        _D(1992, 3, 1), _D(1994, 2, 28), PeriodKind.VOLUNTARY, _PENSIONS
                    ),
                    RegisteredPeriod(_D(2013, 1, 1), None, PeriodKind.EMPLOYMENT, _ALL_PENSIONS),
                ),
            ),
            InsuredPerson(
                _known_as(INVALIDITY_CLAIMANT, "DE"),
                (
                    RegisteredPeriod(
                        _D(2012, 9, 1), _D(2015, 12, 31), PeriodKind.EMPLOYMENT, _ALL_PENSIONS
                    ),
                ),
            ),
        ),
        pension=PensionRules(
            currency="EUR",
            amount_per_year=Decimal("42.00"),
            legal_basis="§§ 35, 64 SGB VI",
            appeal=AppealRoute(
                "Widerspruchsstelle der Deutschen Rentenversicherung Bund",
                30,
                Address("Ruhrstraße 2", "Berlin", "DE", "10709"),
            ),
        ),
    )


def _cnav() -> Register:
    """FR:CNAV, which pays pensions: the career person's and the posted worker's French
    periods."""
    return Register(
        institution=parse_institution_id(_FR),
        insured=(
            InsuredPerson(
                _known_as(CAREER_PERSON, "FR", "DE"),
                (
                    RegisteredPeriod(
                        _D(1990, 1, 1), _D(1997, 12, 31), PeriodKind.EMPLOYMENT, _PENSIONS
                    ),
                    RegisteredPeriod(
                        _D(2010, 1, 1), _D(2012, 12, 31), PeriodKind.UNEMPLOYMENT, _OLD_AGE
                    ),
                ),
            ),
            InsuredPerson(
                _known_as(POSTED_WORKER, "FR"),
                (RegisteredPeriod(_D(2009, 2, 2), None, PeriodKind.EMPLOYMENT, _PENSIONS),),
            ),
        ),
        pension=PensionRules(
            currency="EUR",
            amount_per_year=Decimal("35.00"),
            legal_basis="Code de la sécurité sociale, art. L351-1",
            appeal=AppealRoute(
                "Commission de recours amiable de la CNAV",
                60,
                Address("110 avenue de Flandre", "Paris", "FR", "75019"),
            ),
        ),
    )


def _urssaf() -> Register:
    """FR:URSSAF: the two workers the Marseille company posts to Tunisia; it certifies postings."""
    return Register(
        institution=parse_institution_id(_URSSAF),
        insured=(
            InsuredPerson(
                _known_as(POSTED_WORKER, "FR", "TN"),
                (RegisteredPeriod(_D(2009, 2, 2), None, PeriodKind.EMPLOYMENT, _ALL_PENSIONS),),
            ),
            InsuredPerson(
                LONG_POSTING_WORKER,
                (RegisteredPeriod(_D(2015, 9, 1), None, PeriodKind.EMPLOYMENT, _ALL_PENSIONS),),
            ),
        ),
    )


def _epfo() -> Register:
    """IN:EPFO, which pays pensions: the career person's and the invalidity claimant's Indian
    periods."""
    return Register(
        institution=parse_institution_id(_IN),
        insured=(
            InsuredPerson(
                _known_as(CAREER_PERSON, "IN", "DE"),
                (
                    RegisteredPeriod(
                        _D(1998, 4, 1),
                        _D(2009, 3, 31),
                        PeriodKind.EMPLOYMENT,
                        _ALL_PENSIONS,
                        "employed",
                    ),
                    RegisteredPeriod(
                        _D(2009, 5, 1),
                        _D(2009, 12, 12),
                        PeriodKind.EMPLOYMENT,
                        _PENSIONS,
                        "employed",
                    ),
                ),
            ),
            InsuredPerson(
                INVALIDITY_CLAIMANT,
                (
                    RegisteredPeriod(
                        _D(2001, 7, 1),
                        _D(2012, 6, 30),
                        PeriodKind.EMPLOYMENT,
                        _ALL_PENSIONS,
                        "employed",
                    ),
                    RegisteredPeriod(
                        _D(2016, 1, 1), None, PeriodKind.EMPLOYMENT, _ALL_PENSIONS, "employed"
                    ),
                ),
            ),
        ),
        pension=PensionRules(
            currency="INR",
            amount_per_year=Decimal("300.00"),
            legal_basis="Employees' Pension Scheme, 1995, para. 12",
            appeal=AppealRoute(
                "Regional Provident Fund Commissioner",
                60,
                Address("14 Bhikaiji Cama Place", "New Delhi", "IN", "110066"),
            ),
        ),
    )


def _cnss() -> Register:
    """TN:CNSS, which pays pensions: the posted worker's earlier Tunisian periods."""
    return Register(
        institution=parse_institution_id(_TN),
        insured=(
            InsuredPerson(
                _known_as(POSTED_WORKER, "TN", "FR"),
                (
                    RegisteredPeriod(
                        _D(2005, 9, 1), _D(2008, 12, 31), PeriodKind.EMPLOYMENT, _ALL_PENSIONS
                    ),
                ),
            ),
        ),
        pension=PensionRules(
            currency="TND",
            amount_per_year=Decimal("25.00"),
            legal_basis="Loi n° 85-12 du 5 mars 1985, régime des salariés non agricoles",
            appeal=AppealRoute("Commission de recours gracieux de la CNSS", 60),
        ),
    )


@dataclass(frozen=True, slots=True)
class SampleApplications:
    """What the demo's people and employers file."""

    old_age_claim: ClaimApplication
    """Lodged at DE:DRV70001, for the career in Germany, France and India."""
    invalidity_claim: ClaimApplication
    """Lodged at IN:EPFO, for an invalidity pension with German periods."""
    posting: CoverageApplication
    """Filed with TN:CNSS: a two-year posting from France to Tunisia."""
    long_posting: CoverageApplication
    """Filed with TN:CNSS: a four-year posting, longer than FR-TN's 36 months allow."""


def sample_applications() -> SampleApplications:
    """The claims and coverage requests the demo plays."""
    return SampleApplications(
        old_age_claim=ClaimApplication(
            pin=CAREER_PERSON.pins_of("DE")[0],
            benefit_kind="old-age",
            claim_date=_D(2026, 9, 15),
            payment=PaymentAccount(
                holder="Jürgen Müller-Lüdenscheidt",
                iban="DE87701500001002345678",
                bic="GENODEF1LUE",
            ),
            other_countries=("FR", "IN"),
        ),
        invalidity_claim=ClaimApplication(
            pin=INVALIDITY_CLAIMANT.pins_of("IN")[0],
            benefit_kind="invalidity",
            claim_date=_D(2026, 10, 20),
            payment=PaymentAccount(
                holder="Priya Raghunathan", account_number="30451192788", bic="DEMOINBB"
            ),
            other_countries=("DE",),
        ),
        posting=CoverageApplication(
            kind="posting",
            worker=POSTED_WORKER,
            employer=_EMPLOYER,
            sending_country="FR",
            host_country="TN",
            work_addresses=_TUNISIAN_SITES,
            start=_D(2027, 1, 4),
            end=_D(2028, 12, 31),
        ),
        long_posting=CoverageApplication(
            kind="posting",
            worker=LONG_POSTING_WORKER,
            employer=_EMPLOYER,
            sending_country="FR",
            host_country="TN",
            work_addresses=_TUNISIAN_SITES[:1],
            start=_D(2027, 2, 1),
            end=_D(2031, 1, 31),
        ),
    )
