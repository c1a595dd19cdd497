"""The person as every SED writes it (``nav.bruker``) and as our documents do (``c:Person``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from gateway.sed._codes import COUNTRY, NAMES, code_table
from gateway.sed._rules import Each, Leaf, One, Rule, Skip

__all__ = [
    "ADDRESS",
    "EMAIL",
    "FAMILY_MEMBER",
    "PERSON",
    "PERSON_DETAILS",
    "PIN",
    "SEX",
    "TELEPHONE",
    "WITHOUT_BIRTH_OR_SEX",
]

#: The civil register's sex: the SEDs write M, K (female) and U.
SEX: Final = code_table("sex", {"M": "male", "K": "female", "U": "unknown"})

_SECTOR: Final = code_table(
    "sektor",
    {
        "alle": "all",
        "pensjoner": "pensions",
        "sykdom": "sickness",
        "dagpenger": "unemployment",
        "familie": "family",
        "ulykke": "accidents-at-work",
        "gjenvinning": "recovery",
    },
)

_ADDRESS_KIND: Final = code_table(
    "adresse type", {"bosted": "residence", "opphold": "stay", "kontakt": "contact"}
)

_TELEPHONE_KIND: Final = code_table(
    "telefon type", {"hjem": "home", "arbeid": "work", "mobil": "mobile"}
)

#: An address: ``adresse`` in the SEDs, ``c:Address`` with us.
ADDRESS: Final[tuple[Rule, ...]] = (
    Leaf("gate", "Street"),
    Leaf("bygning", "Building"),
    Leaf("postnummer", "PostCode"),
    Leaf("by", "Town"),
    Leaf("region", "Region"),
    Leaf("land", "Country", COUNTRY),
)

#: A person's address, with what it is used for (``c:PersonAddress``).
_PERSON_ADDRESS: Final[tuple[Rule, ...]] = (*ADDRESS, Leaf("type", "@kind", _ADDRESS_KIND))

#: A personal identification number: ``pin`` items in the SEDs.
PIN: Final[tuple[Rule, ...]] = (
    Leaf("identifikator", "$"),
    Leaf("land", "@country", COUNTRY),
    Leaf("sektor", "@sector", _SECTOR),
    Leaf("institusjonsid", "@issuingInstitution"),
    Leaf("institusjonsnavn", "@issuingInstitutionName"),
)

#: Telephone numbers, under a SED person's ``kontakt``; the SED has no kind of e-mail.
TELEPHONE: Final = Each(
    "kontakt.telefon", "Telephone", (Leaf("nummer", "$"), Leaf("type", "@kind", _TELEPHONE_KIND))
)
EMAIL: Final = Each("kontakt.email", "Email", (Leaf("adresse", "$"),))

#: A parent as the SEDs name one (``mor.person``, ``far.person``): forenames and the family
#: name at birth, which is all ``c:Parent`` holds.
_PARENT: Final[tuple[Rule, ...]] = (
    Leaf("fornavn", "Forename", NAMES),
    Leaf("etternavnvedfoedsel", "BirthName", NAMES),
)

#: The members of ``person`` in a SED's ``bruker`` (and of the other persons it names).
PERSON_DETAILS: Final[tuple[Rule, ...]] = (
    Leaf("etternavn", "FamilyName", NAMES),
    Leaf("fornavn", "Forename", NAMES),
    Leaf("etternavnvedfoedsel", "BirthName", NAMES),
    Leaf("fornavnvedfoedsel", "BirthForename", NAMES),
    Leaf("tidligereetternavn", "PreviousFamilyName", NAMES),
    Leaf("tidligerefornavn", "PreviousForename", NAMES),
    Leaf("foedselsdato", "BirthDate"),
    Leaf("kjoenn", "Sex", SEX),
    One(
        "foedested",
        "PlaceOfBirth",
        (Leaf("by", "Town"), Leaf("region", "Region"), Leaf("land", "Country", COUNTRY)),
    ),
    # The SEDs give no date a nationality was acquired: @acquired is an export loss.
    Each("statsborgerskap", "Nationality", (Leaf("land", "$", COUNTRY),)),
    Each("pin", "PersonalIdentificationNumber", PIN),
    TELEPHONE,
    EMAIL,
)

#: A family member of a SED (``ektefelle``, ``barn`` items): the person and the parents.
FAMILY_MEMBER: Final[tuple[Rule, ...]] = (
    One("person", "", PERSON_DETAILS),
    One("far.person", "Father", _PARENT),
    One("mor.person", "Mother", _PARENT),
)

#: A SED's ``bruker`` (person, parents and address) as one of our persons. The SEDs have no
#: field for a person without a fixed address: c:NoFixedAddress is an export loss.
PERSON: Final[tuple[Rule, ...]] = (
    *FAMILY_MEMBER,
    Each("adresse", "Address", _PERSON_ADDRESS, sed_single=True),
)


def _lacks_birth_or_sex(member: Mapping[str, Any]) -> bool:
    person = member.get("person")
    return not isinstance(person, Mapping) or not (
        person.get("foedselsdato") and person.get("kjoenn")
    )


#: Our partners and children are whole persons, who need a birth date and a sex; a SED's
#: family member without them is left out whole, as a named loss.
WITHOUT_BIRTH_OR_SEX: Final = Skip(
    _lacks_birth_or_sex,
    "a family member without birth date and sex has no place in our schema 2.0 "
    "(a partner or child is a full person)",
)
