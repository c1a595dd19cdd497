"""Code lists that the SEDs write one way and our documents another, and their translation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import pycountry

from gateway.codes import InvalidIdentifier, normalise_country
from gateway.sed._engine import SCALAR, Codec, CodeError

__all__ = ["COUNTRY", "LISTED", "NAMES", "code_table"]

# Kosovo has no ISO 3166 code; EESSI and the European Commission write XK (XKX in three letters).
_USER_ASSIGNED_ALPHA_3: Final = {"XKX": "XK"}


def code_table(what: str, table: Mapping[str, str]) -> Codec:
    """A codec for a code list: ``table`` maps each SED code to ours, one to one."""
    reverse = {ours: sed for sed, ours in table.items()}
    if len(reverse) != len(table):
        raise ValueError(f"the {what} table is not one to one")

    def to_ours(value: object) -> str:
        code = SCALAR.to_ours(value)
        if code not in table:
            raise CodeError(f"{what} must be one of: {', '.join(table)}")
        return table[code]

    def to_sed(value: object) -> str:
        code = SCALAR.to_sed(value)
        if code not in reverse:
            raise CodeError(f"{what} {code} has no code in the SED")
        return reverse[code]

    return Codec(to_ours=to_ours, to_sed=to_sed)


def _country_to_ours(value: object) -> str:
    code = SCALAR.to_ours(value).strip().upper()
    if len(code) == 3:
        found = pycountry.countries.get(alpha_3=code)
        alpha_2 = _USER_ASSIGNED_ALPHA_3.get(code) or (found.alpha_2 if found else None)
        if alpha_2 is None:
            raise CodeError("a country code must be ISO 3166 alpha-2 or alpha-3")
        code = alpha_2
    try:
        return normalise_country(code)
    except InvalidIdentifier:
        raise CodeError("a country code must be ISO 3166 alpha-2 or alpha-3") from None


#: A country: ISO alpha-2 or alpha-3 in, EESSI's alpha-2 (EL, UK, XK) in our documents and out.
COUNTRY: Final = Codec(to_ours=_country_to_ours, to_sed=SCALAR.to_sed)


def _names_to_ours(value: object) -> list[str]:
    return [SCALAR.to_ours(value)]


def _names_to_sed(value: object) -> str:
    names = value if isinstance(value, list) else [value]
    return " ".join(SCALAR.to_sed(name) for name in names)


#: Names: the SED writes all forenames (or all surnames) in one field; we keep that text as one
#: name, and write several of ours back separated by spaces.
NAMES: Final = Codec(to_ours=_names_to_ours, to_sed=_names_to_sed)


def _listed_to_ours(value: object) -> list[str]:
    if isinstance(value, list):
        return [SCALAR.to_ours(item) for item in value]
    return [SCALAR.to_ours(value)]


def _listed_to_sed(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [SCALAR.to_sed(item) for item in items]


#: A list of plain values on both sides (a single value is taken as a list of one).
LISTED: Final = Codec(to_ours=_listed_to_ours, to_sed=_listed_to_sed)
