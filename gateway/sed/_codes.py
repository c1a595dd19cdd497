"""Code lists that the SEDs write one way and our documents another, and their translation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import pycountry

from gateway.codes import InvalidIdentifier, normalise_country
from gateway.sed._rules import SCALAR, Codec, CodeError, NoSedCode

__all__ = ["BOOLEAN", "COUNTRY", "LISTED", "NAMES", "code_table"]

# Kosovo has no ISO 3166 code; EESSI and the European Commission write XK (XKX in three letters).
_USER_ASSIGNED_ALPHA_3: Final = {"XKX": "XK"}


@dataclass(frozen=True, slots=True)
class _CodeList:
    """A code list read both ways; its methods are the functions of its :class:`Codec`."""

    what: str
    read: Mapping[str, str]
    reverse: Mapping[str, str]
    folded: Mapping[str, str]
    written_as: Mapping[str, str]

    def to_ours(self, value: object) -> str:
        code = SCALAR.to_ours(value)
        if code not in self.read:
            raise CodeError(f"{self.what} must be one of: {', '.join(self.read)}")
        return self.read[code]

    def to_sed(self, value: object) -> str:
        code = SCALAR.to_sed(value)
        if code in self.reverse:
            return self.reverse[code]
        if code in self.written_as:
            return self.written_as[code]
        raise NoSedCode(f"{self.what} {code} has no code in the SED")

    def import_loss(self, value: object) -> str | None:
        if not isinstance(value, str) or value not in self.folded:
            return None
        ours = self.folded[value]
        return (
            f"{self.what} {value} is read as {ours!r}, which is written back as "
            f"{self.reverse[ours]}"
        )

    def export_loss(self, value: object) -> str | None:
        if isinstance(value, str) and value in self.written_as and value not in self.reverse:
            return (
                f"{self.what} {value} has no code in the SED; written as {self.written_as[value]}"
            )
        return None


def code_table(
    what: str,
    table: Mapping[str, str],
    *,
    folded: Mapping[str, str] | None = None,
    written_as: Mapping[str, str] | None = None,
) -> Codec:
    """A codec for a code list: ``table`` maps each SED code to ours, one to one.

    ``folded`` maps further SED codes to the one of ours that comes nearest; reading one is a
    named loss, as it comes back as the code ``table`` gives. ``written_as`` names the SED code
    written for a code of ours that the SED has none for, also a named loss. Any other code of
    ours has no SED code: exporting it is a named loss too.
    """
    reverse = {ours: sed for sed, ours in table.items()}
    if len(reverse) != len(table):
        raise ValueError(f"the {what} table is not one to one")
    folded = dict(folded or {})
    codes = _CodeList(what, {**table, **folded}, reverse, folded, dict(written_as or {}))
    return Codec(
        codes.to_ours, codes.to_sed, codes.import_loss, codes.export_loss, codes=dict(table)
    )


def _boolean_to_ours(value: object) -> bool:
    code: str = SCALAR.to_ours(value)
    if code not in {"1", "0"}:
        raise CodeError("a yes-or-no field must be 1 or 0")
    return code == "1"


def _boolean_to_sed(value: object) -> str:
    if not isinstance(value, bool):
        raise CodeError("must be true or false")
    return "1" if value else "0"


#: Yes or no: the SEDs write 1 and 0, our documents xs:boolean (true and false in JSON).
BOOLEAN: Final = Codec(to_ours=_boolean_to_ours, to_sed=_boolean_to_sed)


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
