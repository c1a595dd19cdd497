"""Shared helpers for the business rules: namespaces, compiled XPath, typed values."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation

from lxml import etree

from gateway.codes import InvalidIdentifier, normalise_country
from gateway.documents._catalogue import COMMON_NAMESPACE, DocumentFamily
from gateway.documents._issues import Issue

__all__ = [
    "COMMON",
    "NS",
    "Rule",
    "child",
    "date_value",
    "decimal_value",
    "elements",
    "first",
    "is_future",
    "known_country",
    "parts",
    "text",
    "xpath",
]

COMMON = COMMON_NAMESPACE

#: The prefixes the rules' XPath expressions use; instances may use any prefixes.
NS = {
    "c": COMMON_NAMESPACE,
    "p": DocumentFamily.PERIODS.namespace,
    "cl": DocumentFamily.CLAIMS.namespace,
    "cv": DocumentFamily.COVERAGE.namespace,
    "t": DocumentFamily.TECHNICAL.namespace,
    "k": DocumentFamily.CASE.namespace,
}

#: A rule reads a validated document's root and the current date and yields what is wrong.
Rule = Callable[[etree._Element, datetime.date], Iterator[Issue]]


def xpath(expression: str) -> etree.XPath:
    """Compile ``expression`` once, with the rules' namespace prefixes."""
    return etree.XPath(expression, namespaces=NS, smart_strings=False)


def elements(path: etree.XPath, node: etree._Element) -> list[etree._Element]:
    """The elements ``path`` selects from ``node``."""
    result = path(node)
    if not isinstance(result, list):
        raise TypeError(f"XPath {path.path!r} does not select nodes")
    return [item for item in result if isinstance(item, etree._Element)]


def first(path: etree.XPath, node: etree._Element) -> etree._Element | None:
    """The first element ``path`` selects from ``node``, or None."""
    found = elements(path, node)
    return found[0] if found else None


def child(parent: etree._Element, namespace: str, name: str) -> etree._Element | None:
    """The first child of ``parent`` called ``name`` in ``namespace``, or None."""
    return parent.find(f"{{{namespace}}}{name}")


def parts(parent: etree._Element) -> dict[str, etree._Element]:
    """The children of ``parent`` by local name, the first of each name.

    One pass over the children instead of a lookup per name: periods are read this way on the
    hot path. Within any one of our content models a local name belongs to one namespace.
    """
    found: dict[str, etree._Element] = {}
    for node in parent:
        tag = node.tag
        if isinstance(tag, str):
            found.setdefault(tag.rpartition("}")[2], node)
    return found


def text(element: etree._Element | None) -> str:
    """The element's text without surrounding whitespace; empty for a missing element."""
    if element is None or element.text is None:
        return ""
    return element.text.strip()


def date_value(element: etree._Element | None) -> datetime.date | None:
    """The element's text as a date, or None when missing or out of Python's date range."""
    try:
        return datetime.date.fromisoformat(text(element))
    except ValueError:
        return None


def decimal_value(element: etree._Element | None) -> Decimal | None:
    """The element's text as a decimal, or None when missing."""
    try:
        return Decimal(text(element))
    except InvalidOperation:
        return None


def is_future(day: datetime.date, today: datetime.date) -> bool:
    """Whether ``day`` has not yet begun anywhere on Earth.

    Dates in documents are local to the sender, whose day may begin up to 14 hours before
    this node's; only a date after tomorrow is certainly in the future.
    """
    return day > today + datetime.timedelta(days=1)


def known_country(code: str) -> str | None:
    """The EESSI spelling of a known country code (GR becomes EL, GB becomes UK), else None."""
    try:
        return normalise_country(code)
    except InvalidIdentifier:
        return None
