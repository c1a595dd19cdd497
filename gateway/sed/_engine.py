"""One mapping table, read in both directions, between a SED's JSON and our JSON form.

A SED type is described once as a tuple of rules. Importing reads the SED with them and writes
our JSON form (``docs/json.md``), which xmlschema then encodes into the document's XML in the
order its schema wants; exporting reads our JSON form with the same rules and writes the SED.
Because both directions use one table, a field that goes in comes out at the same place.

Whatever a rule did not read is a named loss: on import, each SED value no rule took (it has no
place in our schema); on export, each value of our document that the SED has no field for.
A value that is read but comes out narrower (a code the other side folds into a broader one)
is a named loss as well.

Paths are dotted: ``nav.bruker.person.fornavn`` on the SED's side, ``Claimant.Forename`` on
ours, each relative to the object the enclosing rule stands on. A step that is a number is a
position in a list (``vedtak.0``); a step ``Name[Key=value]`` (or ``Name[Key!=value]``) stands
for the items of the list ``Name`` whose member ``Key`` is (or is not) ``value``. Where two
rules write into one object or list, the later one merges into what the earlier one wrote; a
rule that reaches into a list by position or by selection comes after the rule that writes the
list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from gateway.documents import Issue

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
    "export_values",
    "import_values",
    "pointer",
    "unread",
]

#: The text of an element that also has attributes, in our JSON form.
TEXT: Final = "$"

Path = tuple[str | int, ...]


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


def pointer(path: Path) -> str:
    """A JSON pointer (RFC 6901) for ``path``."""
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in path)


# --- Reading and writing dotted paths --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Select:
    """The items of a list whose member ``key`` is (or, ``negated``, is not) ``value``."""

    key: str
    value: str
    negated: bool

    def fits(self, item: object) -> bool:
        return isinstance(item, Mapping) and (item.get(self.key) == self.value) != self.negated


_Step = str | int | _Select
_SELECTED: Final = re.compile(r"(?P<name>[^\[]+)\[(?P<key>[^!=\]]+)(?P<op>!?=)(?P<value>[^\]]*)\]")


def _steps(path: str) -> tuple[_Step, ...]:
    steps: list[_Step] = []
    for part in path.split(".") if path else ():
        selected = _SELECTED.fullmatch(part)
        if selected:
            steps.append(selected["name"])
            steps.append(_Select(selected["key"], selected["value"], selected["op"] == "!="))
        elif part.isdigit():
            steps.append(int(part))
        else:
            steps.append(part)
    return tuple(steps)


def _plain(steps: tuple[_Step, ...]) -> Path:
    """``steps`` as a path of names and positions (a selection is written as its text)."""
    return tuple(step if isinstance(step, str | int) else str(step) for step in steps)


def _child(obj: object, step: _Step) -> tuple[object, str | int] | None:
    """The value one step below ``obj``, and the name or position it is at."""
    if isinstance(step, str):
        if step == TEXT and not isinstance(obj, Mapping):
            return obj, step
        return (obj.get(step), step) if isinstance(obj, Mapping) else None
    if not isinstance(obj, list):
        return None
    if isinstance(step, int):
        return (obj[step], step) if step < len(obj) else None
    return next(((item, index) for index, item in enumerate(obj) if step.fits(item)), None)


def _located(obj: object, steps: tuple[_Step, ...]) -> tuple[object, Path]:
    """The value at ``steps`` (None where there is none) and its path of names and positions."""
    path: list[str | int] = []
    for step in steps:
        found = _child(obj, step)
        if found is None:
            return None, (*path, *_plain(steps[len(path) :]))
        obj, where = found
        path.append(where)
    return obj, tuple(path)


def _get(obj: object, steps: tuple[_Step, ...]) -> object:
    return _located(obj, steps)[0]


def _set(obj: Any, steps: tuple[_Step, ...], value: object) -> None:
    for position, step in enumerate(steps[:-1]):
        following = steps[position + 1]
        obj = _descend(obj, step, [] if isinstance(following, int | _Select) else {})
    last = steps[-1]
    if isinstance(last, _Select):
        # A selection is written by adding items, beside the ones another rule wrote.
        obj.extend(value if isinstance(value, list) else [value])
    elif isinstance(last, int):
        _pad(obj, last)
        obj[last] = _merged(obj[last], value)
    else:
        obj[last] = _merged(obj.get(last), value)


def _descend(obj: Any, step: _Step, empty: dict[str, Any] | list[Any]) -> Any:
    if isinstance(step, str):
        if not isinstance(obj.get(step), dict | list):
            obj[step] = empty
        return obj[step]
    if isinstance(step, int):
        _pad(obj, step)
        if not obj[step]:
            obj[step] = empty
        return obj[step]
    chosen = next((item for item in obj if step.fits(item)), None)
    if chosen is None:
        chosen = {} if step.negated else {step.key: step.value}
        obj.append(chosen)
    return chosen


def _pad(items: list[Any], index: int) -> None:
    items.extend({} for _ in range(index + 1 - len(items)))


def _merged(old: object, new: object) -> object:
    """``new`` written over ``old``: objects member by member, lists item by item."""
    if isinstance(old, dict) and isinstance(new, dict):
        merged = dict(old)
        for key, value in new.items():
            merged[key] = _merged(old.get(key), value)
        return merged
    if isinstance(old, list) and isinstance(new, list):
        return [
            _merged(old[i] if i < len(old) else None, new[i]) if i < len(new) else old[i]
            for i in range(max(len(old), len(new)))
        ]
    return new


def _merge_into(target: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        target[key] = _merged(target.get(key), value)


def _holds(value: object, values: tuple[str, ...]) -> bool:
    """Whether ``value`` is one of ``values``, or, where none are named, is there at all."""
    return value in values if values else _present(value)


def _present(value: object) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _collapsed(item: dict[str, Any]) -> object:
    # An element with text and no attributes is a plain value in our JSON form, and an item
    # of a SED list of plain values is the value alone.
    return item[TEXT] if set(item) == {TEXT} else item


# --- Import: SED -> our JSON form ------------------------------------------------------------


def import_values(
    rules: Mapping_, sed: Mapping[str, Any], base: Path, trace: Trace
) -> dict[str, Any]:
    """Our JSON form's object that ``rules`` make of the SED object ``sed`` at ``base``."""
    ours: dict[str, Any] = {}
    _import_into(rules, sed, ours, base, (), trace)
    return ours


def _import_into(
    rules: Mapping_, sed: object, ours: dict[str, Any], base: Path, ours_base: Path, trace: Trace
) -> None:
    for rule in rules:
        if isinstance(rule, Fixed):
            _set(ours, _steps(rule.ours), rule.value)
        elif isinstance(rule, FromExchange):
            _import_from_exchange(rule, ours, trace)
        elif isinstance(rule, Marker):
            _import_marker(rule, sed, ours, base, trace)
        elif isinstance(rule, Leaf):
            _import_leaf(rule, sed, ours, base, ours_base, trace)
        elif isinstance(rule, One):
            _import_one(rule, sed, ours, base, ours_base, trace)
        elif isinstance(rule, Each):
            _import_each(rule, sed, ours, base, ours_base, trace)
        elif isinstance(rule, Whole):
            _import_whole(rule, sed, ours, base, ours_base, trace)
        else:
            chosen = _holds(_get(sed, _steps(rule.sed)), rule.sed_values)
            _import_into(
                rule.rules if chosen else rule.otherwise, sed, ours, base, ours_base, trace
            )


def _import_marker(
    rule: Marker, sed: object, ours: dict[str, Any], base: Path, trace: Trace
) -> None:
    value, where = _located(sed, _steps(rule.sed))
    where = (*base, *where)
    if not _present(value):
        return
    trace.read.add(where)
    if value == rule.yes:
        _set(ours, _steps(rule.ours), None)
    elif value == rule.no:
        trace.narrowed[where] = "a no is said by leaving the marker out; it is not written back"
    else:
        message = f"a yes-or-no field must be {rule.yes} or {rule.no}"
        trace.issues.append(Issue("sed.value", message, path=pointer(where)))


def _import_from_exchange(rule: FromExchange, ours: dict[str, Any], trace: Trace) -> None:
    value = trace.exchange.get(rule.fact)
    if value is not None:
        _set(ours, _steps(rule.ours), value)
        return
    message = f"the SED leaves {EXCHANGE_FACTS[rule.fact]} to the exchange, and none was given"
    if not any(issue.message == message for issue in trace.issues):
        trace.issues.append(Issue("sed.exchange", message, path=""))


def _translate_in(codec: Codec, value: object, where: Path, trace: Trace) -> tuple[object, bool]:
    """``value`` in our form, and whether it could be translated (an issue is noted if not)."""
    try:
        translated = codec.to_ours(value)
    except CodeError as error:
        trace.issues.append(Issue("sed.value", str(error), path=pointer(where)))
        return None, False
    narrowed = codec.import_loss(value)
    if narrowed is not None:
        trace.narrowed[where] = narrowed
    return translated, True


def _import_leaf(
    rule: Leaf, sed: object, ours: dict[str, Any], base: Path, ours_base: Path, trace: Trace
) -> None:
    value, where = _located(sed, _steps(rule.sed))
    where = (*base, *where)
    target = _steps(rule.ours)
    # Known even when the SED leaves it out, so that "required but missing" points into the SED.
    trace.origin[(*ours_base, *_plain(target))] = where
    if not _present(value):
        return
    trace.read.add(where)
    translated, ok = _translate_in(rule.codec, value, where, trace)
    if not ok:
        # Something still goes on in its place, so that the schema can say in the same answer
        # what else is wrong (its word on this place is dropped as a repetition); the document
        # is never made while an issue stands.
        translated = value if isinstance(value, str) else "?"
    if _present(translated) or isinstance(translated, bool):
        _set(ours, target, translated)


def _import_whole(
    rule: Whole, sed: object, ours: dict[str, Any], base: Path, ours_base: Path, trace: Trace
) -> None:
    holder, at = _located(sed, _steps(rule.sed))
    values: dict[str, object] = {}
    for member in rule.members:
        value = _get(holder, _steps(member))
        if _present(value):
            values[member] = value
            trace.read.add((*base, *at, *_plain(_steps(member))))
    trace.origin[(*ours_base, *_plain(_steps(rule.ours)))] = (*base, *at)
    if not values:
        return
    translated, ok = _translate_in(rule.codec, values, (*base, *at), trace)
    if ok and _present(translated):
        _set(ours, _steps(rule.ours), translated)


def _import_one(
    rule: One, sed: object, ours: dict[str, Any], base: Path, ours_base: Path, trace: Trace
) -> None:
    found, at = _located(sed, _steps(rule.sed))
    where = (*base, *at)
    target = _steps(rule.ours)
    if target:
        # So that "required but missing" points at the SED object that would have held it.
        trace.origin.setdefault((*ours_base, *_plain(target)), where)
    if not _present(found):
        return
    if not isinstance(found, Mapping):
        trace.issues.append(Issue("sed.shape", "must be an object", path=pointer(where)))
        return
    made: dict[str, Any] = {}
    _import_into(rule.rules, found, made, where, (*ours_base, *_plain(target)), trace)
    if made and target:
        _set(ours, target, made)
    else:
        # An empty ``ours`` path: the SED nests what we keep in the enclosing object.
        _merge_into(ours, made)


def _takes_items_whole(rules: Mapping_) -> bool:
    return any(isinstance(rule, Leaf) and not rule.sed for rule in rules)


def _import_each(
    rule: Each, sed: object, ours: dict[str, Any], base: Path, ours_base: Path, trace: Trace
) -> None:
    found, at = _located(sed, _steps(rule.sed))
    if not _present(found):
        return
    items = [found] if isinstance(found, Mapping) else found
    if not isinstance(items, list):
        message = "must be an object or a list of objects"
        trace.issues.append(Issue("sed.shape", message, path=pointer((*base, *at))))
        return
    target = _steps(rule.ours)
    plain_values = _takes_items_whole(rule.rules)
    written: list[object] = []
    for index, item in enumerate(items):
        where = (*base, *at) if isinstance(found, Mapping) else (*base, *at, index)
        if not isinstance(item, Mapping) and not plain_values:
            trace.issues.append(Issue("sed.shape", "must be an object", path=pointer(where)))
            continue
        if rule.skip is not None and isinstance(item, Mapping) and rule.skip.when(item):
            trace.reasons[where] = rule.skip.reason
            continue
        made: dict[str, Any] = {}
        item_base = (*ours_base, *_plain(target), len(written))
        # What the schema says of the item as a whole points at the SED's item.
        trace.origin.setdefault(item_base, where)
        _import_into(rule.rules, item, made, where, item_base, trace)
        if made:
            written.append(_collapsed(made))
    if written:
        _set(ours, target, written)


# --- Export: our JSON form -> SED ------------------------------------------------------------


def export_values(
    rules: Mapping_, ours: Mapping[str, Any], base: Path, trace: Trace
) -> dict[str, Any]:
    """The SED object that ``rules`` make of our JSON form's object ``ours`` at ``base``."""
    sed: dict[str, Any] = {}
    _export_into(rules, ours, sed, base, trace)
    return sed


def _export_into(
    rules: Mapping_, ours: object, sed: dict[str, Any], base: Path, trace: Trace
) -> None:
    for rule in rules:
        if isinstance(rule, Fixed):
            value, at = _located(ours, _steps(rule.ours))
            if value == rule.value:
                trace.read.add((*base, *at))
        elif isinstance(rule, FromExchange):
            _export_from_exchange(rule, ours, base, trace)
        elif isinstance(rule, Marker):
            _export_marker(rule, ours, sed, base, trace)
        elif isinstance(rule, Leaf):
            _export_leaf(rule, ours, sed, base, trace)
        elif isinstance(rule, One):
            _export_one(rule, ours, sed, base, trace)
        elif isinstance(rule, Each):
            _export_each(rule, ours, sed, base, trace)
        elif isinstance(rule, Whole):
            _export_whole(rule, ours, sed, base, trace)
        else:
            chosen = _holds(_get(ours, _steps(rule.ours)), rule.ours_values)
            _export_into(rule.rules if chosen else rule.otherwise, ours, sed, base, trace)


def _export_marker(
    rule: Marker, ours: object, sed: dict[str, Any], base: Path, trace: Trace
) -> None:
    steps = _steps(rule.ours)
    holder, at = _located(ours, steps[:-1])
    last = steps[-1]
    if isinstance(holder, Mapping) and isinstance(last, str) and last in holder:
        trace.read.add((*base, *at, last))
        _set(sed, _steps(rule.sed), rule.yes)


def _export_from_exchange(rule: FromExchange, ours: object, base: Path, trace: Trace) -> None:
    value, at = _located(ours, _steps(rule.ours))
    if not _present(value):
        return
    if value == trace.exchange.get(rule.fact):
        trace.read.add((*base, *at))
    else:
        what = EXCHANGE_FACTS[rule.fact]
        trace.reasons[(*base, *at)] = f"the SED leaves {what} to the exchange, which differs"


def _translate_out(codec: Codec, value: object, where: Path, trace: Trace) -> tuple[object, bool]:
    """``value`` as the SED writes it, and whether it could be written."""
    try:
        translated = codec.to_sed(value)
    except NoSedCode as error:
        trace.reasons[where] = str(error)
        return None, False
    except CodeError as error:
        trace.issues.append(Issue("sed.value", str(error), path=pointer(where)))
        return None, False
    narrowed = codec.export_loss(value)
    if narrowed is not None:
        trace.narrowed[where] = narrowed
    trace.read.add(where)
    return translated, True


def _export_leaf(rule: Leaf, ours: object, sed: dict[str, Any], base: Path, trace: Trace) -> None:
    value, at = _located(ours, _steps(rule.ours))
    if not _present(value) and not isinstance(value, bool):
        return
    where = (*base, *at) if isinstance(ours, Mapping) else base
    translated, ok = _translate_out(rule.codec, value, where, trace)
    if ok and _present(translated):
        _set(sed, _steps(rule.sed) or (TEXT,), translated)


def _export_whole(rule: Whole, ours: object, sed: dict[str, Any], base: Path, trace: Trace) -> None:
    value, at = _located(ours, _steps(rule.ours))
    if not _present(value):
        return
    translated, ok = _translate_out(rule.codec, value, (*base, *at), trace)
    if not ok or not isinstance(translated, Mapping):
        return
    for member, member_value in translated.items():
        if _present(member_value):
            _set(sed, (*_steps(rule.sed), *_steps(member)), member_value)


def _export_one(rule: One, ours: object, sed: dict[str, Any], base: Path, trace: Trace) -> None:
    found, at = _located(ours, _steps(rule.ours))
    if not isinstance(found, Mapping):
        return
    made: dict[str, Any] = {}
    _export_into(rule.rules, found, made, (*base, *at), trace)
    if made:
        steps = _steps(rule.sed)
        if steps:
            _set(sed, steps, made)
        else:
            _merge_into(sed, made)


def _export_each(rule: Each, ours: object, sed: dict[str, Any], base: Path, trace: Trace) -> None:
    for where, item in _export_items(rule, ours, base):
        made: dict[str, Any] = {}
        _export_into(rule.rules, item, made, where, trace)
        if made:
            written = _collapsed(made)
            steps = _steps(rule.sed)
            if rule.sed_single:
                _set(sed, steps, written)
                return
            _set(sed, (*steps, _Select("", "", negated=True)), written)


def _export_items(rule: Each, ours: object, base: Path) -> Iterator[tuple[Path, object]]:
    """The items of our list that ``rule`` writes, each with its path."""
    steps = _steps(rule.ours)
    selection = steps[-1] if steps and isinstance(steps[-1], _Select) else None
    found, at = _located(ours, steps[:-1] if selection else steps)
    if not _present(found):
        return
    if not isinstance(found, list):
        yield (*base, *at), found
        return
    for index, item in enumerate(found):
        if selection is None or selection.fits(item):
            yield (*base, *at, index), item


# --- What no rule read -----------------------------------------------------------------------


def unread(value: object, path: Path, read: set[Path], *, markers: bool = False) -> Iterator[Path]:
    """The paths of the leaves under ``value`` that neither are nor lie under a read path.

    With ``markers``, a member whose value is null is a leaf too: in our JSON form that is an
    empty element that says something by being there (a SED's nulls say nothing).
    """
    if path in read:
        return
    if isinstance(value, Mapping):
        for key, child in value.items():
            if child is None and markers and (*path, key) not in read:
                yield (*path, key)
            else:
                yield from unread(child, (*path, key), read, markers=markers)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from unread(child, (*path, index), read, markers=markers)
    elif _present(value) or isinstance(value, bool):
        yield path
