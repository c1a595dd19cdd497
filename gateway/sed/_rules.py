"""The vocabulary of the SED mapping tables: the rules, the codecs, and what a pass records.

A SED type is described once as a tuple of these rules, which ``_engine`` reads in both
directions; ``_paths`` says how their dotted paths are written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from gateway.documents import Issue
from gateway.sed._paths import Path

__all__ = [
    "EXCHANGE_FACTS",
    "SCALAR",
    "CodeError",
    "Codec",
    "Each",
    "Fixed",
    "FromExchange",
    "Leaf",
    "Loss",
    "Mapping_",
    "Marker",
    "NoSedCode",
    "One",
    "Rule",
    "Skip",
    "Trace",
    "When",
    "Whole",
]


class CodeError(ValueError):
    """A SED or document value that a codec cannot translate; the message names the value's
    kind and what is allowed, never the value itself."""


class NoSedCode(CodeError):
    """A value of our document that the SED has no code for: on export it is a named loss,
    not an error, since the document itself is valid."""


def _no_loss(value: object) -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class Codec:
    """How one value is written on each side; the identity when both write it alike.

    ``import_loss`` and ``export_loss`` say why a value, though translated, loses something
    on the way in or out (a code folded into a broader one), or give None. ``codes`` is the
    code list of a code table, SED code to ours, with the codes that are folded on import.
    """

    to_ours: Callable[[Any], Any]
    to_sed: Callable[[Any], Any]
    import_loss: Callable[[Any], str | None] = _no_loss
    export_loss: Callable[[Any], str | None] = _no_loss
    codes: Mapping[str, str] | None = None


def _scalar(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CodeError("must be a string")
    return str(value)


#: A single value: a string (a number is taken as its text); what the SED writes is kept.
SCALAR: Final = Codec(to_ours=_scalar, to_sed=_scalar)


@dataclass(frozen=True, slots=True)
class Leaf:
    """One value: ``sed`` on the SED's side is ``ours`` on ours, translated by ``codec``.

    An empty ``sed`` path stands for the item itself, in an :class:`Each` over plain values.
    """

    sed: str
    ours: str
    codec: Codec = SCALAR


@dataclass(frozen=True, slots=True)
class Skip:
    """Which SED items an :class:`Each` leaves out whole, and why; their values are losses."""

    when: Callable[[Mapping[str, Any]], bool]
    reason: str


@dataclass(frozen=True, slots=True)
class Each:
    """A list: each item of ``sed`` is an item of ``ours``, mapped by ``rules``.

    Either side may hold a single object where the other holds a list; ``sed_single`` says the
    SED writes one object (and so at most one item is exported). Items that ``skip`` names are
    not imported.
    """

    sed: str
    ours: str
    rules: tuple[Rule, ...]
    sed_single: bool = False
    skip: Skip | None = None


@dataclass(frozen=True, slots=True)
class One:
    """One object on each side: ``sed`` is ``ours``, its members mapped by ``rules``."""

    sed: str
    ours: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Fixed:
    """A value of our document that the SED type itself implies (a P2100 is a survivors'
    claim): written on import, checked and taken on export."""

    ours: str
    value: str


@dataclass(frozen=True, slots=True)
class Marker:
    """A SED's yes-or-no field whose yes is an empty element of ours (``null`` in our JSON
    form), there or not: ``yes`` writes the marker; ``no`` is read, and named as a loss since
    it is said by leaving the marker out and so is not written back."""

    sed: str
    ours: str
    yes: str = "ja"
    no: str = "nei"


#: What the exchange carrying a SED knows that the SED leaves to it, and how it is named.
EXCHANGE_FACTS: Final[Mapping[str, str]] = {
    "sender": "the sending institution",
    "sender_country": "the sending institution's country",
    "sent_on": "the day it is sent",
}


@dataclass(frozen=True, slots=True)
class FromExchange:
    """A value of ours that the SED leaves to the exchange carrying it (one of
    ``EXCHANGE_FACTS``): written from the exchange on import; on export taken where it is what
    the exchange says, and a named loss where it is not."""

    ours: str
    fact: str


@dataclass(frozen=True, slots=True)
class Whole:
    """Several members of one SED object that together make one value of ours (an institution
    named by id, name and country): ``codec.to_ours`` gets ``{member: value}`` of the members
    present, ``codec.to_sed`` gives them back."""

    sed: str
    members: tuple[str, ...]
    ours: str
    codec: Codec


@dataclass(frozen=True, slots=True)
class When:
    """``rules`` where the SED's ``sed`` is one of ``sed_values`` (on import) and our
    ``ours`` is one of ``ours_values`` (on export), or, where no values are named, is there at
    all; ``otherwise`` elsewhere."""

    sed: str
    sed_values: tuple[str, ...]
    ours: str
    ours_values: tuple[str, ...]
    rules: tuple[Rule, ...]
    otherwise: tuple[Rule, ...] = ()


Rule = Leaf | Each | One | Fixed | FromExchange | Marker | Whole | When
Mapping_ = tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Loss:
    """Something one side holds that the other has no place for."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(slots=True)
class Trace:
    """What a pass read, where each value of the written side came from, and why values were
    lost when the reason is more than "no place" (``reasons`` for what was not read, by the
    path of the value or of an object around it; ``narrowed`` for what was read but lost
    something)."""

    read: set[Path] = field(default_factory=set)
    origin: dict[Path, Path] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    reasons: dict[Path, str] = field(default_factory=dict)
    narrowed: dict[Path, str] = field(default_factory=dict)
    #: What the exchange carrying the SED says, by the names of ``EXCHANGE_FACTS``.
    exchange: Mapping[str, str] = field(default_factory=dict)

    def reason(self, path: Path) -> str | None:
        """The reason recorded for ``path`` or the nearest object around it."""
        for length in range(len(path), -1, -1):
            found = self.reasons.get(path[:length])
            if found is not None:
                return found
        return None
