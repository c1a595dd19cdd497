"""Benefit claims and decisions: P2000 (old age), P2100 (survivors), P2200 (invalidity), P6000."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from gateway.documents import DocumentType
from gateway.sed._engine import Fixed, Leaf, One, Rule
from gateway.sed._person import PERSON
from gateway.sed._sed import SedType

__all__ = ["CLAIM_TYPES"]


def _claim(benefit_kind: str) -> tuple[Rule, ...]:
    return (
        Fixed("BenefitKind", benefit_kind),
        One("nav.bruker", "Claimant", PERSON),
        Leaf("nav.krav.dato", "ClaimDate"),
    )


def _kind_is(kind: str) -> Any:
    def fits(document: Mapping[str, Any]) -> bool:
        return document.get("BenefitKind") == kind

    return fits


CLAIM_TYPES: Final = (
    SedType(
        "P2000",
        "Claim for an old-age pension",
        DocumentType.BENEFIT_CLAIM,
        _claim("old-age"),
        _kind_is("old-age"),
    ),
)
