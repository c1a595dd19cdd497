"""The example documents: every one is valid, and mutations of them are rejected precisely."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from document_mutations import document_type_of, family_schema, mutated, select
from lxml import etree

from documents.example_variants import (
    VARIANTS_OF_PERIODS_AND_CLAIMS,
    RuleIssue,
    SchemaError,
    Variant,
)
from documents.example_variants_coverage import VARIANTS_OF_COVERAGE_CASES_AND_RECEIPTS
from gateway.documents import rules
from gateway.documents._catalogue import SCHEMA_DIR, DocumentFamily, DocumentType

TODAY = datetime.date(2026, 11, 25)
EXAMPLES = SCHEMA_DIR / "examples"
_FAMILY_NAMESPACES = {family.namespace for family in DocumentFamily}
VARIANTS = [*VARIANTS_OF_PERIODS_AND_CLAIMS, *VARIANTS_OF_COVERAGE_CASES_AND_RECEIPTS]


def _document_examples() -> list[Path]:
    return [
        path
        for path in sorted(EXAMPLES.glob("*.xml"))
        if etree.QName(etree.parse(str(path)).getroot()).namespace in _FAMILY_NAMESPACES
    ]


@pytest.mark.parametrize("path", _document_examples(), ids=lambda path: path.stem)
def test_example_is_valid(path: Path) -> None:
    tree = etree.parse(str(path))
    document_type = document_type_of(tree.getroot())
    schema = family_schema(document_type.family, "1.0")
    assert schema.validate(tree), [str(error) for error in schema.error_log]
    assert rules.check(document_type, tree.getroot(), today=TODAY) == []


@pytest.mark.parametrize("path", _document_examples(), ids=lambda path: path.stem)
def test_example_is_named_after_its_root(path: Path) -> None:
    root_name = etree.QName(etree.parse(str(path)).getroot()).localname
    assert path.stem.partition("-")[0] == root_name


@pytest.mark.parametrize("document_type", DocumentType, ids=lambda t: t.root_name)
def test_every_document_type_has_an_example(document_type: DocumentType) -> None:
    path = EXAMPLES / f"{document_type.root_name}.xml"
    assert path.is_file()
    assert etree.parse(str(path)).getroot().tag == document_type.qualified_name


# Invalid variants ------------------------------------------------------------------------


@pytest.mark.parametrize("case", [pytest.param(v, id=v.name) for v in VARIANTS])
def test_invalid_variant_is_rejected(case: Variant) -> None:
    # Read again after the mutation, so that line numbers are those of the mutated document.
    root = mutated(EXAMPLES / f"{case.example}.xml", case.mutation)
    document_type = document_type_of(root)
    assert document_type is case.document_type
    expected = case.expected
    schema = family_schema(document_type.family, "1.0")
    valid = schema.validate(root.getroottree())
    if isinstance(expected, SchemaError):
        assert not valid
        line = select(root, expected.at)[0].sourceline
        reported = [(error.type_name, error.line) for error in schema.error_log]
        assert (expected.type_name, line) in reported
        return
    assert valid, [str(error) for error in schema.error_log]
    issues = rules.check(document_type, root, today=TODAY)
    assert [issue.code for issue in issues] == [expected.code]
    assert issues[0].path is not None and issues[0].path.endswith(expected.at)
    assert issues[0].line == select(root, issues[0].path)[0].sourceline


def test_every_document_type_has_three_invalid_variants() -> None:
    counts = dict.fromkeys(DocumentType, 0)
    for case in VARIANTS:
        counts[case.document_type] += 1
    assert min(counts.values()) >= 3, counts


def test_variants_mix_schema_and_rule_failures() -> None:
    kinds = {(case.document_type, type(case.expected)) for case in VARIANTS}
    for document_type in DocumentType:
        assert (document_type, SchemaError) in kinds, document_type
        assert (document_type, RuleIssue) in kinds, document_type
