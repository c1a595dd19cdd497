"""The agreement policy answers the questions of the sample agreements correctly, with reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from gateway.codes import Branch, Principle
from gateway.directory import (
    ActingParty,
    AgreementStage,
    Directory,
    ExchangeRule,
    InstitutionStatus,
    NetworkKind,
    Permitted,
    RefusalReason,
    Refused,
    decide,
    exchange_rule,
)
from gateway.documents import CaseType, DocumentType

DAY = dt.date(2026, 11, 25)
OLD_AGE = frozenset({Branch.OLD_AGE})
INVALIDITY = frozenset({Branch.INVALIDITY})
SURVIVORS = frozenset({Branch.SURVIVORS})
NONE: frozenset[Branch] = frozenset()


def ask(
    directory: Directory,
    sender: str,
    recipient: str,
    document_type: DocumentType,
    branches: frozenset[Branch],
    on: dt.date = DAY,
    schema_version: str = "1.0",
) -> Permitted | Refused:
    return decide(
        directory,
        sender=sender,
        recipient=recipient,
        document_type=document_type,
        schema_version=schema_version,
        branches=branches,
        on=on,
    )


def permitted_under(decision: Permitted | Refused) -> str | None:
    assert isinstance(decision, Permitted), decision
    return decision.agreement.id if decision.agreement else None


def refused_for(decision: Permitted | Refused) -> RefusalReason:
    assert isinstance(decision, Refused), decision
    return decision.reason


# India-Germany: Germany's side covers old age only; India's old age, survivors, invalidity.


def test_india_germany_old_age_claim_to_germany_is_permitted(directory: Directory) -> None:
    decision = ask(directory, "IN:EPFO", "DE:DRV70001", DocumentType.BENEFIT_CLAIM, OLD_AGE)
    assert permitted_under(decision) == "IN-DE"


def test_india_germany_invalidity_claim_to_germany_is_outside_germanys_scope(
    directory: Directory,
) -> None:
    decision = ask(directory, "IN:EPFO", "DE:DRV70001", DocumentType.BENEFIT_CLAIM, INVALIDITY)
    assert refused_for(decision) is RefusalReason.BRANCH_NOT_COVERED
    assert isinstance(decision, Refused)
    assert "invalidity" in decision.detail and "DE" in decision.detail


def test_india_germany_invalidity_claim_to_india_is_permitted(directory: Directory) -> None:
    decision = ask(directory, "DE:DRV70001", "IN:EPFO", DocumentType.BENEFIT_CLAIM, INVALIDITY)
    assert permitted_under(decision) == "IN-DE"


def test_india_germany_periods_request_for_german_survivors_benefit_is_refused(
    directory: Directory,
) -> None:
    decision = ask(
        directory, "DE:DRV70001", "IN:EPFO", DocumentType.INSURANCE_PERIODS_REQUEST, SURVIVORS
    )
    assert refused_for(decision) is RefusalReason.BRANCH_NOT_COVERED


def test_india_germany_before_entry_into_force_is_refused(directory: Directory) -> None:
    decision = ask(
        directory,
        "DE:DRV70001",
        "IN:EPFO",
        DocumentType.INSURANCE_PERIODS_REQUEST,
        OLD_AGE,
        on=dt.date(2016, 12, 31),
    )
    assert refused_for(decision) is RefusalReason.AGREEMENT_NOT_IN_FORCE
    assert isinstance(decision, Refused) and "2017-05-01" in decision.detail


# Canada-Netherlands: Canada old age only; the Netherlands several branches.


def test_canada_netherlands_invalidity_claim_to_canada_is_refused(directory: Directory) -> None:
    decision = ask(directory, "NL:SVB01", "CA:ESDC", DocumentType.BENEFIT_CLAIM, INVALIDITY)
    assert refused_for(decision) is RefusalReason.BRANCH_NOT_COVERED


def test_canada_netherlands_old_age_claim_to_canada_is_permitted(directory: Directory) -> None:
    decision = ask(directory, "NL:SVB01", "CA:ESDC", DocumentType.BENEFIT_CLAIM, OLD_AGE)
    assert permitted_under(decision) == "CA-NL"


def test_canada_netherlands_survivors_decision_by_the_netherlands_is_permitted(
    directory: Directory,
) -> None:
    decision = ask(directory, "NL:SVB01", "CA:ESDC", DocumentType.BENEFIT_DECISION, SURVIVORS)
    assert permitted_under(decision) == "CA-NL"


def test_canada_does_not_handle_coverage_cases(directory: Directory) -> None:
    decision = ask(directory, "NL:SVB01", "CA:ESDC", DocumentType.COVERAGE_REQUEST, NONE)
    assert refused_for(decision) is RefusalReason.NOT_COMPETENT


# MERCOSUR: old age, survivors, invalidity, health care for AR, BR, PY, UY.


def test_mercosur_invalidity_claim_is_permitted(directory: Directory) -> None:
    decision = ask(directory, "AR:ANSES", "BR:INSS", DocumentType.BENEFIT_CLAIM, INVALIDITY)
    assert permitted_under(decision) == "MERCOSUR"


def test_mercosur_does_not_cover_family_benefits(directory: Directory) -> None:
    decision = ask(
        directory,
        "BR:INSS",
        "AR:ANSES",
        DocumentType.INSURANCE_PERIODS_REQUEST,
        frozenset({Branch.FAMILY}),
    )
    # BR:INSS is not competent for family benefits in the first place.
    assert refused_for(decision) is RefusalReason.NOT_COMPETENT


# US-Germany totalization agreement.


def test_us_germany_survivors_claim_to_germany_is_permitted(directory: Directory) -> None:
    decision = ask(directory, "US:SSAOIP", "DE:DRV70001", DocumentType.BENEFIT_CLAIM, SURVIVORS)
    assert permitted_under(decision) == "US-DE"


def test_us_germany_coverage_request_is_permitted(directory: Directory) -> None:
    decision = ask(directory, "US:SSAOIP", "DE:DRV70001", DocumentType.COVERAGE_REQUEST, NONE)
    assert permitted_under(decision) == "US-DE"


# EU Regulation 883/2004.


def test_eu_old_age_claim_between_germany_and_france_is_permitted(directory: Directory) -> None:
    decision = ask(directory, "DE:DRV70001", "FR:CNAV", DocumentType.BENEFIT_CLAIM, OLD_AGE)
    assert permitted_under(decision) == "EU-883-2004"


def test_eu_invalidity_claim_to_an_institution_not_competent_for_it_is_refused(
    directory: Directory,
) -> None:
    decision = ask(directory, "DE:DRV70001", "FR:CNAV", DocumentType.BENEFIT_CLAIM, INVALIDITY)
    assert refused_for(decision) is RefusalReason.NOT_COMPETENT
    assert isinstance(decision, Refused) and "FR:CNAV" in decision.detail


def test_eu_coverage_certificate_from_urssaf_is_permitted(directory: Directory) -> None:
    decision = ask(directory, "FR:URSSAF", "NL:SVB01", DocumentType.COVERAGE_CERTIFICATE, NONE)
    assert permitted_under(decision) == "EU-883-2004"


# Other reasons.


def test_no_agreement_between_france_and_india(directory: Directory) -> None:
    decision = ask(directory, "FR:CNAV", "IN:EPFO", DocumentType.BENEFIT_CLAIM, OLD_AGE)
    assert refused_for(decision) is RefusalReason.NO_AGREEMENT


def test_unknown_institution(directory: Directory) -> None:
    decision = ask(directory, "FR:CNAV", "DE:NOBODY01", DocumentType.BENEFIT_CLAIM, OLD_AGE)
    assert refused_for(decision) is RefusalReason.UNKNOWN_INSTITUTION


def test_a_suspended_or_revoked_institution_is_refused(directory: Directory) -> None:
    for status in (InstitutionStatus.SUSPENDED, InstitutionStatus.REVOKED):
        institutions = dict(directory.institutions)
        key = next(k for k in institutions if k == "FR:CNAV")
        institutions[key] = dataclasses.replace(institutions[key], status=status)
        changed = dataclasses.replace(directory, institutions=institutions)
        decision = ask(changed, "DE:DRV70001", "FR:CNAV", DocumentType.BENEFIT_CLAIM, OLD_AGE)
        assert refused_for(decision) is RefusalReason.INSTITUTION_NOT_ACTIVE


def _with_agreement(directory: Directory, agreement_id: str, **changes: object) -> Directory:
    agreements = tuple(
        dataclasses.replace(a, **changes) if a.id == agreement_id else a  # type: ignore[arg-type]
        for a in directory.agreements
    )
    return dataclasses.replace(directory, agreements=agreements)


def test_a_principle_missing_from_the_agreement_is_named(directory: Directory) -> None:
    changed = _with_agreement(directory, "US-DE", principles=frozenset({Principle.TOTALIZATION}))
    decision = ask(changed, "US:SSAOIP", "DE:DRV70001", DocumentType.COVERAGE_REQUEST, NONE)
    assert refused_for(decision) is RefusalReason.PRINCIPLE_NOT_COVERED
    assert isinstance(decision, Refused) and "applicable-legislation" in decision.detail


@pytest.mark.parametrize(
    ("network", "expected"),
    [(NetworkKind.PRODUCTION, False), (NetworkKind.TEST, True)],
)
def test_an_agreement_at_its_administrative_arrangement_carries_test_traffic_only(
    directory: Directory, network: NetworkKind, expected: bool
) -> None:
    changed = dataclasses.replace(
        _with_agreement(directory, "IN-DE", stage=AgreementStage.ADMINISTRATIVE_ARRANGEMENT),
        network=network,
    )
    decision = ask(changed, "IN:EPFO", "DE:DRV70001", DocumentType.BENEFIT_CLAIM, OLD_AGE)
    assert bool(decision) is expected
    if not expected:
        assert refused_for(decision) is RefusalReason.AGREEMENT_NOT_IN_FORCE


def test_a_signed_agreement_carries_no_traffic_even_on_a_test_network(
    directory: Directory,
) -> None:
    changed = dataclasses.replace(
        _with_agreement(directory, "IN-DE", stage=AgreementStage.SIGNED),
        network=NetworkKind.TEST,
    )
    decision = ask(changed, "IN:EPFO", "DE:DRV70001", DocumentType.BENEFIT_CLAIM, OLD_AGE)
    assert refused_for(decision) is RefusalReason.AGREEMENT_NOT_IN_FORCE


def test_a_terminated_agreement_period_is_respected(directory: Directory) -> None:
    changed = _with_agreement(directory, "IN-DE", in_force_to=dt.date(2025, 12, 31))
    decision = ask(changed, "IN:EPFO", "DE:DRV70001", DocumentType.BENEFIT_CLAIM, OLD_AGE)
    assert refused_for(decision) is RefusalReason.AGREEMENT_NOT_IN_FORCE


def test_technical_documents_need_no_agreement(directory: Directory) -> None:
    assert permitted_under(ask(directory, "FR:CNAV", "IN:EPFO", DocumentType.RECEIPT, NONE)) is None


# Case-level documents and the withdrawal of a certificate.

CASE_DOCUMENTS = (DocumentType.CASE_CLOSURE, DocumentType.REMINDER, DocumentType.CASE_FORWARD)


@pytest.mark.parametrize("document_type", CASE_DOCUMENTS, ids=lambda t: t.root_name)
def test_case_documents_have_no_exchange_rule(document_type: DocumentType) -> None:
    assert exchange_rule(document_type) is None
    assert document_type.case_type is None


@pytest.mark.parametrize("document_type", CASE_DOCUMENTS, ids=lambda t: t.root_name)
def test_case_documents_need_no_agreement(
    directory: Directory, document_type: DocumentType
) -> None:
    # France and India have no agreement, and FR:URSSAF handles coverage cases only: neither
    # matters to a document that acts on a case rather than carrying its business.
    assert permitted_under(ask(directory, "FR:CNAV", "IN:EPFO", document_type, NONE)) is None
    assert permitted_under(ask(directory, "FR:URSSAF", "IN:EPFO", document_type, NONE)) is None


@pytest.mark.parametrize("document_type", CASE_DOCUMENTS, ids=lambda t: t.root_name)
def test_case_documents_still_need_known_active_institutions(
    directory: Directory, document_type: DocumentType
) -> None:
    decision = ask(directory, "FR:CNAV", "DE:NOBODY01", document_type, NONE)
    assert refused_for(decision) is RefusalReason.UNKNOWN_INSTITUTION
    institutions = dict(directory.institutions)
    key = next(k for k in institutions if k == "IN:EPFO")
    institutions[key] = dataclasses.replace(institutions[key], status=InstitutionStatus.SUSPENDED)
    changed = dataclasses.replace(directory, institutions=institutions)
    decision = ask(changed, "FR:CNAV", "IN:EPFO", document_type, NONE)
    assert refused_for(decision) is RefusalReason.INSTITUTION_NOT_ACTIVE


def test_coverage_withdrawal_rests_on_applicable_legislation_by_the_sender() -> None:
    rule = exchange_rule(DocumentType.COVERAGE_WITHDRAWAL)
    assert rule == ExchangeRule(Principle.APPLICABLE_LEGISLATION, ActingParty.SENDER)


def test_france_tunisia_coverage_withdrawal_is_permitted(directory: Directory) -> None:
    decision = ask(directory, "FR:URSSAF", "TN:CNSS", DocumentType.COVERAGE_WITHDRAWAL, NONE)
    assert permitted_under(decision) == "FR-TN"


def test_coverage_withdrawal_without_an_agreement_is_refused(directory: Directory) -> None:
    decision = ask(directory, "FR:URSSAF", "IN:EPFO", DocumentType.COVERAGE_WITHDRAWAL, NONE)
    assert refused_for(decision) is RefusalReason.NO_AGREEMENT


def test_coverage_withdrawal_by_an_institution_without_coverage_cases_is_refused(
    directory: Directory,
) -> None:
    decision = ask(directory, "FR:CNAV", "TN:CNSS", DocumentType.COVERAGE_WITHDRAWAL, NONE)
    assert refused_for(decision) is RefusalReason.NOT_COMPETENT
    assert isinstance(decision, Refused) and "FR:CNAV" in decision.detail


def test_coverage_withdrawal_needs_the_applicable_legislation_principle(
    directory: Directory,
) -> None:
    changed = _with_agreement(directory, "US-DE", principles=frozenset({Principle.TOTALIZATION}))
    decision = ask(changed, "DE:DRV70001", "US:SSAOIP", DocumentType.COVERAGE_WITHDRAWAL, NONE)
    assert refused_for(decision) is RefusalReason.PRINCIPLE_NOT_COVERED


def test_an_exchange_within_one_country_rests_on_national_law(directory: Directory) -> None:
    institutions = dict(directory.institutions)
    urssaf = next(k for k in institutions if k == "FR:URSSAF")
    institutions[urssaf] = dataclasses.replace(
        institutions[urssaf],
        case_types=institutions[urssaf].case_types | {CaseType.INSURANCE_PERIODS},
    )
    changed = dataclasses.replace(directory, institutions=institutions)
    decision = ask(changed, "FR:CNAV", "FR:URSSAF", DocumentType.INSURANCE_PERIODS_REQUEST, OLD_AGE)
    assert permitted_under(decision) is None


def test_an_institution_does_not_send_to_itself(directory: Directory) -> None:
    decision = ask(directory, "FR:URSSAF", "FR:URSSAF", DocumentType.COVERAGE_REQUEST, NONE)
    assert refused_for(decision) is RefusalReason.SAME_INSTITUTION


def test_institution_ids_are_normalised_before_the_question(directory: Directory) -> None:
    assert (
        permitted_under(
            ask(directory, "IN:EPFO", "DE:DRV70001", DocumentType.BENEFIT_CLAIM, OLD_AGE)
        )
        == "IN-DE"
    )
    decision = ask(directory, "in:epfo", "DE:DRV70001", DocumentType.BENEFIT_CLAIM, OLD_AGE)
    assert refused_for(decision) is RefusalReason.UNKNOWN_INSTITUTION
    assert isinstance(decision, Refused) and "not an institution id" in decision.detail


def _taking(directory: Directory, institution_id: str, *versions: str) -> Directory:
    institutions = dict(directory.institutions)
    key = next(k for k in institutions if k == institution_id)
    institutions[key] = dataclasses.replace(institutions[key], schema_versions=frozenset(versions))
    return dataclasses.replace(directory, institutions=institutions)


def test_an_institution_naming_no_versions_takes_only_1_0(directory: Directory) -> None:
    decision = ask(
        directory,
        "DE:DRV70001",
        "IN:EPFO",
        DocumentType.BENEFIT_DECISION,
        OLD_AGE,
        schema_version="2.0",
    )
    assert refused_for(decision) is RefusalReason.SCHEMA_VERSION_NOT_TAKEN
    assert isinstance(decision, Refused)
    assert decision.detail == "IN:EPFO takes documents of schema version 1.0, not 2.0"


def test_a_version_the_recipient_takes_is_permitted(directory: Directory) -> None:
    both = _taking(directory, "DE:DRV70001", "1.0", "2.0")
    for version in ("1.0", "2.0"):
        decision = ask(
            both,
            "IN:EPFO",
            "DE:DRV70001",
            DocumentType.BENEFIT_CLAIM,
            OLD_AGE,
            schema_version=version,
        )
        assert permitted_under(decision) == "IN-DE"


def test_only_the_recipients_versions_count(directory: Directory) -> None:
    only_new = _taking(directory, "DE:DRV70001", "2.0")
    decision = ask(only_new, "IN:EPFO", "DE:DRV70001", DocumentType.BENEFIT_CLAIM, OLD_AGE)
    assert refused_for(decision) is RefusalReason.SCHEMA_VERSION_NOT_TAKEN
    # The sender's own list says what it takes, not what it may send.
    back = ask(only_new, "DE:DRV70001", "IN:EPFO", DocumentType.BENEFIT_DECISION, OLD_AGE)
    assert permitted_under(back) == "IN-DE"


@pytest.mark.parametrize("document_type", [DocumentType.RECEIPT, DocumentType.REJECTION])
def test_receipts_and_rejections_are_not_bound_by_versions(
    directory: Directory, document_type: DocumentType
) -> None:
    only_new = _taking(directory, "DE:DRV70001", "2.0")
    decision = ask(only_new, "IN:EPFO", "DE:DRV70001", document_type, NONE)
    assert isinstance(decision, Permitted)


def test_case_documents_are_bound_by_versions(directory: Directory) -> None:
    decision = ask(
        directory, "DE:DRV70001", "IN:EPFO", DocumentType.REMINDER, NONE, schema_version="2.0"
    )
    assert refused_for(decision) is RefusalReason.SCHEMA_VERSION_NOT_TAKEN
