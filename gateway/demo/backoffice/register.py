"""The register of a reference back-office.

A :class:`Register` is what one institution keeps about the people it insures: each
:class:`InsuredPerson` with the identification numbers it knows them by and the insurance
periods it holds, plus (for an institution that pays pensions) its :class:`PensionRules`.
A person is found by a personal identification number of the register's own country, the
number that institution can vouch for.

The applications (:class:`ClaimApplication`, :class:`CoverageApplication`) are what a person
or an employer files at an institution; its back-office turns them into the documents it sends.
The demo network's registers and applications are in :mod:`gateway.demo.backoffice.samples`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from gateway.cases import Career, InsurancePeriod, PeriodKind
from gateway.codes import Branch, InstitutionId

__all__ = [
    "Address",
    "AppealRoute",
    "ClaimApplication",
    "CoverageApplication",
    "Employer",
    "InsuredPerson",
    "PaymentAccount",
    "PensionRules",
    "Person",
    "PersonAddress",
    "Pin",
    "PlaceOfBirth",
    "Register",
    "RegisterIdentifier",
    "RegisteredPeriod",
]


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address (the schema's ``c:Address``)."""

    street: str
    town: str
    country: str
    post_code: str | None = None
    region: str | None = None


@dataclass(frozen=True, slots=True)
class PersonAddress:
    """An address of a person with what it is used for: residence, stay or contact."""

    kind: str
    address: Address


@dataclass(frozen=True, slots=True)
class PlaceOfBirth:
    """Where a person was born."""

    town: str
    country: str
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Pin:
    """A personal identification number that ``country`` gave the person."""

    country: str
    number: str
    sector: str | None = None
    issuing_institution: str | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """What identifies a natural person (the schema's ``c:Person``)."""

    family_names: tuple[str, ...]
    forenames: tuple[str, ...]
    birth_date: dt.date
    sex: str
    birth_names: tuple[str, ...] = ()
    place_of_birth: PlaceOfBirth | None = None
    nationalities: tuple[str, ...] = ()
    pins: tuple[Pin, ...] = ()
    addresses: tuple[PersonAddress, ...] = ()

    def pins_of(self, country: str) -> tuple[Pin, ...]:
        """The person's numbers given by ``country`` (one per sector at most)."""
        return tuple(pin for pin in self.pins if pin.country == country)

    @property
    def residence(self) -> Address | None:
        """The residence address, if the person has one on record."""
        for entry in self.addresses:
            if entry.kind == "residence":
                return entry.address
        return None


@dataclass(frozen=True, slots=True)
class RegisteredPeriod:
    """A period the institution holds: ``end`` is the last day, None while it is running."""

    start: dt.date
    end: dt.date | None
    kind: PeriodKind
    counts_for: frozenset[Branch]
    scheme: str = "general"

    def counts_for_any(self, branches: Iterable[Branch]) -> bool:
        """Whether the period counts for at least one of ``branches``."""
        return not self.counts_for.isdisjoint(branches)


@dataclass(frozen=True, slots=True)
class InsuredPerson:
    """A person in the register with the periods the institution holds for them."""

    person: Person
    periods: tuple[RegisteredPeriod, ...] = ()


@dataclass(frozen=True, slots=True)
class AppealRoute:
    """Where and within how many days a person appeals against a decision."""

    body: str
    deadline_days: int
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class PensionRules:
    """How an institution that pays pensions works out the theoretical amount.

    The formula is deliberately simple: ``amount_per_year`` (a monthly amount, in
    ``currency``) for every year of insurance in the totalized career, a year being twelve
    of the career's counted calendar months. The pro-rata share of that theoretical amount is
    what the institution pays (:func:`gateway.cases.theoretical_pro_rata`).
    """

    currency: str
    amount_per_year: Decimal
    legal_basis: str
    appeal: AppealRoute

    def theoretical_amount(self, career: Career) -> Decimal:
        """``amount_per_year`` times the career's total months over twelve, rounded once to
        cents, half to even."""
        cents = round(Fraction(self.amount_per_year) * career.total_months * 100 / 12)
        return Decimal(f"{cents}E-2")


@dataclass(frozen=True, slots=True)
class Register:
    """One institution's register of insured persons."""

    institution: InstitutionId
    insured: tuple[InsuredPerson, ...] = ()
    pension: PensionRules | None = None

    @property
    def country(self) -> str:
        """The institution's country, whose identification numbers the register is keyed by."""
        return self.institution.split(":", 1)[0]

    def find(self, pins: Iterable[Pin]) -> InsuredPerson | None:
        """The insured person one of ``pins`` of this register's country identifies, if any.

        Numbers are compared without spaces and regardless of letter case; numbers of other
        countries are ignored, as the institution cannot vouch for them.
        """
        wanted = {_pin_key(pin.number) for pin in pins if pin.country == self.country}
        for insured in self.insured:
            if any(_pin_key(pin.number) in wanted for pin in insured.person.pins_of(self.country)):
                return insured
        return None

    def insurance_periods(
        self, insured: InsuredPerson, branches: Iterable[Branch] | None = None
    ) -> list[InsurancePeriod]:
        """The person's periods as :mod:`gateway.cases` totalizes them, optionally only those
        counting for one of ``branches``."""
        wanted = None if branches is None else frozenset(branches)
        return [
            InsurancePeriod(
                country=self.country,
                institution=self.institution,
                start=period.start,
                end=period.end,
                kind=period.kind,
                counts_for=period.counts_for,
            )
            for period in insured.periods
            if wanted is None or period.counts_for_any(wanted)
        ]


def _pin_key(number: str) -> str:
    return "".join(number.split()).upper()


@dataclass(frozen=True, slots=True)
class PaymentAccount:
    """The account a benefit is paid into: an IBAN, or an account number with the BIC."""

    holder: str
    iban: str | None = None
    bic: str | None = None
    account_number: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimApplication:
    """A claim a person lodged at an institution, to be passed on to the other countries.

    ``pin`` identifies the claimant in the lodging institution's register.
    """

    pin: Pin
    benefit_kind: str
    claim_date: dt.date
    payment: PaymentAccount
    other_countries: tuple[str, ...]
    remarks: str | None = None


@dataclass(frozen=True, slots=True)
class RegisterIdentifier:
    """An employer's or business's identifier in a national register (SIREN, VAT...)."""

    country: str
    value: str
    register: str | None = None


@dataclass(frozen=True, slots=True)
class Employer:
    """An employer, or with ``self_employed`` the business of a self-employed worker (then
    ``name`` describes the activity)."""

    name: str
    address: Address
    identifiers: tuple[RegisterIdentifier, ...] = ()
    self_employed: bool = False


@dataclass(frozen=True, slots=True)
class CoverageApplication:
    """A request to certify which legislation covers a worker, as the requesting
    institution files it."""

    kind: str
    worker: Person
    employer: Employer
    sending_country: str
    host_country: str
    work_addresses: tuple[Address, ...]
    start: dt.date
    end: dt.date | None
    local_case_number: str | None = None
