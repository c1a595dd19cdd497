"""One mapping table, read in both directions, between a SED's JSON and our JSON form.

A SED type is described once as a tuple of rules. Importing reads the SED with them and writes
our JSON form (``docs/json.md``), which xmlschema then encodes into the document's XML in the
order its schema wants; exporting reads our JSON form with the same rules and writes the SED.
Because both directions use one table, a field that goes in comes out at the same place.

Whatever a rule did not read is a named loss: on import, each SED value no rule took (it has no
place in our schema); on export, each value of our document that the SED has no field for.
Paths are dotted: ``nav.bruker.person.fornavn`` on the SED's side, ``Claimant.Forename`` on
ours, each relative to the object the enclosing rule stands on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from gateway.documents import Issue

__all__ = [
    "SCALAR",
    "CodeError",
    "Codec",
    "Each",
    "Fixed",
    "Leaf",
    "Loss",
    "Mapping_",
    "One",
    "Rule",
    "Trace",
    "export_values",
    "import_values",
    "pointer",
    "unread",
]

#: The text of an element that also has attributes, in our JSON form.
TEXT: Final = "$"


class CodeError(ValueError):
    """A SED or document value that a codec cannot translate; the message names the value's
    kind and what is allowed, never the value itself."""


@dataclass(frozen=True, slots=True)
class Codec:
    """How one value is written on each side; the identity when both write it alike."""

    to_ours: Callable[[Any], Any]
    to_sed: Callable[[Any], Any]


def _scalar(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CodeError("must be a string")
    return str(value)


#: A single value: a string (a number is taken as its text); what the SED writes is kept.
SCALAR: Final = Codec(to_ours=_scalar, to_sed=_scalar)


@dataclass(frozen=True, slots=True)
class Leaf:
    """One value: ``sed`` on the SED's side is ``ours`` on ours, translated by ``codec``."""

    sed: str
    ours: str
    codec: Codec = SCALAR


@dataclass(frozen=True, slots=True)
class Each:
    """A list: each item of ``sed`` is an item of ``ours``, mapped by ``rules``.

    Either side may hold a single object where the other holds a list; ``sed_single`` says the
    SED writes one object (and so at most one item is exported).
    """

    sed: str
    ours: str
    rules: tuple[Rule, ...]
    sed_single: bool = False


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


Rule = Leaf | Each | One | Fixed
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
    """What a pass read, and where each value of the written side came from."""

    read: set[tuple[str | int, ...]] = field(default_factory=set)
    origin: dict[tuple[str | int, ...], tuple[str | int, ...]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)


def pointer(path: tuple[str | int, ...]) -> str:
    """A JSON pointer (RFC 6901) for ``path``."""
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in path)


# --- Reading and writing dotted paths --------------------------------------------------------


def _steps(path: str) -> tuple[str, ...]:
    return tuple(path.split(".")) if path else ()


def _get(obj: object, steps: tuple[str, ...]) -> object:
    for step in steps:
        if step == TEXT and not isinstance(obj, Mapping):
            return obj
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(step)
    return obj


def _set(obj: dict[str, Any], steps: tuple[str, ...], value: object) -> None:
    for step in steps[:-1]:
        obj = obj.setdefault(step, {})
    obj[steps[-1]] = value


def _present(value: object) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _collapsed(item: dict[str, Any]) -> object:
    # An element with text and no attributes is a plain value in our JSON form.
    return item[TEXT] if set(item) == {TEXT} else item


# --- Import: SED -> our JSON form ------------------------------------------------------------


def import_values(
    rules: Mapping_, sed: Mapping[str, Any], base: tuple[str | int, ...], trace: Trace
) -> dict[str, Any]:
    """Our JSON form's object that ``rules`` make of the SED object ``sed`` at ``base``."""
    ours: dict[str, Any] = {}
    _import_into(rules, sed, ours, base, (), trace)
    return ours


def _import_into(
    rules: Mapping_,
    sed: Mapping[str, Any],
    ours: dict[str, Any],
    base: tuple[str | int, ...],
    ours_base: tuple[str | int, ...],
    trace: Trace,
) -> None:
    for rule in rules:
        if isinstance(rule, Fixed):
            _set(ours, _steps(rule.ours), rule.value)
        elif isinstance(rule, Leaf):
            _import_leaf(rule, sed, ours, base, ours_base, trace)
        elif isinstance(rule, One):
            _import_one(rule, sed, ours, base, ours_base, trace)
        else:
            _import_each(rule, sed, ours, base, ours_base, trace)


def _import_leaf(
    rule: Leaf,
    sed: Mapping[str, Any],
    ours: dict[str, Any],
    base: tuple[str | int, ...],
    ours_base: tuple[str | int, ...],
    trace: Trace,
) -> None:
    steps = _steps(rule.sed)
    where = (*base, *steps)
    target = _steps(rule.ours)
    # Known even when the SED leaves it out, so that "required but missing" points into the SED.
    trace.origin[(*ours_base, *target)] = where
    value = _get(sed, steps)
    if not _present(value):
        return
    trace.read.add(where)
    try:
        translated = rule.codec.to_ours(value)
    except CodeError as error:
        trace.issues.append(Issue("sed.value", str(error), path=pointer(where)))
        # The value still goes on, so that the schema can say what else is wrong in one
        # answer; the document is never made while an issue stands.
        translated = value if isinstance(value, str) else None
    if _present(translated):
        _set(ours, target, translated)


def _import_one(
    rule: One,
    sed: Mapping[str, Any],
    ours: dict[str, Any],
    base: tuple[str | int, ...],
    ours_base: tuple[str | int, ...],
    trace: Trace,
) -> None:
    steps = _steps(rule.sed)
    found = _get(sed, steps)
    if not _present(found):
        return
    where = (*base, *steps)
    if not isinstance(found, Mapping):
        trace.issues.append(Issue("sed.shape", "must be an object", path=pointer(where)))
        return
    target = _steps(rule.ours)
    made: dict[str, Any] = {}
    _import_into(rule.rules, found, made, where, (*ours_base, *target), trace)
    if made and target:
        _set(ours, target, made)
    else:
        # An empty ``ours`` path: the SED nests what we keep in the enclosing object.
        ours.update(made)


def _import_each(
    rule: Each,
    sed: Mapping[str, Any],
    ours: dict[str, Any],
    base: tuple[str | int, ...],
    ours_base: tuple[str | int, ...],
    trace: Trace,
) -> None:
    steps = _steps(rule.sed)
    found = _get(sed, steps)
    if not _present(found):
        return
    items = [found] if isinstance(found, Mapping) else found
    if not isinstance(items, list):
        message = "must be an object or a list of objects"
        trace.issues.append(Issue("sed.shape", message, path=pointer((*base, *steps))))
        return
    target = _steps(rule.ours)
    written: list[object] = []
    for index, item in enumerate(items):
        where = (*base, *steps) if isinstance(found, Mapping) else (*base, *steps, index)
        if not isinstance(item, Mapping):
            trace.issues.append(Issue("sed.shape", "must be an object", path=pointer(where)))
            continue
        made: dict[str, Any] = {}
        _import_into(rule.rules, item, made, where, (*ours_base, *target, len(written)), trace)
        if made:
            written.append(_collapsed(made))
    if written:
        _set(ours, target, written)


# --- Export: our JSON form -> SED ------------------------------------------------------------


def export_values(
    rules: Mapping_, ours: Mapping[str, Any], base: tuple[str | int, ...], trace: Trace
) -> dict[str, Any]:
    """The SED object that ``rules`` make of our JSON form's object ``ours`` at ``base``."""
    sed: dict[str, Any] = {}
    _export_into(rules, ours, sed, base, trace)
    return sed


def _export_into(
    rules: Mapping_,
    ours: Mapping[str, Any] | object,
    sed: dict[str, Any],
    base: tuple[str | int, ...],
    trace: Trace,
) -> None:
    for rule in rules:
        if isinstance(rule, Fixed):
            if _get(ours, _steps(rule.ours)) == rule.value:
                trace.read.add((*base, *_steps(rule.ours)))
        elif isinstance(rule, Leaf):
            _export_leaf(rule, ours, sed, base, trace)
        elif isinstance(rule, One):
            _export_one(rule, ours, sed, base, trace)
        else:
            _export_each(rule, ours, sed, base, trace)


def _export_leaf(
    rule: Leaf, ours: object, sed: dict[str, Any], base: tuple[str | int, ...], trace: Trace
) -> None:
    steps = _steps(rule.ours)
    value = _get(ours, steps)
    if not _present(value):
        return
    where = (*base, *steps) if isinstance(ours, Mapping) else base
    try:
        translated = rule.codec.to_sed(value)
    except CodeError as error:
        trace.issues.append(Issue("sed.value", str(error), path=pointer(where)))
        return
    trace.read.add(where)
    if _present(translated):
        _set(sed, _steps(rule.sed), translated)


def _export_one(
    rule: One, ours: object, sed: dict[str, Any], base: tuple[str | int, ...], trace: Trace
) -> None:
    steps = _steps(rule.ours)
    found = _get(ours, steps)
    if not isinstance(found, Mapping):
        return
    made: dict[str, Any] = {}
    _export_into(rule.rules, found, made, (*base, *steps), trace)
    if made:
        _set(sed, _steps(rule.sed), made)


def _export_each(
    rule: Each, ours: object, sed: dict[str, Any], base: tuple[str | int, ...], trace: Trace
) -> None:
    steps = _steps(rule.ours)
    found = _get(ours, steps)
    if not _present(found):
        return
    items = found if isinstance(found, list) else [found]
    if rule.sed_single:
        items = items[:1]
    written: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        where = (*base, *steps, index) if isinstance(found, list) else (*base, *steps)
        made: dict[str, Any] = {}
        _export_into(rule.rules, item, made, where, trace)
        if made:
            written.append(made)
    if written:
        _set(sed, _steps(rule.sed), written[0] if rule.sed_single else written)


# --- What no rule read -----------------------------------------------------------------------


def unread(
    value: object, path: tuple[str | int, ...], read: set[tuple[str | int, ...]]
) -> Iterator[tuple[str | int, ...]]:
    """The paths of the leaves under ``value`` that neither are nor lie under a read path."""
    if path in read:
        return
    if isinstance(value, Mapping):
        for key, child in value.items():
            yield from unread(child, (*path, key), read)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from unread(child, (*path, index), read)
    elif _present(value):
        yield path
