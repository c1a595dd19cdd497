"""Business rules: what a careful institution checks that an XSD cannot express.

:func:`check` runs on documents that already passed XSD validation and returns one
:class:`~gateway.documents._issues.Issue` per problem, with a ``rule.*`` code, the element's
line and path, and a message that never quotes personal data. :func:`document_branches`
tells the agreement policy which branches of social security a document concerns.
"""

from __future__ import annotations

import datetime

from lxml import etree

from gateway.documents._catalogue import DocumentType
from gateway.documents._issues import Issue

from . import _case, _claims, _coverage, _periods, _technical
from ._branches import document_branches
from ._person import check_persons
from ._places import check_countries, check_institutions
from ._reasons import check_other_explained
from ._support import Rule

__all__ = ["check", "document_branches"]

_EVERY_DOCUMENT: tuple[Rule, ...] = (
    check_persons,
    check_countries,
    check_institutions,
    _periods.check_period_order,
    check_other_explained,
)

_RULES: dict[DocumentType, tuple[Rule, ...]] = {
    DocumentType.INSURANCE_PERIODS_REQUEST: (_periods.check_request,),
    DocumentType.INSURANCE_PERIODS_REPLY: (_periods.check_periods_of_record, _periods.check_reply),
    DocumentType.BENEFIT_CLAIM: (_claims.check_claim,),
    DocumentType.BENEFIT_CLAIM_ACKNOWLEDGEMENT: (_claims.check_acknowledgement,),
    DocumentType.BENEFIT_DECISION: (_claims.check_decision, _periods.check_periods_of_record),
    DocumentType.COVERAGE_REQUEST: (_coverage.check_request,),
    DocumentType.COVERAGE_CERTIFICATE: (_coverage.check_certificate,),
    DocumentType.COVERAGE_REFUSAL: (_coverage.check_refusal,),
    DocumentType.COVERAGE_WITHDRAWAL: (_coverage.check_withdrawal,),
    DocumentType.CASE_CLOSURE: (),
    DocumentType.REMINDER: (_case.check_reminder,),
    DocumentType.CASE_FORWARD: (),
    DocumentType.RECEIPT: (_technical.check_receipt,),
    DocumentType.REJECTION: (_technical.check_rejection,),
}


def check(
    document_type: DocumentType, root: etree._Element, *, today: datetime.date
) -> list[Issue]:
    """Check a schema-valid document against the business rules of its type.

    ``root`` is the document's root element (it may sit inside an envelope); ``today`` is the
    date that "in the future" is measured against (this node's UTC date). Returns the issues
    rule by rule; an empty list means the document passes. Raises ``ValueError`` when ``root``
    is not a ``document_type`` root element.
    """
    if root.tag != document_type.qualified_name:
        raise ValueError(f"expected a {document_type.qualified_name} element, got {root.tag!r}")
    return [
        issue for rule in (*_EVERY_DOCUMENT, *_RULES[document_type]) for issue in rule(root, today)
    ]
