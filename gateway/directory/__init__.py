"""The network directory (institutions, certificates, agreements) and the agreement policy."""

from __future__ import annotations

from gateway.directory._agreement_rules import posting_limit_refusal
from gateway.directory._authoring import sign_directory
from gateway.directory._decision import Applied, Permitted, PolicyDecision, RefusalReason, Refused
from gateway.directory._facts import NATIONALITY_GROUND, DecisionFacts, ExchangeFacts
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
from gateway.directory._policy import ActingParty, ExchangeRule, decide, exchange_rule
from gateway.directory._terms import (
    PartyTerms,
    PersonalScope,
    PersonsCovered,
    PersonStatus,
    PostingExtension,
    Rule,
    Scheme,
)

__all__ = [
    "DIRECTORY_LIMITS",
    "NATIONALITY_GROUND",
    "ActingParty",
    "Agreement",
    "AgreementStage",
    "Applied",
    "CertificateEntry",
    "DecisionFacts",
    "Directory",
    "ExchangeFacts",
    "ExchangeRule",
    "Institution",
    "InstitutionStatus",
    "NetworkKind",
    "PartyTerms",
    "Permitted",
    "PersonStatus",
    "PersonalScope",
    "PersonsCovered",
    "PolicyDecision",
    "PostingExtension",
    "RefusalReason",
    "Refused",
    "Rule",
    "Scheme",
    "decide",
    "exchange_rule",
    "load_directory",
    "parse_directory_element",
    "posting_limit_refusal",
    "sign_directory",
]
