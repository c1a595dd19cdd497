"""Benefit claims and decisions: P2000 (old age), P2100 (survivors), P2200 (invalidity), P6000.

A P2000, P2100 and P2200 are each a BenefitClaim, told apart by the benefit claimed; a P6000
is a BenefitDecision. The codes are those of the EESSI CDM 4.2 SEDs as national applications
write them (``docs/sed.md`` lists each table and what is lost).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from gateway.documents import DocumentType
from gateway.sed._claim_codes import (
    AS_DATE,
    AS_DAYS,
    ATTACHMENT,
    BASIS,
    BENEFIT_STATUS,
    BENEFITS_WITHOUT_BRANCH,
    BRANCH,
    CHILD_RELATIONSHIP,
    CIVIL_STATUS,
    DEATH_CAUSE,
    DEATH_DATE,
    DECEASED_PENSION_KIND,
    DECISION_FREQUENCY,
    DECISION_KIND,
    DECISION_RESULT,
    FREQUENCY,
    INSTITUTION,
    INSTITUTION_MEMBERS,
    NET_AMOUNT,
    NOT_CURRENT_WORK,
    PARTNER_RELATIONSHIP,
    RECIPIENTS,
    REFUSAL_REASON,
    RELATIONSHIP_TO_DECEASED,
    WORK_KIND,
)
from gateway.sed._codes import BOOLEAN, COUNTRY, NAMES
from gateway.sed._person import (
    ADDRESS,
    EMAIL,
    FAMILY_MEMBER,
    PERSON,
    PIN,
    TELEPHONE,
    WITHOUT_BIRTH_OR_SEX,
)
from gateway.sed._rules import (
    Each,
    Fixed,
    Leaf,
    One,
    Rule,
    Skip,
    When,
    Whole,
)
from gateway.sed._sed import SedType

__all__ = ["CLAIM_TYPES"]


# --- Tables ----------------------------------------------------------------------------------

_AMOUNT_RULES: Final[tuple[Rule, ...]] = (
    Leaf("beloep", "$"),
    Leaf("valuta", "@currency"),
)

_PARTNER: Final[tuple[Rule, ...]] = (
    *FAMILY_MEMBER,
    Leaf("type", "Relationship", PARTNER_RELATIONSHIP),
)

_CHILD: Final[tuple[Rule, ...]] = (
    *FAMILY_MEMBER,
    Leaf("relasjontilbruker", "Relationship", CHILD_RELATIONSHIP),
)

_PAYMENT_ACCOUNT: Final[tuple[Rule, ...]] = (
    Leaf("konto.sepa.iban", "Iban"),
    Leaf("konto.kontonr", "AccountNumber"),
    # The BIC goes with the SEPA account, or with the account number outside SEPA.
    When(
        "konto.kontonr",
        (),
        "AccountNumber",
        (),
        rules=(Leaf("konto.ikkesepa.swift", "Bic"),),
        otherwise=(Leaf("konto.sepa.swift", "Bic"),),
    ),
    Leaf("konto.innehaver.navn", "AccountHolder"),
    Leaf("navn", "BankName"),
    One(
        "adresse",
        "BankAddress",
        (
            Leaf("gate", "Street"),
            Leaf("bygning", "Building"),
            Leaf("postkode", "PostCode"),
            Leaf("by", "Town"),
            Leaf("region", "Region"),
            Leaf("land", "Country", COUNTRY),
        ),
    ),
)

_REPRESENTATIVE: Final[tuple[Rule, ...]] = (
    # A SED's verge is a guardian; an agent or legal representative of ours loses its kind.
    Fixed("Kind", "guardian"),
    One(
        "person",
        "",
        (
            Leaf("etternavn", "Person.FamilyName", NAMES),
            Leaf("fornavn", "Person.Forename", NAMES),
            Leaf("foedselsdato", "Person.BirthDate"),
            Each("pin", "Person.PersonalIdentificationNumber", PIN),
            TELEPHONE,
            EMAIL,
        ),
    ),
    Leaf("vergenavn", "Organisation.Name"),
    One("adresse", "Address", ADDRESS),
    Leaf("vergemaal.mandat", "Mandate"),
)


def _not_current(work: Mapping[str, Any]) -> bool:
    return str(work.get("type", "")).startswith(NOT_CURRENT_WORK)


_WORK: Final[tuple[Rule, ...]] = (
    Leaf("type", "Kind", WORK_KIND),
    Leaf("yrke", "Occupation"),
    One("", "Period", (Leaf("planlagtstartdato", "Start"), Leaf("sluttdato", "End"))),
    Leaf("arbeidstimerperuke", "HoursPerWeek"),
    Each(
        "inntekt",
        "GrossIncome",
        (
            *_AMOUNT_RULES,
            Leaf("betalingshyppighetinntekt", "@frequency", FREQUENCY),
            Leaf("beloeputbetaltsiden", "@since"),
        ),
    ),
)


def _without_branch(benefit: Mapping[str, Any]) -> bool:
    return benefit.get("ytelse") in BENEFITS_WITHOUT_BRANCH


_OTHER_BENEFIT: Final[tuple[Rule, ...]] = (
    Leaf("ytelse", "Branch", BRANCH),
    Leaf("annenytelse", "Description"),
    Leaf("status", "Status", BENEFIT_STATUS),
    Whole("institusjon", INSTITUTION_MEMBERS, "Institution", INSTITUTION),
    Leaf("mottasbasertpaa", "Basis", BASIS),
    One("", "Period", (Leaf("startdatoutbetaling", "Start"), Leaf("sluttdatoutbetaling", "End"))),
    Each(
        "beloep",
        "Amount",
        (
            *_AMOUNT_RULES,
            Leaf("betalingshyppighetytelse", "@frequency", FREQUENCY),
            Leaf("gjeldendesiden", "@since"),
        ),
    ),
)

_DEFERRAL: Final[tuple[Rule, ...]] = (
    Whole("", INSTITUTION_MEMBERS, "Institution", INSTITUTION),
    Leaf("tildato", "Until"),
)


def _claim(claimant_at: str, *extra: Rule) -> tuple[Rule, ...]:
    """A claim's table; ``claimant_at`` is where the SED holds the claimant."""
    return (
        One(claimant_at, "Claimant", PERSON),
        *extra,
        Leaf("nav.krav.dato", "ClaimDate"),
        Leaf("pensjon.forespurtstartdato", "EarliestStart"),
        One(f"{claimant_at}.bank", "PaymentAccount", _PAYMENT_ACCOUNT),
        Each(
            f"{claimant_at}.person.sivilstand",
            "Family.CivilStatus",
            (Leaf("status", "$", CIVIL_STATUS), Leaf("fradato", "@since")),
        ),
        Each("nav.ektefelle", "Family.Partner", _PARTNER, True, WITHOUT_BIRTH_OR_SEX),
        Each("nav.barn", "Family.Child", _CHILD, skip=WITHOUT_BIRTH_OR_SEX),
        One("nav.verge", "Representative", _REPRESENTATIVE),
        Leaf("pensjon.vedtak.0.mottaker", "DecisionRecipient", RECIPIENTS),
        Each(
            f"{claimant_at}.arbeidsforhold",
            "CurrentWork",
            _WORK,
            skip=Skip(_not_current, "work that is not current has no place in our schema 2.0"),
        ),
        Each(
            "pensjon.ytelser",
            "OtherBenefit",
            _OTHER_BENEFIT,
            skip=Skip(_without_branch, "a benefit of no branch of ours has no place"),
        ),
        Each("pensjon.utsettelse", "Deferral", _DEFERRAL),
        Each(
            "pensjon.institusjonennaaikkesoektompensjon",
            "InstitutionWithoutClaim",
            (Leaf("", "Institution.Name"),),
        ),
        Each("pensjon.vedlegg", "AttachmentByPost", (Leaf("", "Code", ATTACHMENT),)),
        # After the attachments: the text goes with the one coded other.
        Leaf("pensjon.vedleggandre", "AttachmentByPost[Code=other].Text"),
        Leaf("pensjon.ytterligeinformasjon", "Remarks"),
    )


#: The deceased of a P2100 (``nav.bruker``) with the details of the death.
_DECEASED: Final[tuple[Rule, ...]] = (
    *PERSON,
    Whole("person", ("doedsdato", "dodsDetalj.dato"), "DeathDate", DEATH_DATE),
    Leaf("person.dodsDetalj.sted", "DeathPlace.Town"),
    Each(
        "person.dodsDetalj.arsaker",
        "DeathCause",
        (Leaf("arsak", "Code", DEATH_CAUSE), Leaf("annenArsak", "Text")),
    ),
)

#: The survivor's relation to the deceased, which the P2100 gives with the survivor.
_RELATION_TO_DECEASED: Final[tuple[Rule, ...]] = (
    Leaf("relasjon", "ClaimantRelationship", RELATIONSHIP_TO_DECEASED),
    Leaf("giftParnerDato", "UnionDate"),
    One(
        "",
        "CommonHousehold",
        (Leaf("sammehusholdning", "$", BOOLEAN), Leaf("sammehusholdningfradato", "@since")),
    ),
    Leaf("harfellesbarn", "CommonChildren", BOOLEAN),
    Each(
        "pensjondetalj",
        "Pension",
        (
            Leaf("mottattPensjonType", "BenefitKind", DECEASED_PENSION_KIND),
            Whole("institusjon", INSTITUTION_MEMBERS, "Institution", INSTITUTION),
            Leaf("startDatoPensjonrettighet", "Since"),
        ),
    ),
    # After the pensions: whether the deceased received one is given with the first.
    Leaf("pensjondetalj.0.mottattPensjonvedDod", "ReceivedPension", BOOLEAN),
)

_SURVIVOR: Final = "pensjon.gjenlevende"

_SURVIVORS_CLAIM: Final = (
    Fixed("BenefitKind", "survivors"),
    *_claim(
        _SURVIVOR,
        One("nav.bruker", "DeceasedPerson", _DECEASED),
        One(f"{_SURVIVOR}.person.relasjontilavdod", "DeceasedPerson", _RELATION_TO_DECEASED),
        # The SED does not say whether the new union is a marriage or a registered
        # partnership; we read it as a marriage.
        One(
            f"{_SURVIVOR}.person.nyttEkteskapPartnerskapEtterForsikredeDod",
            "Family.NewUnion",
            (Fixed("Kind", "marriage"), Leaf("fraDato", "Date")),
        ),
    ),
)

_CALCULATION_PERIOD: Final[tuple[Rule, ...]] = (
    One("periode", "", (Leaf("fom", "Start"), Leaf("tom", "End"))),
    Leaf("beloepBrutto.beloep", "Amount.$"),
    Leaf("valuta", "Amount.@currency"),
    Whole("", ("beloepNetto.beloep", "valuta"), "NetAmount", NET_AMOUNT),
    Leaf("utbetalingshyppighet", "Frequency", DECISION_FREQUENCY),
)

#: Reductions are given apart from the decision's reasons; with us they are reasons coded
#: overlapping-benefit.
_REDUCTION: Final = "Reason[Code=overlapping-benefit]"

_DECISION: Final[tuple[Rule, ...]] = (
    # A survivors' decision is addressed to the survivor, any other to the insured person.
    When(
        "pensjon.vedtak.0.type",
        ("03",),
        "BenefitKind",
        ("survivors",),
        rules=(One(_SURVIVOR, "Person", PERSON),),
        otherwise=(One("nav.bruker", "Person", PERSON),),
    ),
    One(
        "pensjon.vedtak.0",
        "",
        (
            Leaf("type", "BenefitKind", DECISION_KIND),
            Leaf("resultat", "Result", DECISION_RESULT),
            Leaf("virkningsdato", "EffectiveFrom"),
            Leaf("artikkel", "LegalBasis"),
            Each("beregning", "CalculationPeriod", _CALCULATION_PERIOD),
            Each(
                "avslagbegrunnelse",
                "Reason[Code!=overlapping-benefit]",
                (Leaf("begrunnelse", "Code", REFUSAL_REASON), Leaf("annenbegrunnelse", "Text")),
            ),
        ),
    ),
    # A decision of ours without calculation periods gives its amount and frequency from
    # the day it is due: the SED writes that as a calculation from that day on.
    When(
        "pensjon.vedtak.0.beregning",
        (),
        "CalculationPeriod",
        (),
        rules=(),
        otherwise=(
            One(
                "pensjon.vedtak.0.beregning.0",
                "",
                (
                    Leaf("periode.fom", "EffectiveFrom"),
                    Leaf("beloepBrutto.beloep", "Amount.$"),
                    Leaf("valuta", "Amount.@currency"),
                    Whole("", ("beloepNetto.beloep", "valuta"), "NetAmount", NET_AMOUNT),
                    Leaf("utbetalingshyppighet", "Frequency", DECISION_FREQUENCY),
                ),
            ),
        ),
    ),
    # After the refusal reasons, so that both add to the same list.
    Each(
        "pensjon.reduksjon",
        _REDUCTION,
        (Fixed("Code", "overlapping-benefit"), Leaf("aarsak.inntektAnnen", "Text")),
    ),
    Leaf("pensjon.tilleggsinformasjon.dato", "DecisionDate"),
    Leaf("pensjon.tilleggsinformasjon.saksnummer", "LocalCaseNumber"),
    One(
        "pensjon.tilleggsinformasjon",
        "Appeal",
        (
            Leaf("andreinstitusjoner.0.institusjonsnavn", "Body"),
            Leaf("andreinstitusjoner.0.institusjonsid", "Institution"),
            One(
                "andreinstitusjoner.0",
                "Address",
                (
                    Leaf("institusjonsadresse", "Street"),
                    Leaf("bygningsnavn", "Building"),
                    Leaf("postnummer", "PostCode"),
                    Leaf("poststed", "Town"),
                    Leaf("region", "Region"),
                    Leaf("land", "Country", COUNTRY),
                ),
            ),
            # The SED has one field for the time limit: a day, or a number of days.
            Leaf("revurderingtidsfrist", "DeadlineDate", AS_DATE),
            Leaf("revurderingtidsfrist", "DeadlineDays", AS_DAYS),
        ),
    ),
)


def _kind_is(*kinds: str) -> Callable[[Mapping[str, Any]], bool]:
    def fits(document: Mapping[str, Any]) -> bool:
        return document.get("BenefitKind") in kinds

    return fits


CLAIM_TYPES: Final = (
    SedType(
        "P2000",
        "Claim for an old-age pension",
        DocumentType.BENEFIT_CLAIM,
        (Fixed("BenefitKind", "old-age"), *_claim("nav.bruker")),
        _kind_is("old-age", "early-old-age"),
    ),
    SedType(
        "P2100",
        "Claim for a survivors' pension",
        DocumentType.BENEFIT_CLAIM,
        _SURVIVORS_CLAIM,
        _kind_is("survivors"),
    ),
    SedType(
        "P2200",
        "Claim for an invalidity pension",
        DocumentType.BENEFIT_CLAIM,
        (Fixed("BenefitKind", "invalidity"), *_claim("nav.bruker")),
        _kind_is("invalidity"),
    ),
    SedType(
        "P6000",
        "Decision on a pension",
        DocumentType.BENEFIT_DECISION,
        _DECISION,
    ),
)
