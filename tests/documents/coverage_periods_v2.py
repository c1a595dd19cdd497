"""What the tests of schema 2.0's coverage and periods families share: the 2.0 examples read
after a mutation, their schema, and the places and fragments the mutations use."""

from __future__ import annotations

from pathlib import Path

import document_mutations as mutations
from lxml import etree

V2_EXAMPLES = Path(__file__).resolve().parents[2] / "schemas" / "examples" / "v2"


def v2_schema(root: etree._Element) -> etree.XMLSchema:
    return mutations.family_schema(mutations.document_type_of(root).family, "2.0")


def load(example: str, mutation: mutations.Mutation | None = None) -> etree._Element:
    return mutations.mutated(V2_EXAMPLES / f"{example}.xml", mutation)


def load_valid(example: str, mutation: mutations.Mutation | None = None) -> etree._Element:
    """The example after ``mutation``; it must still be schema-valid, as rules assume."""
    return mutations.load_valid(V2_EXAMPLES / f"{example}.xml", mutation, "2.0")[1]


PERIOD_2 = "(p:Periods/p:InsurancePeriod)[2]"
REFUSED = (
    "<p:RightToBenefit><p:Refused><p:Reason><p:Code>{code}</p:Code></p:Reason></p:Refused>"
    "</p:RightToBenefit>"
)
