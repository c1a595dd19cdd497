"""The committed schema reference is exactly what the generator makes from the XSDs today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gateway.documents import DocumentType

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "schema_reference.py"
REFERENCE = ROOT / "docs" / "schemas.md"
REGENERATE = ".venv/bin/python scripts/schema_reference.py > docs/schemas.md"


def generate(*arguments: str) -> str:
    """Run the generator as the documentation says to, from the project root."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *arguments],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def generated() -> str:
    return generate()


def test_committed_reference_matches_the_schemas(generated: str) -> None:
    committed = REFERENCE.read_text(encoding="utf-8")
    assert committed == generated, f"docs/schemas.md is out of date; run: {REGENERATE}"


def test_generation_is_deterministic(generated: str) -> None:
    assert generate() == generated


def test_the_2_0_reference_matches_its_schemas() -> None:
    committed = (ROOT / "docs" / "schemas-2.0.md").read_text(encoding="utf-8")
    regenerate = ".venv/bin/python scripts/schema_reference.py v2 > docs/schemas-2.0.md"
    assert committed == generate("v2"), f"docs/schemas-2.0.md is out of date; run: {regenerate}"
    for document_type in DocumentType:
        assert f"#### `{document_type.root_name}`" in committed


def test_an_unknown_version_folder_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "v9"], cwd=ROOT, capture_output=True, timeout=60
    )
    assert result.returncode == 1 and b"usage:" in result.stderr


@pytest.mark.parametrize("document_type", list(DocumentType), ids=lambda t: t.root_name)
def test_every_document_type_is_described(document_type: DocumentType) -> None:
    reference = REFERENCE.read_text(encoding="utf-8")
    stem = document_type.family.schema_path("1.0").stem
    assert f'<a id="{stem}-element-{document_type.root_name}"></a>' in reference
    assert f"#### `{document_type.root_name}`" in reference
    assert f"`{document_type.namespace}`" in reference


def test_every_document_type_is_an_envelope_document_code() -> None:
    reference = REFERENCE.read_text(encoding="utf-8")
    start = reference.index('<a id="envelope-type-DocumentTypeCode"></a>')
    end = reference.find("<a id=", start + 1)
    section = reference[start : end if end != -1 else None]
    for document_type in DocumentType:
        assert f"| `{document_type.root_name}` |" in section
