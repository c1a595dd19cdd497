"""The blind index of persons: keyed hashes of who a document is about, searchable without
opening any sealed payload.

Every person element of a document (one with a common ``FamilyName``: the insured person,
a claimant, a deceased person, family members, a representative) gives one hash per
personal identification number (with its issuing country), per family name and birth name,
per forename and for the birth date; the document's ``LocalCaseNumber`` (the back-office's
case reference) gives one more. Each hash is ``HMAC-SHA256(key, kind, value)`` over the
normalised value, so equal values of two documents meet, the stored hashes say nothing
without the node's key, and a PIN of one country never matches the same digits of another.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from gateway.codes import InvalidIdentifier, normalise_country
from gateway.documents import COMMON_NAMESPACE
from gateway.errors import KeyMaterialError, SearchRefused
from gateway.security import write_file_atomically

__all__ = [
    "PersonIndexKey",
    "PersonKey",
    "PersonKind",
    "PersonQuery",
    "normalise_name",
    "normalise_pin",
]

_C = f"{{{COMMON_NAMESPACE}}}"
_KEY_BYTES = 32
#: Separates the parts of what is hashed; it cannot occur in a normalised value.
_UNIT = "\x1f"
#: Characters people and registers put inside numbers: spaces, dots, dashes, slashes.
_PIN_SEPARATORS = re.compile(r"[\s./\-]+")
#: A reason is what an auditor reads later: long enough to say something, short of a story.
REASON_LENGTH = (10, 500)


class PersonKind(enum.StrEnum):
    """What an index row's hash was made of."""

    PIN = "pin"
    FAMILY_NAME = "family-name"
    GIVEN_NAME = "given-name"
    BIRTH_DATE = "birth-date"
    CASE_REFERENCE = "case-reference"


#: The elements of a person and what each gives; birth names count as family names, so a
#: person is found by the name they were born with too.
_PERSON_PARTS = {
    f"{_C}FamilyName": PersonKind.FAMILY_NAME,
    f"{_C}BirthName": PersonKind.FAMILY_NAME,
    f"{_C}Forename": PersonKind.GIVEN_NAME,
    f"{_C}BirthDate": PersonKind.BIRTH_DATE,
    f"{_C}PersonalIdentificationNumber": PersonKind.PIN,
}


def normalise_name(text: str) -> str:
    """A name as the index compares it: case folded, accents removed (NFKD, combining marks
    dropped), whitespace collapsed. ``Müller  Lüdenscheidt`` and ``MULLER lüdenscheidt``
    are the same."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.split())


def normalise_pin(text: str) -> str:
    """A personal identification number without the separators registers write into it
    (spaces, dots, dashes, slashes), in upper case: ``65 140361 m-017`` is ``65140361M017``."""
    return _PIN_SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()


@dataclass(frozen=True, slots=True)
class PersonKey:
    """One row of the index: the ``person``-th person of a document (0 for the document
    itself, as its case reference) and a keyed hash of one of its values."""

    person: int
    kind: PersonKind
    digest: str


class PersonIndexKey:
    """The node's secret key for the blind index: 32 random bytes, as hex in a 0600 file."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) != _KEY_BYTES:
            raise KeyMaterialError(f"a person index key has {_KEY_BYTES} bytes")
        self._secret = secret

    @classmethod
    def generate(cls) -> PersonIndexKey:
        return cls(secrets.token_bytes(_KEY_BYTES))

    @classmethod
    def open(cls, path: Path, *, create: bool) -> PersonIndexKey:
        """The key in ``path``; when ``create`` and there is no file, a new key written there
        first (mode 0600, never replacing a file another process wrote meanwhile).

        Raises :class:`KeyMaterialError` for a file that cannot be read or holds no key.
        """
        if create and not path.exists():
            try:
                write_file_atomically(
                    path, cls.generate().hex().encode() + b"\n", mode=0o600, overwrite=False
                )
            except KeyMaterialError:
                pass  # another worker of the node wrote it first: read theirs
            except OSError as error:
                raise KeyMaterialError(f"person_index_key {path}: {error.strerror}") from None
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as error:
            why = error.strerror if isinstance(error, OSError) else "not hex text"
            raise KeyMaterialError(f"person_index_key {path}: {why}") from None
        try:
            return cls(bytes.fromhex(text))
        except ValueError:
            raise KeyMaterialError(
                f"person_index_key {path}: not a key ({_KEY_BYTES * 2} hex digits expected)"
            ) from None

    def hex(self) -> str:
        return self._secret.hex()

    def digest(self, kind: PersonKind, *parts: str) -> str:
        message = _UNIT.join((kind.value, *parts)).encode("utf-8")
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def pin(self, country: str, number: str) -> str:
        return self.digest(PersonKind.PIN, country, normalise_pin(number))

    def keys_of(self, document: etree._Element) -> list[PersonKey]:
        """The index rows of a parsed, validated document (no second parse: the caller's
        tree is read as it is)."""
        found: dict[tuple[int, PersonKind, str], None] = {}
        holders = dict.fromkeys(el.getparent() for el in document.iter(f"{_C}FamilyName"))
        for number, person in enumerate((h for h in holders if h is not None), start=1):
            for part in person:
                kind = _PERSON_PARTS.get(str(part.tag))
                digest = self._value_digest(kind, part) if kind else None
                if kind and digest:
                    found[(number, kind, digest)] = None
        for reference in document.iter("{*}LocalCaseNumber"):
            digest = self.case_reference(_text(reference))
            if digest:
                found[(0, PersonKind.CASE_REFERENCE, digest)] = None
        return [PersonKey(person, kind, digest) for person, kind, digest in found]

    def _value_digest(self, kind: PersonKind, element: etree._Element) -> str | None:
        text = _text(element)
        if kind is PersonKind.PIN:
            country = _country(element.get("country", ""))
            return self.pin(country, text) if country and normalise_pin(text) else None
        if kind is PersonKind.BIRTH_DATE:
            return self.digest(kind, text.strip()[:10]) if text.strip() else None
        name = normalise_name(text)
        return self.digest(kind, name) if name else None

    def case_reference(self, text: str) -> str | None:
        reference = " ".join(text.split()).casefold()
        return self.digest(PersonKind.CASE_REFERENCE, reference) if reference else None


def _text(element: etree._Element) -> str:
    return "".join(element.itertext())


def _country(code: str) -> str | None:
    try:
        return normalise_country(code.strip().upper())
    except InvalidIdentifier:
        return None


@dataclass(frozen=True, slots=True)
class PersonQuery:
    """What a search asks: a PIN with its country, or a family name (with a forename and a
    birth date to narrow it), or a case reference; and why."""

    reason: str
    pin: str | None = None
    country: str | None = None
    family_name: str | None = None
    given_name: str | None = None
    birth_date: dt.date | None = None
    case_reference: str | None = None

    def keys(self, key: PersonIndexKey) -> tuple[PersonKey, ...]:
        """The index rows one person must hold together (all of them, ``person`` unset: 0).

        Raises :class:`SearchRefused` for a search without a reason of 10 to 500 characters,
        one that names nobody, or one that mixes a case reference with a person's values.
        """
        low, high = REASON_LENGTH
        if not low <= len(self.reason.strip()) <= high:
            raise SearchRefused(f"a search by person needs its reason, {low} to {high} characters")
        if self.case_reference is not None and self._person_values():
            raise SearchRefused("search by a case reference alone, or by a person's values")
        if self.case_reference is not None:
            digest = key.case_reference(self.case_reference)
            if digest is None:
                raise SearchRefused("the case reference is empty")
            return (PersonKey(0, PersonKind.CASE_REFERENCE, digest),)
        return self._person_keys(key)

    def _person_values(self) -> bool:
        values = (self.pin, self.country, self.family_name, self.given_name, self.birth_date)
        return any(value is not None for value in values)

    def _person_keys(self, key: PersonIndexKey) -> tuple[PersonKey, ...]:
        if self.pin is None and self.family_name is None:
            raise SearchRefused(
                "name a person: a PIN with its country, a family name, or a case reference"
            )
        keys: list[PersonKey] = []
        if self.pin is not None:
            country = _country(self.country or "")
            if country is None or not normalise_pin(self.pin):
                raise SearchRefused("a PIN is searched with the country that issued it")
            keys.append(PersonKey(0, PersonKind.PIN, key.pin(country, self.pin)))
        for kind, name in (
            (PersonKind.FAMILY_NAME, self.family_name),
            (PersonKind.GIVEN_NAME, self.given_name),
        ):
            if name is not None:
                if not normalise_name(name):
                    raise SearchRefused(f"the {kind.value.replace('-', ' ')} is empty")
                keys.append(PersonKey(0, kind, key.digest(kind, normalise_name(name))))
        if self.birth_date is not None:
            birth = key.digest(PersonKind.BIRTH_DATE, self.birth_date.isoformat())
            keys.append(PersonKey(0, PersonKind.BIRTH_DATE, birth))
        return tuple(keys)
