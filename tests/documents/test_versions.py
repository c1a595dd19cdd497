"""Schema versions side by side: 1.0 and 2.0 validate by their own files, convert both ways
where nothing is lost, and every schema error of a document comes back in one answer."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.documents import (
    SUPPORTED_SCHEMA_VERSIONS,
    DocumentFamily,
    DocumentType,
    convert_document,
    document_to_json,
    validate_document,
)
from gateway.errors import ValidationFailed
from support import EXAMPLES, example_bytes

TODAY = dt.date(2026, 11, 25)
V1_EXAMPLES = sorted(path.stem for path in EXAMPLES.glob("*.xml") if path.stem != "Directory")


def test_both_versions_are_supported_and_have_every_family() -> None:
    assert {"1.0", "2.0"} == SUPPORTED_SCHEMA_VERSIONS
    for family in DocumentFamily:
        for version in SUPPORTED_SCHEMA_VERSIONS:
            assert family.schema_path(version).is_file()


@pytest.mark.parametrize("name", V1_EXAMPLES)
def test_every_1_0_example_converts_to_2_0_and_back_unchanged(name: str) -> None:
    original = validate_document(example_bytes(name), today=TODAY)
    assert original.schema_version == "1.0"
    newer = convert_document(original, "2.0", today=TODAY)
    assert newer.schema_version == "2.0"
    assert newer.document_type is original.document_type
    assert newer.root.get("schemaVersion") == "2.0"
    assert document_to_json(newer.document_type, newer.root)["schemaVersion"] == "2.0"
    back = convert_document(newer, "1.0", today=TODAY)
    assert back.to_bytes() == original.to_bytes()
    # The original is left as it was.
    assert original.root.get("schemaVersion") == "1.0"


def test_a_2_0_document_is_refused_by_the_1_0_files() -> None:
    data = example_bytes("InsurancePeriodsReply").replace(
        b'schemaVersion="1.0"', b'schemaVersion="2.0"', 1
    )
    newer = validate_document(data.replace(b">DE:DRV70001<", b">DE:GZDKoStEU<"), today=TODAY)
    with pytest.raises(ValidationFailed) as failure:
        convert_document(newer, "1.0", today=TODAY)
    issue = failure.value.issues[0]
    assert issue.code == "convert.not-representable"
    assert issue.path is not None and issue.path.endswith("p:Institution")
    assert "schema version 1.0 has no place for" in issue.message


def test_an_unknown_version_is_refused_by_name() -> None:
    document = validate_document(example_bytes("BenefitClaim"), today=TODAY)
    with pytest.raises(ValidationFailed) as failure:
        convert_document(document, "3.0")
    assert [i.code for i in failure.value.issues] == ["convert.unsupported-version"]
    data = example_bytes("BenefitClaim").replace(b'schemaVersion="1.0"', b'schemaVersion="1.1"')
    with pytest.raises(ValidationFailed) as failure:
        validate_document(data)
    assert failure.value.issues[0].code == "schema.unsupported-version"
    assert "supported: 1.0, 2.0" in failure.value.issues[0].message


def test_every_schema_error_comes_back_at_once() -> None:
    # libxml2 alone stops at the misplaced element and never sees the IBAN or the stray
    # element after it.
    data = (
        example_bytes("BenefitClaim")
        .replace(b"<c:BirthDate>1961-03-14<", b"<c:BirthDate>1961-13-14<")
        .replace(b"<cl:ClaimDate>2026-09-15</cl:ClaimDate>", b"")
        .replace(b">DE87701500001002345678<", b">xx<")
        .replace(b"<cl:LocalCaseNumber>", b"<cl:Stray/><cl:LocalCaseNumber>")
    )
    with pytest.raises(ValidationFailed) as failure:
        validate_document(data, today=TODAY)
    found = {(issue.code, issue.path) for issue in failure.value.issues}
    assert found == {
        ("schema.cvc-datatype-valid-1-2-1", "/cl:BenefitClaim/cl:Claimant/c:BirthDate"),
        ("schema.element-content", "/cl:BenefitClaim/cl:Residence"),
        ("schema.value", "/cl:BenefitClaim/cl:PaymentAccount/cl:Iban"),
        ("schema.element-content", "/cl:BenefitClaim/cl:Stray"),
    }
    lines = [issue.line or 0 for issue in failure.value.issues]
    assert lines == sorted(lines)
    # What xmlschema adds names the rule, never the value.
    iban = next(i for i in failure.value.issues if i.path and i.path.endswith("cl:Iban"))
    assert "xx" not in iban.message and "pattern" in iban.message


def test_a_missing_last_element_is_named() -> None:
    data = example_bytes("BenefitClaimAcknowledgement")
    start = data.index(b"<cl:LocalCaseNumber>")
    end = data.index(b"</cl:LocalCaseNumber>") + len(b"</cl:LocalCaseNumber>")
    with pytest.raises(ValidationFailed) as failure:
        validate_document(data[:start] + data[end:], today=TODAY)
    assert any("LocalCaseNumber" in issue.message for issue in failure.value.issues)


def test_the_document_type_of_each_version_is_the_same() -> None:
    claim = validate_document(example_bytes("BenefitClaim"), today=TODAY)
    newer = convert_document(claim, "2.0", today=TODAY)
    assert newer.document_type is DocumentType.BENEFIT_CLAIM
    assert newer.branches == claim.branches
