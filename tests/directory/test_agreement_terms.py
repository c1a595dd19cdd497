"""Each ILO example agreement's material and personal scope, the principles that decide
(export of benefits, equality of treatment, reciprocity, administrative assistance) and
posting extensions, as the sample directory gives them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from gateway.codes import Branch, Principle
from gateway.directory import (
    NATIONALITY_GROUND,
    Agreement,
    DecisionFacts,
    Directory,
    ExchangeFacts,
    PartyTerms,
    Permitted,
    PersonalScope,
    PersonsCovered,
    PersonStatus,
    RefusalReason,
    Refused,
    Rule,
    Scheme,
    decide,
)
from gateway.documents import DocumentType, Posting

DAY = dt.date(2026, 11, 25)
#: A document that says nothing of the person or a decision.
UNKNOWN = ExchangeFacts()
D = dt.date
S = PersonStatus


def ask(
    directory: Directory,
    sender: str,
    recipient: str,
    document_type: DocumentType,
    branches: frozenset[Branch] = frozenset(),
    *,
    facts: ExchangeFacts = UNKNOWN,
    posting: Posting | None = None,
) -> Permitted | Refused:
    return decide(
        directory,
        sender=sender,
        recipient=recipient,
        document_type=document_type,
        schema_version="1.0",
        branches=branches,
        on=DAY,
        posting=posting,
        facts=facts,
    )


def persons(*statuses: PersonStatus) -> ExchangeFacts:
    return ExchangeFacts(statuses=frozenset(statuses))


def refusal(decision: Permitted | Refused) -> RefusalReason | None:
    return decision.reason if isinstance(decision, Refused) else None


def changed(directory: Directory, agreement_id: str, **changes: object) -> Directory:
    """The directory with one agreement changed as a directory could give it."""
    agreements = tuple(
        dataclasses.replace(a, **changes) if a.id == agreement_id else a  # type: ignore[arg-type]
        for a in directory.agreements
    )
    return dataclasses.replace(directory, agreements=agreements)


def agreement(directory: Directory, agreement_id: str) -> Agreement:
    return next(a for a in directory.agreements if a.id == agreement_id)


CERTIFICATE = DocumentType.COVERAGE_CERTIFICATE
PERIODS = DocumentType.INSURANCE_PERIODS_REQUEST
CLAIM = DocumentType.BENEFIT_CLAIM
DECISION = DocumentType.BENEFIT_DECISION
OLD_AGE = frozenset({Branch.OLD_AGE})


# EU Regulation 883/2004: every person, every branch.


def test_eu_covers_every_status_and_branch(directory: Directory) -> None:
    for status in PersonStatus:
        decision = ask(directory, "FR:URSSAF", "DE:DRV70001", CERTIFICATE, facts=persons(status))
        assert isinstance(decision, Permitted) and decision.unchecked == ()
    claim = ask(directory, "FR:CNAV", "DE:DRV70001", CLAIM, OLD_AGE, facts=persons(S.NON_ACTIVE))
    assert isinstance(claim, Permitted) and claim.agreement is not None


# Argentina-Chile: Argentina covers family allowances and medical care for pensioners only.


@pytest.mark.parametrize("branch", [Branch.FAMILY, Branch.MEDICAL_CARE])
def test_ar_cl_covers_family_and_medical_care_in_argentina_for_pensioners_only(
    directory: Directory, branch: Branch
) -> None:
    branches = frozenset({branch})
    pensioner = ask(
        directory, "AR:ANSES", "CL:IPS01", PERIODS, branches, facts=persons(S.PENSIONER)
    )
    assert isinstance(pensioner, Permitted) and pensioner.agreement is not None
    worker = ask(directory, "AR:ANSES", "CL:IPS01", PERIODS, branches, facts=persons(S.EMPLOYED))
    assert isinstance(worker, Refused) and worker.reason is RefusalReason.OUTSIDE_MATERIAL_SCOPE
    assert worker.detail == (
        f"AR-CL covers {branch.value} for AR only for persons who are pensioner, and the person "
        "is employed"
    )
    # Unknown status: the rule is not applied, and the decision says what it lacked.
    unknown = ask(directory, "AR:ANSES", "CL:IPS01", PERIODS, branches)
    assert isinstance(unknown, Permitted) and unknown.unchecked == ("person status",)


def test_ar_cl_covers_old_age_for_everyone_and_not_family_in_chile(directory: Directory) -> None:
    worker = persons(S.EMPLOYED)
    assert ask(directory, "AR:ANSES", "CL:IPS01", PERIODS, OLD_AGE, facts=worker)
    family = frozenset({Branch.FAMILY})
    refused = ask(directory, "CL:IPS01", "AR:ANSES", PERIODS, family, facts=worker)
    # Chile's institution is not competent for family benefits at all.
    assert refusal(refused) is RefusalReason.NOT_COMPETENT


# Canada-Netherlands: special schemes for civil servants excluded; Canada old-age only.


def test_ca_nl_excludes_civil_servants(directory: Directory) -> None:
    servant = ask(directory, "CA:ESDC", "NL:SVB01", CLAIM, OLD_AGE, facts=persons(S.CIVIL_SERVANT))
    assert isinstance(servant, Refused) and servant.reason is RefusalReason.OUTSIDE_PERSONAL_SCOPE
    assert servant.detail == (
        "a person who is civil-servant is outside the personal scope of CA-NL for NL, which "
        "covers no one in the civil-servants scheme"
    )
    assert ask(directory, "CA:ESDC", "NL:SVB01", CLAIM, OLD_AGE, facts=persons(S.EMPLOYED))
    periods = ExchangeFacts(schemes=frozenset({Scheme.CIVIL_SERVANTS}))
    in_scheme = ask(directory, "CA:ESDC", "NL:SVB01", PERIODS, OLD_AGE, facts=periods)
    assert refusal(in_scheme) is RefusalReason.OUTSIDE_PERSONAL_SCOPE
    general = ExchangeFacts(schemes=frozenset({Scheme.GENERAL}))
    assert ask(directory, "CA:ESDC", "NL:SVB01", PERIODS, OLD_AGE, facts=general)


def test_ca_nl_covers_only_old_age_for_canada(directory: Directory) -> None:
    invalidity = frozenset({Branch.INVALIDITY})
    refused = ask(directory, "CA:ESDC", "NL:SVB01", PERIODS, invalidity)
    assert refusal(refused) is RefusalReason.BRANCH_NOT_COVERED


# France-Tunisia: employed, self-employed and unemployed persons (Art. 2); 36 months' posting.


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (S.EMPLOYED, None),
        (S.SELF_EMPLOYED, None),
        (S.UNEMPLOYED, None),
        (S.CIVIL_SERVANT, RefusalReason.OUTSIDE_PERSONAL_SCOPE),
        (S.NON_ACTIVE, RefusalReason.OUTSIDE_PERSONAL_SCOPE),
    ],
)
def test_fr_tn_personal_scope(
    directory: Directory, status: PersonStatus, reason: RefusalReason | None
) -> None:
    decision = ask(directory, "FR:URSSAF", "TN:CNSS", CERTIFICATE, facts=persons(status))
    assert refusal(decision) is reason
    if isinstance(decision, Refused):
        assert decision.by is not None and str(decision.by) == "personal-scope (Art. 2)"


def test_fr_tn_posting_limit_is_36_months(directory: Directory) -> None:
    worker = persons(S.EMPLOYED)
    within = Posting(D(2027, 1, 1), D(2029, 12, 31))
    beyond = Posting(D(2027, 1, 1), D(2030, 1, 31))
    assert ask(directory, "FR:URSSAF", "TN:CNSS", CERTIFICATE, facts=worker, posting=within)
    refused = ask(directory, "FR:URSSAF", "TN:CNSS", CERTIFICATE, facts=worker, posting=beyond)
    assert isinstance(refused, Refused) and refused.detail == (
        "a posting of 37 months exceeds the 36 months of agreement FR-TN"
    )


def test_fr_tn_carries_a_claim_for_an_employed_person(directory: Directory) -> None:
    decision = ask(directory, "FR:CNAV", "TN:CNSS", CLAIM, OLD_AGE, facts=persons(S.EMPLOYED))
    assert isinstance(decision, Permitted) and decision.agreement is not None
    assert decision.agreement.id == "FR-TN"


# India-Germany: India's legislation for employed persons only; Germany old-age only.


def test_in_de_covers_only_employed_persons_in_india(directory: Directory) -> None:
    self_employed = persons(S.SELF_EMPLOYED)
    refused = ask(directory, "IN:EPFO", "DE:DRV70001", CERTIFICATE, facts=self_employed)
    assert isinstance(refused, Refused) and refused.reason is RefusalReason.OUTSIDE_PERSONAL_SCOPE
    assert refused.detail == (
        "a person who is self-employed is outside the personal scope of IN-DE for IN, which "
        "covers persons who are employed only"
    )
    assert ask(directory, "IN:EPFO", "DE:DRV70001", CERTIFICATE, facts=persons(S.EMPLOYED))
    # Germany's legislation under the agreement has no such limit.
    assert ask(directory, "DE:DRV70001", "IN:EPFO", CERTIFICATE, facts=self_employed)


def test_in_de_covers_old_age_only_for_germany(directory: Directory) -> None:
    invalidity = frozenset({Branch.INVALIDITY})
    refused = ask(directory, "IN:EPFO", "DE:DRV70001", CLAIM, invalidity)
    assert refusal(refused) is RefusalReason.BRANCH_NOT_COVERED
    assert ask(directory, "DE:DRV70001", "IN:EPFO", CLAIM, invalidity)


def test_in_de_posting_extension_needs_both_institutions(directory: Directory) -> None:
    worker = persons(S.EMPLOYED)

    def certify(posting: Posting) -> Permitted | Refused:
        return ask(directory, "DE:DRV70001", "IN:EPFO", CERTIFICATE, facts=worker, posting=posting)

    assert certify(Posting(D(2027, 1, 1), D(2030, 12, 31)))  # 48 months
    extended = (D(2027, 1, 1), D(2031, 12, 31))  # 60 months
    refused = certify(Posting(*extended))
    assert isinstance(refused, Refused) and refused.detail == (
        "a posting of 60 months exceeds the 48 months of agreement IN-DE, which both "
        "institutions may extend by up to 12 months: no such extension is agreed"
    )
    agreed = certify(Posting(*extended, extension_agreed=True))
    assert isinstance(agreed, Permitted)
    assert [a.rule for a in agreed.applied][-2:] == [Rule.POSTING_LIMIT, Rule.POSTING_EXTENSION]
    too_long = certify(Posting(D(2027, 1, 1), D(2032, 1, 31), extension_agreed=True))
    assert isinstance(too_long, Refused) and too_long.detail == (
        "a posting of 61 months exceeds the 48 months of agreement IN-DE"
    )


# Australia-Korea: old-age only on both sides, every person.


def test_au_kr_covers_old_age_for_everyone(directory: Directory) -> None:
    self_employed = persons(S.SELF_EMPLOYED)
    decision = ask(directory, "KR:NPS01", "AU:DSS01", PERIODS, OLD_AGE, facts=self_employed)
    assert isinstance(decision, Permitted) and decision.unchecked == ()
    invalidity = frozenset({Branch.INVALIDITY})
    refused = ask(directory, "KR:NPS01", "AU:DSS01", PERIODS, invalidity)
    assert refusal(refused) is RefusalReason.BRANCH_NOT_COVERED
    assert agreement(directory, "AU-KR").posting_limit_months == 60


# MERCOSUR: workers of any nationality; no sickness; 12 months' posting, 12 more agreed.


def test_mercosur_covers_any_nationality_and_not_sickness(directory: Directory) -> None:
    foreign = ExchangeFacts(nationalities=frozenset({"JP"}), statuses=frozenset({S.EMPLOYED}))
    assert ask(directory, "BR:INSS", "UY:BPS01", CERTIFICATE, facts=foreign)
    sickness = frozenset({Branch.SICKNESS})
    refused = ask(directory, "BR:INSS", "UY:BPS01", PERIODS, sickness)
    assert refusal(refused) is RefusalReason.BRANCH_NOT_COVERED


def test_mercosur_posting_of_twelve_months_extended_by_twelve(directory: Directory) -> None:
    def certify(end: dt.date, *, agreed: bool = False) -> Permitted | Refused:
        posting = Posting(D(2027, 1, 1), end, extension_agreed=agreed)
        return ask(directory, "BR:INSS", "UY:BPS01", CERTIFICATE, posting=posting)

    assert certify(D(2027, 12, 31))
    assert refusal(certify(D(2028, 1, 31))) is RefusalReason.POSTING_LIMIT_EXCEEDED
    assert certify(D(2028, 12, 31), agreed=True)
    assert refusal(certify(D(2029, 1, 31), agreed=True)) is RefusalReason.POSTING_LIMIT_EXCEEDED


# Nationals only.


def test_an_agreement_for_nationals_only_refuses_other_nationals(directory: Directory) -> None:
    fr_tn = agreement(directory, "FR-TN")
    nationals = PartyTerms(personal_scope=PersonalScope(persons=PersonsCovered.NATIONALS))
    only = changed(directory, "FR-TN", terms={**fr_tn.terms, "FR": nationals})

    def certify(*nationalities: str) -> Permitted | Refused:
        facts = ExchangeFacts(nationalities=frozenset(nationalities) or None)
        return ask(only, "FR:URSSAF", "TN:CNSS", CERTIFICATE, facts=facts)

    refused = certify("MA")
    assert isinstance(refused, Refused) and refused.reason is RefusalReason.OUTSIDE_PERSONAL_SCOPE
    assert refused.detail == (
        "a national of MA is outside the personal scope of FR-TN for FR, which covers "
        "nationals of the parties only"
    )
    assert certify("MA", "TN")
    unknown = certify()
    assert isinstance(unknown, Permitted) and unknown.unchecked == ("nationality",)


# The principles.


def decision_facts(granted: bool, paid_to: str | None = None, *grounds: str) -> ExchangeFacts:
    return ExchangeFacts(
        decision=DecisionFacts(
            granted=granted, payment_country=paid_to, refused_on=frozenset(grounds)
        )
    )


def test_a_benefit_paid_abroad_needs_export_of_benefits(directory: Directory) -> None:
    abroad = decision_facts(True, "IN")
    decision = ask(directory, "DE:DRV70001", "IN:EPFO", DECISION, OLD_AGE, facts=abroad)
    assert isinstance(decision, Permitted)
    assert Rule.EXPORT_OF_BENEFITS in [a.rule for a in decision.applied]
    principles = agreement(directory, "IN-DE").principles - {Principle.EXPORT_OF_BENEFITS}
    no_export = changed(directory, "IN-DE", principles=principles)
    refused = ask(no_export, "DE:DRV70001", "IN:EPFO", DECISION, OLD_AGE, facts=abroad)
    assert isinstance(refused, Refused) and refused.reason is RefusalReason.EXPORT_NOT_PROVIDED
    assert refused.detail == (
        "a benefit DE pays to IN is paid abroad, and IN-DE does not contain the principle "
        "'export-of-benefits'"
    )
    at_home = decision_facts(True, "DE")
    assert ask(no_export, "DE:DRV70001", "IN:EPFO", DECISION, OLD_AGE, facts=at_home)


def test_a_decision_without_its_result_or_payment_country_is_not_checked(
    directory: Directory,
) -> None:
    unknown = ask(directory, "DE:DRV70001", "IN:EPFO", DECISION, OLD_AGE)
    assert isinstance(unknown, Permitted) and unknown.unchecked == ("decision result",)
    unpaid = ask(directory, "DE:DRV70001", "IN:EPFO", DECISION, OLD_AGE, facts=decision_facts(True))
    assert isinstance(unpaid, Permitted) and unpaid.unchecked == ("payment country",)


def test_a_refusal_on_nationality_alone_breaks_equality_of_treatment(
    directory: Directory,
) -> None:
    alone = decision_facts(False, None, NATIONALITY_GROUND)
    refused = ask(directory, "DE:DRV70001", "IN:EPFO", DECISION, OLD_AGE, facts=alone)
    assert isinstance(refused, Refused) and refused.reason is RefusalReason.UNEQUAL_TREATMENT
    with_another = decision_facts(False, None, NATIONALITY_GROUND, "insufficient-periods")
    assert ask(directory, "DE:DRV70001", "IN:EPFO", DECISION, OLD_AGE, facts=with_another)
    principles = agreement(directory, "IN-DE").principles - {Principle.EQUALITY_OF_TREATMENT}
    unequal = changed(directory, "IN-DE", principles=principles)
    assert ask(unequal, "DE:DRV70001", "IN:EPFO", DECISION, OLD_AGE, facts=alone)


def test_reciprocity_carries_only_branches_both_parties_cover(directory: Directory) -> None:
    principles = agreement(directory, "IN-DE").principles | {Principle.RECIPROCITY}
    reciprocal = changed(directory, "IN-DE", principles=principles)
    invalidity = frozenset({Branch.INVALIDITY})
    refused = ask(reciprocal, "DE:DRV70001", "IN:EPFO", CLAIM, invalidity)
    assert isinstance(refused, Refused) and refused.reason is RefusalReason.NOT_RECIPROCAL
    assert refused.detail == (
        "IN-DE rests on reciprocity, and invalidity is covered for IN but not for DE"
    )
    assert ask(reciprocal, "DE:DRV70001", "IN:EPFO", CLAIM, OLD_AGE)
    # Without reciprocity the same claim goes.
    assert ask(directory, "DE:DRV70001", "IN:EPFO", CLAIM, invalidity)


def test_administrative_assistance_lets_a_node_ask_for_periods_without_totalization(
    directory: Directory,
) -> None:
    principles = agreement(directory, "IN-DE").principles - {Principle.TOTALIZATION}
    assisting = changed(directory, "IN-DE", principles=principles)
    assert ask(assisting, "IN:EPFO", "DE:DRV70001", PERIODS, OLD_AGE)
    # A claim still needs totalization.
    claim = ask(assisting, "IN:EPFO", "DE:DRV70001", CLAIM, OLD_AGE)
    assert refusal(claim) is RefusalReason.PRINCIPLE_NOT_COVERED
    neither = changed(
        directory, "IN-DE", principles=principles - {Principle.ADMINISTRATIVE_ASSISTANCE}
    )
    refused = ask(neither, "IN:EPFO", "DE:DRV70001", PERIODS, OLD_AGE)
    assert isinstance(refused, Refused) and refused.detail == (
        "IN-DE does not contain the principle 'totalization' or 'administrative-assistance' "
        "that a InsurancePeriodsRequest rests on"
    )


def test_a_permission_names_the_rules_and_articles(directory: Directory) -> None:
    posting = Posting(D(2027, 1, 1), D(2028, 12, 31))
    decision = ask(directory, "FR:URSSAF", "DE:DRV70001", CERTIFICATE, posting=posting)
    assert isinstance(decision, Permitted)
    assert [str(a) for a in decision.applied] == [
        "principle",
        "material-scope (Art. 3)",
        "posting-limit (Art. 12)",
    ]
