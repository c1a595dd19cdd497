"""A receiver that refuses a document by a term of the agreement answers with a signed
rejection whose reason code names that term, a code technical.xsd (1.0 and 2.0) takes."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from lxml import etree

from gateway.directory import RefusalReason
from gateway.documents import validate_element
from gateway.errors import NotPermitted
from gateway.exchange import build_rejection, read_acknowledgement

TERMS = [
    RefusalReason.OUTSIDE_PERSONAL_SCOPE,
    RefusalReason.OUTSIDE_MATERIAL_SCOPE,
    RefusalReason.NOT_RECIPROCAL,
    RefusalReason.EXPORT_NOT_PROVIDED,
    RefusalReason.UNEQUAL_TREATMENT,
]


@pytest.mark.parametrize("schema_version", ["1.0", "2.0"])
@pytest.mark.parametrize("reason", TERMS)
def test_the_rejection_names_the_agreement_term(reason: RefusalReason, schema_version: str) -> None:
    rejection = build_rejection(
        uuid.uuid4(),
        "0" * 64,
        dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
        NotPermitted(reason.value, "why, in words"),
    )
    rejection.set("schemaVersion", schema_version)
    validated = validate_element(etree.fromstring(etree.tostring(rejection)))
    assert read_acknowledgement(validated.root).reasons == (f"{reason.value} why, in words",)


def test_other_agreement_refusals_stay_no_agreement() -> None:
    rejection = build_rejection(
        uuid.uuid4(),
        None,
        dt.datetime(2026, 11, 25, tzinfo=dt.UTC),
        NotPermitted(RefusalReason.BRANCH_NOT_COVERED.value, "outside"),
    )
    assert read_acknowledgement(rejection).reasons == ("no-agreement outside",)
