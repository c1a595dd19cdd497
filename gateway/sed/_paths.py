"""Dotted paths into parsed JSON, as the SED mapping tables write them (see ``_engine``).

A path is dotted: ``nav.bruker.person.fornavn``. A step that is a number is a position in a
list (``vedtak.0``); a step ``Name[Key=value]`` (or ``Name[Key!=value]``) stands for the items
of the list ``Name`` whose member ``Key`` is (or is not) ``value``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "TEXT",
    "Path",
    "Select",
    "Step",
    "collapsed",
    "dotted",
    "holds",
    "located",
    "merge_into",
    "plain",
    "pointer",
    "present",
    "value_at",
    "write_at",
]

#: The text of an element that also has attributes, in our JSON form.
TEXT: Final = "$"

Path = tuple[str | int, ...]


def pointer(path: Path) -> str:
    """A JSON pointer (RFC 6901) for ``path``."""
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in path)


@dataclass(frozen=True, slots=True)
class Select:
    """The items of a list whose member ``key`` is (or, ``negated``, is not) ``value``."""

    key: str
    value: str
    negated: bool

    def fits(self, item: object) -> bool:
        return isinstance(item, Mapping) and (item.get(self.key) == self.value) != self.negated


Step = str | int | Select
_SELECTED: Final = re.compile(r"(?P<name>[^\[]+)\[(?P<key>[^!=\]]+)(?P<op>!?=)(?P<value>[^\]]*)\]")


def dotted(path: str) -> tuple[Step, ...]:
    steps: list[Step] = []
    for part in path.split(".") if path else ():
        selected = _SELECTED.fullmatch(part)
        if selected:
            steps.append(selected["name"])
            steps.append(Select(selected["key"], selected["value"], selected["op"] == "!="))
        elif part.isdigit():
            steps.append(int(part))
        else:
            steps.append(part)
    return tuple(steps)


def plain(steps: tuple[Step, ...]) -> Path:
    """``steps`` as a path of names and positions (a selection is written as its text)."""
    return tuple(step if isinstance(step, str | int) else str(step) for step in steps)


def _child(obj: object, step: Step) -> tuple[object, str | int] | None:
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


def located(obj: object, steps: tuple[Step, ...]) -> tuple[object, Path]:
    """The value at ``steps`` (None where there is none) and its path of names and positions."""
    path: list[str | int] = []
    for step in steps:
        found = _child(obj, step)
        if found is None:
            return None, (*path, *plain(steps[len(path) :]))
        obj, where = found
        path.append(where)
    return obj, tuple(path)


def value_at(obj: object, steps: tuple[Step, ...]) -> object:
    return located(obj, steps)[0]


def write_at(obj: Any, steps: tuple[Step, ...], value: object) -> None:
    for position, step in enumerate(steps[:-1]):
        following = steps[position + 1]
        obj = _descend(obj, step, [] if isinstance(following, int | Select) else {})
    last = steps[-1]
    if isinstance(last, Select):
        # A selection is written by adding items, beside the ones another rule wrote.
        obj.extend(value if isinstance(value, list) else [value])
    elif isinstance(last, int):
        _pad(obj, last)
        obj[last] = _merged(obj[last], value)
    else:
        obj[last] = _merged(obj.get(last), value)


def _descend(obj: Any, step: Step, empty: dict[str, Any] | list[Any]) -> Any:
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


def merge_into(target: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        target[key] = _merged(target.get(key), value)


def holds(value: object, values: tuple[str, ...]) -> bool:
    """Whether ``value`` is one of ``values``, or, where none are named, is there at all."""
    return value in values if values else present(value)


def present(value: object) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def collapsed(item: dict[str, Any]) -> object:
    # An element with text and no attributes is a plain value in our JSON form, and an item
    # of a SED list of plain values is the value alone.
    return item[TEXT] if set(item) == {TEXT} else item
