"""Helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

from gateway.documents import SCHEMA_DIR, ValidatedDocument, validate_document

EXAMPLES = SCHEMA_DIR / "examples"

#: The institutions the session's PKI issues keys for.
INSTITUTIONS = (
    "DE:DRV70001",
    "FR:CNAV",
    "FR:URSSAF",
    "IN:EPFO",
    "TN:CNSS",
    "NL:SVB01",
    "CA:ESDC",
    "US:SSAOIP",
    "AR:ANSES",
    "BR:INSS",
)


def example_bytes(name: str) -> bytes:
    """The bytes of ``schemas/examples/<name>.xml``."""
    return (EXAMPLES / f"{name}.xml").read_bytes()


def example(name: str) -> ValidatedDocument:
    """An example document, validated."""
    return validate_document(example_bytes(name))
