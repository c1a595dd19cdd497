"""Which branches of social security a document concerns, for the agreement policy."""

from __future__ import annotations

from lxml import etree

from gateway.codes import Branch
from gateway.documents._catalogue import DocumentFamily, DocumentType

from ._support import elements, first, text, xpath

__all__ = ["document_branches"]

_PERIODS_BRANCHES = xpath("p:Branch")
_BENEFIT_KIND = xpath("cl:BenefitKind")

_BENEFIT_BRANCH = {
    "old-age": Branch.OLD_AGE,
    "early-old-age": Branch.OLD_AGE,
    "invalidity": Branch.INVALIDITY,
    "survivors": Branch.SURVIVORS,
}


def document_branches(document_type: DocumentType, root: etree._Element) -> frozenset[Branch]:
    """The branches a schema-valid business document concerns.

    Periods documents name theirs; claims documents imply one by their benefit kind. Coverage,
    case-level and technical documents concern no branch (coverage needs the
    applicable-legislation principle instead; the others no agreement at all), so they give an
    empty set.
    """
    if document_type.family is DocumentFamily.PERIODS:
        return frozenset(Branch(text(element)) for element in elements(_PERIODS_BRANCHES, root))
    if document_type.family is DocumentFamily.CLAIMS:
        kind = first(_BENEFIT_KIND, root)
        branch = _BENEFIT_BRANCH.get(text(kind))
        return frozenset() if branch is None else frozenset({branch})
    return frozenset()
