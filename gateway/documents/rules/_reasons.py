"""Rules on coded reasons: a code that says "other" must be explained."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lxml import etree

from gateway.documents._issues import Issue, issue_at

from ._support import elements, text, xpath

__all__ = ["check_other_explained"]

# Coded reasons and missing-information entries: each code list has "other" and a Text.
# They come in two shapes: an element holding a Code and a Text (a refusal's reasons), and a
# document's own Reason code whose Text is its sibling (a closure, a forward, a withdrawal).
_CODED = xpath(".//cl:MissingInformation | .//cl:Reason | .//cv:Reason | .//t:Reason | .//k:Reason")


def check_other_explained(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A code 'other' comes with a text that explains it."""
    for element in elements(_CODED, root):
        namespace = etree.QName(element).namespace
        code = element.find(f"{{{namespace}}}Code")
        holder: etree._Element | None = element
        if code is None and len(element) == 0:
            code, holder = element, element.getparent()
        if (
            text(code) == "other"
            and holder is not None
            and holder.find(f"{{{namespace}}}Text") is None
        ):
            yield issue_at(
                element, "rule.text-missing", "code 'other' needs a text that explains it"
            )
