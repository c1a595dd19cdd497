"""The network directory (institutions, certificates, agreements) and the agreement policy."""

from __future__ import annotations

from gateway.directory._authoring import sign_directory
from gateway.directory._loader import DIRECTORY_LIMITS, load_directory, parse_directory_element
from gateway.directory._model import (
    Agreement,
    AgreementStage,
    CertificateEntry,
    Directory,
    Institution,
    InstitutionStatus,
    NetworkKind,
)
from gateway.directory._policy import (
    ActingParty,
    ExchangeRule,
    Permitted,
    PolicyDecision,
    RefusalReason,
    Refused,
    decide,
    exchange_rule,
    posting_limit_refusal,
)

__all__ = [
    "DIRECTORY_LIMITS",
    "ActingParty",
    "Agreement",
    "AgreementStage",
    "CertificateEntry",
    "Directory",
    "ExchangeRule",
    "Institution",
    "InstitutionStatus",
    "NetworkKind",
    "Permitted",
    "PolicyDecision",
    "RefusalReason",
    "Refused",
    "decide",
    "exchange_rule",
    "load_directory",
    "parse_directory_element",
    "posting_limit_refusal",
    "sign_directory",
]
