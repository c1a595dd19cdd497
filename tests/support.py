"""Helpers the tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import datetime as dt

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


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)
