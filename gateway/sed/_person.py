"""The person as every SED writes it (``nav.bruker``) and as our documents do (``c:Person``)."""

from __future__ import annotations

from typing import Final

from gateway.sed._codes import COUNTRY, NAMES, code_table
from gateway.sed._engine import Each, Leaf, One, Rule

__all__ = ["ADDRESS", "PERSON", "SEX"]

#: The civil register's sex: the SEDs write M, K (female) and U.
SEX: Final = code_table("sex", {"M": "male", "K": "female", "U": "unknown"})

_SECTOR: Final = code_table(
    "sektor",
    {
        "alle": "all",
        "pensjon": "pensions",
        "sykdom": "sickness",
        "arbeidsledighet": "unemployment",
        "familie": "family",
        "ulykke": "accidents-at-work",
        "gjenvinning": "recovery",
    },
)

#: An address: ``adresse`` in the SEDs, ``c:Address`` with us.
ADDRESS: Final[tuple[Rule, ...]] = (
    Leaf("gate", "Street"),
    Leaf("postnummer", "PostCode"),
    Leaf("by", "Town"),
    Leaf("region", "Region"),
    Leaf("land", "Country", COUNTRY),
)

_PIN: Final[tuple[Rule, ...]] = (
    Leaf("identifikator", "$"),
    Leaf("land", "@country", COUNTRY),
    Leaf("sektor", "@sector", _SECTOR),
    Leaf("institusjonsid", "@issuingInstitution"),
)

#: The members of ``person`` in a SED's ``bruker`` (and of the other persons it names).
PERSON_DETAILS: Final[tuple[Rule, ...]] = (
    Leaf("etternavn", "FamilyName", NAMES),
    Leaf("fornavn", "Forename", NAMES),
    Leaf("etternavnvedfoedsel", "BirthName", NAMES),
    Leaf("foedselsdato", "BirthDate"),
    Leaf("kjoenn", "Sex", SEX),
    One(
        "foedested",
        "PlaceOfBirth",
        (Leaf("by", "Town"), Leaf("region", "Region"), Leaf("land", "Country", COUNTRY)),
    ),
    Each("statsborgerskap", "Nationality", (Leaf("land", "$", COUNTRY),)),
    Each("pin", "PersonalIdentificationNumber", _PIN),
)

#: A SED's ``bruker`` (person and address) as one of our persons.
PERSON: Final[tuple[Rule, ...]] = (
    One("person", "", PERSON_DETAILS),
    Each("adresse", "Address", ADDRESS, sed_single=True),
)
