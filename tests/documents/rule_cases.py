"""What the business-rule tests share: the day they run on, the examples they mutate, and the
fragments and paths of insurance periods and identification numbers."""

from __future__ import annotations

import datetime
from pathlib import Path

import document_mutations as mutations
from lxml import etree

from gateway.documents import rules
from gateway.documents._catalogue import SCHEMA_DIR, DocumentType

TODAY = datetime.date(2026, 11, 25)
EXAMPLES = SCHEMA_DIR / "examples"
RULES_DIR = Path(rules.__file__).parent


def load(
    example: str, mutation: mutations.Mutation | None = None
) -> tuple[DocumentType, etree._Element]:
    """The 1.0 example after ``mutation``; it must still be schema-valid, as rules assume."""
    return mutations.load_valid(EXAMPLES / f"{example}.xml", mutation, "1.0")


OPEN_DE_PERIOD = (
    "<p:InsurancePeriod><p:Country>DE</p:Country><p:Institution>DE:DRV70001</p:Institution>"
    "<p:Start>{start}</p:Start><p:End>{end}</p:End><p:Kind>{kind}</p:Kind>"
    '<p:Duration unit="months">{months}</p:Duration><p:CountsFor>old-age</p:CountsFor>'
    "</p:InsurancePeriod>"
)
IN_PERIOD = (
    "<p:InsurancePeriod><p:Country>IN</p:Country><p:Institution>IN:EPFO</p:Institution>"
    "<p:Start>{start}</p:Start><p:End>2010-12-31</p:End><p:Kind>employment</p:Kind>"
    '<p:Duration unit="months">12</p:Duration><p:CountsFor>old-age</p:CountsFor>'
    "</p:InsurancePeriod>"
)
PERIOD = "p:Periods/p:InsurancePeriod"
REQUEST_PIN = "p:Person/c:PersonalIdentificationNumber"
REPLY_PIN = "p:Person/c:PersonalIdentificationNumber"
