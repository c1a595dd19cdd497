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

from collections.abc import Iterator, Mapping
from typing import Any

from gateway.documents import Issue
from gateway.sed._paths import (
    TEXT,
    Path,
    Select,
    collapsed,
    dotted,
    holds,
    located,
    merge_into,
    plain,
    pointer,
    present,
    value_at,
    write_at,
)
from gateway.sed._rules import (
    EXCHANGE_FACTS,
    Codec,
    CodeError,
    Each,
    Fixed,
    FromExchange,
    Leaf,
    Mapping_,
    Marker,
    NoSedCode,
    One,
    Trace,
    Whole,
)

__all__ = ["export_values", "import_values", "unread"]


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
            write_at(ours, dotted(rule.ours), rule.value)
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
            chosen = holds(value_at(sed, dotted(rule.sed)), rule.sed_values)
            _import_into(
                rule.rules if chosen else rule.otherwise, sed, ours, base, ours_base, trace
            )


def _import_marker(
    rule: Marker, sed: object, ours: dict[str, Any], base: Path, trace: Trace
) -> None:
    value, where = located(sed, dotted(rule.sed))
    where = (*base, *where)
    if not present(value):
        return
    trace.read.add(where)
    if value == rule.yes:
        write_at(ours, dotted(rule.ours), None)
    elif value == rule.no:
        trace.narrowed[where] = "a no is said by leaving the marker out; it is not written back"
    else:
        message = f"a yes-or-no field must be {rule.yes} or {rule.no}"
        trace.issues.append(Issue("sed.value", message, path=pointer(where)))


def _import_from_exchange(rule: FromExchange, ours: dict[str, Any], trace: Trace) -> None:
    value = trace.exchange.get(rule.fact)
    if value is not None:
        write_at(ours, dotted(rule.ours), value)
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
    value, where = located(sed, dotted(rule.sed))
    where = (*base, *where)
    target = dotted(rule.ours)
    # Known even when the SED leaves it out, so that "required but missing" points into the SED.
    trace.origin[(*ours_base, *plain(target))] = where
    if not present(value):
        return
    trace.read.add(where)
    translated, ok = _translate_in(rule.codec, value, where, trace)
    if not ok:
        # Something still goes on in its place, so that the schema can say in the same answer
        # what else is wrong (its word on this place is dropped as a repetition); the document
        # is never made while an issue stands.
        translated = value if isinstance(value, str) else "?"
    if present(translated) or isinstance(translated, bool):
        write_at(ours, target, translated)


def _import_whole(
    rule: Whole, sed: object, ours: dict[str, Any], base: Path, ours_base: Path, trace: Trace
) -> None:
    holder, at = located(sed, dotted(rule.sed))
    values: dict[str, object] = {}
    for member in rule.members:
        value = value_at(holder, dotted(member))
        if present(value):
            values[member] = value
            trace.read.add((*base, *at, *plain(dotted(member))))
    trace.origin[(*ours_base, *plain(dotted(rule.ours)))] = (*base, *at)
    if not values:
        return
    translated, ok = _translate_in(rule.codec, values, (*base, *at), trace)
    if ok and present(translated):
        write_at(ours, dotted(rule.ours), translated)


def _import_one(
    rule: One, sed: object, ours: dict[str, Any], base: Path, ours_base: Path, trace: Trace
) -> None:
    found, at = located(sed, dotted(rule.sed))
    where = (*base, *at)
    target = dotted(rule.ours)
    if target:
        # So that "required but missing" points at the SED object that would have held it.
        trace.origin.setdefault((*ours_base, *plain(target)), where)
    if not present(found):
        return
    if not isinstance(found, Mapping):
        trace.issues.append(Issue("sed.shape", "must be an object", path=pointer(where)))
        return
    made: dict[str, Any] = {}
    _import_into(rule.rules, found, made, where, (*ours_base, *plain(target)), trace)
    if made and target:
        write_at(ours, target, made)
    else:
        # An empty ``ours`` path: the SED nests what we keep in the enclosing object.
        merge_into(ours, made)


def _takes_items_whole(rules: Mapping_) -> bool:
    return any(isinstance(rule, Leaf) and not rule.sed for rule in rules)


def _import_each(
    rule: Each, sed: object, ours: dict[str, Any], base: Path, ours_base: Path, trace: Trace
) -> None:
    found, at = located(sed, dotted(rule.sed))
    if not present(found):
        return
    items = [found] if isinstance(found, Mapping) else found
    if not isinstance(items, list):
        message = "must be an object or a list of objects"
        trace.issues.append(Issue("sed.shape", message, path=pointer((*base, *at))))
        return
    target = dotted(rule.ours)
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
        item_base = (*ours_base, *plain(target), len(written))
        # What the schema says of the item as a whole points at the SED's item.
        trace.origin.setdefault(item_base, where)
        _import_into(rule.rules, item, made, where, item_base, trace)
        if made:
            written.append(collapsed(made))
    if written:
        write_at(ours, target, written)


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
    # Where two of our values have one SED field, what each leaf wrote there, and from where.
    written: dict[str, tuple[Path, object]] = {}
    for rule in rules:
        if isinstance(rule, Fixed):
            value, at = located(ours, dotted(rule.ours))
            if value == rule.value:
                trace.read.add((*base, *at))
        elif isinstance(rule, FromExchange):
            _export_from_exchange(rule, ours, base, trace)
        elif isinstance(rule, Marker):
            _export_marker(rule, ours, sed, base, trace)
        elif isinstance(rule, Leaf):
            _export_leaf(rule, ours, sed, base, trace, written)
        elif isinstance(rule, One):
            _export_one(rule, ours, sed, base, trace)
        elif isinstance(rule, Each):
            _export_each(rule, ours, sed, base, trace)
        elif isinstance(rule, Whole):
            _export_whole(rule, ours, sed, base, trace)
        else:
            chosen = holds(value_at(ours, dotted(rule.ours)), rule.ours_values)
            _export_into(rule.rules if chosen else rule.otherwise, ours, sed, base, trace)


def _export_marker(
    rule: Marker, ours: object, sed: dict[str, Any], base: Path, trace: Trace
) -> None:
    steps = dotted(rule.ours)
    holder, at = located(ours, steps[:-1])
    last = steps[-1]
    if isinstance(holder, Mapping) and isinstance(last, str) and last in holder:
        trace.read.add((*base, *at, last))
        write_at(sed, dotted(rule.sed), rule.yes)


def _export_from_exchange(rule: FromExchange, ours: object, base: Path, trace: Trace) -> None:
    value, at = located(ours, dotted(rule.ours))
    if not present(value):
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


def _export_leaf(
    rule: Leaf,
    ours: object,
    sed: dict[str, Any],
    base: Path,
    trace: Trace,
    written: dict[str, tuple[Path, object]],
) -> None:
    value, at = located(ours, dotted(rule.ours))
    if not present(value) and not isinstance(value, bool):
        return
    where = (*base, *at) if isinstance(ours, Mapping) else base
    translated, ok = _translate_out(rule.codec, value, where, trace)
    if not ok or not present(translated):
        return
    steps = dotted(rule.sed) or (TEXT,)
    earlier = written.get(rule.sed)
    if earlier is not None and earlier[1] != translated and isinstance(steps[-1], str):
        # The SED field holds one value and the later rule's decides: the earlier value is a
        # loss, named, and is not merged item by item into the later one.
        trace.read.discard(earlier[0])
        trace.reasons[earlier[0]] = (
            f"the SED's one field {rule.sed} holds {rule.ours.replace('.', '/')} instead"
        )
        write_at(sed, steps, None)
    written[rule.sed] = (where, translated)
    write_at(sed, steps, translated)


def _export_whole(rule: Whole, ours: object, sed: dict[str, Any], base: Path, trace: Trace) -> None:
    value, at = located(ours, dotted(rule.ours))
    if not present(value):
        return
    translated, ok = _translate_out(rule.codec, value, (*base, *at), trace)
    if not ok or not isinstance(translated, Mapping):
        return
    for member, member_value in translated.items():
        if present(member_value):
            write_at(sed, (*dotted(rule.sed), *dotted(member)), member_value)


def _export_one(rule: One, ours: object, sed: dict[str, Any], base: Path, trace: Trace) -> None:
    found, at = located(ours, dotted(rule.ours))
    if not isinstance(found, Mapping):
        return
    made: dict[str, Any] = {}
    _export_into(rule.rules, found, made, (*base, *at), trace)
    if made:
        steps = dotted(rule.sed)
        if steps:
            write_at(sed, steps, made)
        else:
            merge_into(sed, made)


def _export_each(rule: Each, ours: object, sed: dict[str, Any], base: Path, trace: Trace) -> None:
    for where, item in _export_items(rule, ours, base):
        made: dict[str, Any] = {}
        _export_into(rule.rules, item, made, where, trace)
        if made:
            written = collapsed(made)
            steps = dotted(rule.sed)
            if rule.sed_single:
                write_at(sed, steps, written)
                return
            write_at(sed, (*steps, Select("", "", negated=True)), written)


def _export_items(rule: Each, ours: object, base: Path) -> Iterator[tuple[Path, object]]:
    """The items of our list that ``rule`` writes, each with its path."""
    steps = dotted(rule.ours)
    selection = steps[-1] if steps and isinstance(steps[-1], Select) else None
    found, at = located(ours, steps[:-1] if selection else steps)
    if not present(found):
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
    elif present(value) or isinstance(value, bool):
        yield path
