"""Identifiers and code lists shared by documents, the directory and policy.

Institution ids follow EESSI: a country code, a colon, then 4 to 10 ASCII letters or digits,
their case kept as the network writes them (``DE:DRV70001``, ``DE:GZDKoStEU``). EESSI writes
Greece ``EL`` and the United Kingdom ``UK``; ISO 3166 writes ``GR`` and ``GB``. This node accepts
both and normalises to the EESSI form, because that is what the institution repository of the
largest network uses.
"""

from __future__ import annotations

import enum
import re
from typing import NewType

__all__ = [
    "COUNTRY_CODES",
    "Branch",
    "InstitutionId",
    "InvalidIdentifier",
    "Principle",
    "normalise_country",
    "parse_institution_id",
]

# ISO 3166-1 alpha-2 codes, in EESSI's spelling (EL for Greece, UK for the United Kingdom), and
# XK, the user-assigned code that EESSI and the European Commission use for Kosovo.
_ISO_CODES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR "
    "BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ "
    "EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GD GE GF GG GH GI GL GM GN GP GQ GS GT GU GW "
    "GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY "
    "KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV "
    "MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY "
    "QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG "
    "TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM "
    "ZW EL UK XK"
)

#: Every country code this node knows, EESSI spelling.
COUNTRY_CODES = frozenset(_ISO_CODES.split())

_ISO_TO_EESSI = {"GR": "EL", "GB": "UK"}

InstitutionId = NewType("InstitutionId", str)
"""An institution's id in the EESSI form ``CC:CODE``, country normalised."""

_INSTITUTION_ID = re.compile(r"([A-Z]{2}):([A-Za-z0-9]{4,10})")


class InvalidIdentifier(ValueError):
    """An institution id or country code that is not well formed or not known."""


def normalise_country(code: str) -> str:
    """Return the EESSI spelling of a country code, refusing one that is not known."""
    code = _ISO_TO_EESSI.get(code, code)
    if code not in COUNTRY_CODES:
        raise InvalidIdentifier(f"unknown country code {code!r}")
    return code


def parse_institution_id(text: str) -> InstitutionId:
    """Check and normalise an institution id.

    Only ASCII letters and digits are accepted, so look-alike letters from other scripts
    (a Cyrillic A for a Latin A) can never pass as another institution's id. The code's case is
    kept; the directory refuses two ids that differ only in case, so case never tells two
    institutions apart.
    """
    match = _INSTITUTION_ID.fullmatch(text)
    if match is None:
        raise InvalidIdentifier(
            f"{text!r} is not an institution id: expected a country code, a colon and "
            "4 to 10 ASCII letters or digits, as in DE:DRV70001"
        )
    country, code = match.groups()
    return InstitutionId(f"{normalise_country(country)}:{code}")


class Branch(enum.StrEnum):
    """Branches of social security: ILO Convention No. 102's nine, plus the EU's death grants
    and pre-retirement benefits."""

    MEDICAL_CARE = "medical-care"
    SICKNESS = "sickness"
    UNEMPLOYMENT = "unemployment"
    OLD_AGE = "old-age"
    EMPLOYMENT_INJURY = "employment-injury"
    FAMILY = "family"
    MATERNITY = "maternity"
    INVALIDITY = "invalidity"
    SURVIVORS = "survivors"
    DEATH_GRANT = "death-grant"
    PRE_RETIREMENT = "pre-retirement"


class Principle(enum.StrEnum):
    """Key principles a social security agreement may contain."""

    EQUALITY_OF_TREATMENT = "equality-of-treatment"
    APPLICABLE_LEGISLATION = "applicable-legislation"
    EXPORT_OF_BENEFITS = "export-of-benefits"
    TOTALIZATION = "totalization"
    ADMINISTRATIVE_ASSISTANCE = "administrative-assistance"
    RECIPROCITY = "reciprocity"
