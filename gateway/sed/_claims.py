"""Benefit claims and decisions: P2000 (old age), P2100 (survivors), P2200 (invalidity), P6000.

A P2000, P2100 and P2200 are each a BenefitClaim, told apart by the benefit claimed; a P6000
is a BenefitDecision. The codes are those of the EESSI CDM 4.2 SEDs as national applications
write them (``docs/sed.md`` lists each table and what is lost).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

from gateway.documents import DocumentType
from gateway.sed._codes import BOOLEAN, COUNTRY, NAMES, code_table
from gateway.sed._engine import (
    SCALAR,
    Codec,
    CodeError,
    Each,
    Fixed,
    Leaf,
    One,
    Rule,
    Skip,
    When,
    Whole,
)
from gateway.sed._person import (
    ADDRESS,
    EMAIL,
    FAMILY_MEMBER,
    PERSON,
    PIN,
    TELEPHONE,
    WITHOUT_BIRTH_OR_SEX,
)
from gateway.sed._sed import SedType

__all__ = ["CLAIM_TYPES", "CODE_TABLES"]

# --- Code lists ------------------------------------------------------------------------------

_CIVIL_STATUS: Final = code_table(
    "sivilstand status",
    {
        "enslig": "single",
        "gift": "married",
        "samboer": "cohabiting",
        "registrert_partnerskap": "civil-partnership",
        "skilt": "divorced",
        "skilt_fra_registrert_partnerskap": "civil-partnership-dissolved",
        "separert": "separated",
        "enke_enkemann": "widowed",
    },
)

_PARTNER_RELATIONSHIP: Final = code_table(
    "ektefelle type",
    {"ektefelle": "spouse", "registrert_partner": "civil-partner", "samboer": "cohabitant"},
)

_CHILD_RELATIONSHIP: Final = code_table(
    "relasjontilbruker",
    {
        "eget_barn": "child",
        "adoptivbarn": "adopted-child",
        "fosterbarn": "foster-child",
        "stebarn": "stepchild",
        "barnebarn": "grandchild",
    },
)

#: How a survivor was related to the deceased (P2100 relasjontilavdod.relasjon).
_RELATIONSHIP_TO_DECEASED: Final = code_table(
    "relasjon",
    {
        "01": "spouse",
        "02": "civil-partner",
        "03": "cohabitant",
        "04": "former-spouse",
        "06": "child",
        "09": "stepchild",
        "10": "grandchild",
        "11": "sibling",
        "12": "other",
    },
    # A former registered partner is a former spouse with us, adopted and foster children
    # are children.
    folded={"05": "former-spouse", "07": "child", "08": "child"},
    written_as={"parent": "12"},
)

#: Payment frequencies as the P2xxx SEDs code them (beloep, inntekt).
_FREQUENCY: Final = code_table(
    "betalingshyppighet",
    {"01": "yearly", "02": "quarterly", "03": "monthly", "06": "weekly"},
    # Monthly with 13 or 14 payments a year is monthly with us.
    folded={"04": "monthly", "05": "monthly"},
)

#: Payment frequencies as the P6000 writes them (beregning.utbetalingshyppighet).
_DECISION_FREQUENCY: Final = code_table(
    "utbetalingshyppighet",
    {
        "aarlig": "yearly",
        "kvartalsvis": "quarterly",
        "maaned_12_per_aar": "monthly",
        "ukentlig": "weekly",
    },
    folded={"maaned_13_per_aar": "monthly", "maaned_14_per_aar": "monthly"},
)

_BRANCH: Final = code_table(
    "ytelse",
    {
        "02": "sickness",
        "05": "family",
        "06": "unemployment",
        "07": "pre-retirement",
        "08": "invalidity",
        "10": "old-age",
        "11": "survivors",
        "12": "employment-injury",
    },
    # Continued pay in sickness, a short-term benefit after an accident at work and an early
    # old-age pension belong to the branches of sickness, employment injury and old age.
    folded={"01": "sickness", "03": "employment-injury", "09": "old-age"},
)

#: Benefit codes that belong to no branch of ours: such a benefit is left out as a loss.
_BENEFITS_WITHOUT_BRANCH: Final = frozenset({"04", "13", "99"})

_BENEFIT_STATUS: Final = code_table(
    "status",
    {"01": "claimed", "02": "received", "03": "refused"},
    # A provisional benefit is paid.
    folded={"04": "received"},
)

_BASIS: Final = code_table("mottasbasertpaa", {"botid": "residence", "i_arbeid": "work"})

_WORK_KIND: Final = code_table(
    "arbeidsforhold type",
    {
        "forsikrede_har_fortsatt_inntektsgivende_arbeid": "employed",
        "forsikrede_driver_fortsatt_selvstendig_naerigsvirksomhet": "self-employed",
    },
    folded={
        "forsikrede_skal_pensjonere_seg_fra_inntektsgivende_arbeid": "employed",
        "forsikrede_skal_pensjonere_seg_fra_selvstendig_naerigsvirksomhet": "self-employed",
    },
)

#: Work the claimant no longer does or has yet to start: not current work.
_NOT_CURRENT_WORK: Final = (
    "forsikrede_har_ikke_lenger",
    "forsikrede_driver_ikke_lenger",
    "forsikrede_skal_starte",
)

_ATTACHMENT: Final = code_table(
    "vedlegg",
    {
        "medisinsk_dokumentasjon": "medical-report",
        "arbeidsattester": "employment-record",
        "annet": "other",
    },
    folded={"utførlig_medisinsk_rapport": "medical-report"},
)

_DECISION_RECIPIENT: Final = code_table(
    "mottaker",
    {
        "forsikret_person": "claimant",
        "representant_eller_verge": "representative",
    },
)

#: The pension the deceased received (P2100 pensjondetalj.mottattPensjonType).
_DECEASED_PENSION_KIND: Final = code_table(
    "mottattPensjonType",
    {"01": "old-age", "02": "survivors", "03": "invalidity"},
    written_as={"early-old-age": "01"},
)

_DEATH_CAUSE: Final = code_table(
    "arsak",
    {
        "01": "illness",
        "02": "accident-at-work",
        "03": "occupational-disease",
        "04": "accident",
        "99": "other",
    },
)

#: The benefit decided on (P6000 vedtak.type).
_DECISION_KIND: Final = code_table(
    "vedtak type",
    {"01": "old-age", "02": "invalidity", "03": "survivors"},
    written_as={"early-old-age": "01"},
)

_DECISION_RESULT: Final = code_table(
    "resultat",
    {"01": "granted", "02": "refused"},
    # A new calculation and a provisional payment or advance both grant the benefit.
    folded={"03": "granted", "04": "granted"},
)

_REFUSAL_REASON: Final = code_table(
    "avslagbegrunnelse",
    {
        "03": "insufficient-periods",
        "04": "invalidity-not-established",
        "06": "pension-age-not-reached",
        "99": "other",
    },
    # No periods at all, or less than a year, is a qualifying period not completed; an income
    # limit exceeded, missing information and lack of cooperation are other reasons with us.
    folded={
        "01": "insufficient-periods",
        "02": "insufficient-periods",
        "05": "other",
        "07": "other",
        "08": "other",
    },
    written_as={
        "not-entitled-as-survivor": "99",
        "claim-out-of-time": "99",
        "residence-condition-not-met": "99",
        "early-retirement-reduction": "99",
    },
)

#: Every code table of this module by name, for the tests and the docs.
CODE_TABLES: Final[Mapping[str, Codec]] = {
    "civil status": _CIVIL_STATUS,
    "partner relationship": _PARTNER_RELATIONSHIP,
    "child relationship": _CHILD_RELATIONSHIP,
    "relationship to the deceased": _RELATIONSHIP_TO_DECEASED,
    "frequency": _FREQUENCY,
    "decision frequency": _DECISION_FREQUENCY,
    "branch": _BRANCH,
    "benefit status": _BENEFIT_STATUS,
    "basis": _BASIS,
    "work kind": _WORK_KIND,
    "attachment": _ATTACHMENT,
    "decision recipient": _DECISION_RECIPIENT,
    "deceased pension kind": _DECEASED_PENSION_KIND,
    "death cause": _DEATH_CAUSE,
    "decision kind": _DECISION_KIND,
    "decision result": _DECISION_RESULT,
    "refusal reason": _REFUSAL_REASON,
}

# --- Values made of several SED members ------------------------------------------------------

_INSTITUTION_MEMBERS: Final = ("institusjonsid", "institusjonsnavn", "land")


def _institution_to_ours(members: Mapping[str, Any]) -> dict[str, str]:
    """An institution by id (its land must be the id's country), else by country, else name."""
    named = {"Name": str(members["institusjonsnavn"])} if "institusjonsnavn" in members else {}
    land = COUNTRY.to_ours(members["land"]) if "land" in members else None
    if "institusjonsid" in members:
        identifier = str(members["institusjonsid"])
        if land is not None and land != identifier[:2]:
            raise CodeError("an institution's land must be the country of its institusjonsid")
        return {"Id": identifier, **named}
    return {"Country": land, **named} if land else named


def _institution_to_sed(institution: Mapping[str, Any]) -> dict[str, str]:
    # The SEDs name an institution's country beside its id; ours is the id's first two letters.
    identifier = institution.get("Id")
    country = identifier[:2] if identifier else institution.get("Country")
    members = {"institusjonsid": identifier, "institusjonsnavn": institution.get("Name")}
    return {key: value for key, value in {**members, "land": country}.items() if value}


_INSTITUTION: Final = Codec(_institution_to_ours, _institution_to_sed)


def _death_date_to_ours(members: Mapping[str, Any]) -> str:
    dates = {str(value) for value in members.values()}
    if len(dates) > 1:
        raise CodeError("doedsdato and dodsDetalj.dato must be the same day")
    return dates.pop()


def _death_date_to_sed(date: object) -> dict[str, str]:
    # The SEDs write the date of death twice, on the person and in the details of the death.
    return {"doedsdato": str(date), "dodsDetalj.dato": str(date)}


_DEATH_DATE: Final = Codec(_death_date_to_ours, _death_date_to_sed)


def _recipient_to_ours(recipients: object) -> str:
    codes = recipients if isinstance(recipients, list) else [recipients]
    kinds = {_DECISION_RECIPIENT.to_ours(code) for code in codes}
    return "both" if len(kinds) > 1 else kinds.pop()


def _recipient_to_sed(recipient: object) -> list[str]:
    kinds = ["claimant", "representative"] if recipient == "both" else [recipient]
    return [_DECISION_RECIPIENT.to_sed(kind) for kind in kinds]


#: Who receives the decisions: the SEDs list the claimant, the representative or both.
_RECIPIENTS: Final = Codec(_recipient_to_ours, _recipient_to_sed)


def _net_amount_to_ours(members: Mapping[str, Any]) -> dict[str, str] | None:
    if "beloepNetto.beloep" not in members:
        return None
    net = {"$": str(members["beloepNetto.beloep"])}
    return {**net, "@currency": str(members["valuta"])} if "valuta" in members else net


def _net_amount_to_sed(net: Mapping[str, Any]) -> dict[str, str]:
    return {"beloepNetto.beloep": str(net["$"]), "valuta": str(net["@currency"])}


#: A decision's net amount: the SED gives one currency for the gross and the net amounts.
_NET_AMOUNT: Final = Codec(_net_amount_to_ours, _net_amount_to_sed)

_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_or_nothing(value: object) -> str | None:
    text = SCALAR.to_ours(value).strip()
    return text if _DAY.fullmatch(text) else None


def _days_or_nothing(value: object) -> int | None:
    text = SCALAR.to_ours(value).strip()
    return int(text) if text.isdigit() else None


#: One SED field read as either of two of ours, by its form; each codec takes only its own.
_AS_DATE: Final = Codec(_date_or_nothing, SCALAR.to_sed)
_AS_DAYS: Final = Codec(_days_or_nothing, SCALAR.to_sed)

# --- Tables ----------------------------------------------------------------------------------

_AMOUNT_RULES: Final[tuple[Rule, ...]] = (
    Leaf("beloep", "$"),
    Leaf("valuta", "@currency"),
)

_PARTNER: Final[tuple[Rule, ...]] = (
    *FAMILY_MEMBER,
    Leaf("type", "Relationship", _PARTNER_RELATIONSHIP),
)

_CHILD: Final[tuple[Rule, ...]] = (
    *FAMILY_MEMBER,
    Leaf("relasjontilbruker", "Relationship", _CHILD_RELATIONSHIP),
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
    return str(work.get("type", "")).startswith(_NOT_CURRENT_WORK)


_WORK: Final[tuple[Rule, ...]] = (
    Leaf("type", "Kind", _WORK_KIND),
    Leaf("yrke", "Occupation"),
    One("", "Period", (Leaf("planlagtstartdato", "Start"), Leaf("sluttdato", "End"))),
    Leaf("arbeidstimerperuke", "HoursPerWeek"),
    Each(
        "inntekt",
        "GrossIncome",
        (
            *_AMOUNT_RULES,
            Leaf("betalingshyppighetinntekt", "@frequency", _FREQUENCY),
            Leaf("beloeputbetaltsiden", "@since"),
        ),
    ),
)


def _without_branch(benefit: Mapping[str, Any]) -> bool:
    return benefit.get("ytelse") in _BENEFITS_WITHOUT_BRANCH


_OTHER_BENEFIT: Final[tuple[Rule, ...]] = (
    Leaf("ytelse", "Branch", _BRANCH),
    Leaf("annenytelse", "Description"),
    Leaf("status", "Status", _BENEFIT_STATUS),
    Whole("institusjon", _INSTITUTION_MEMBERS, "Institution", _INSTITUTION),
    Leaf("mottasbasertpaa", "Basis", _BASIS),
    One("", "Period", (Leaf("startdatoutbetaling", "Start"), Leaf("sluttdatoutbetaling", "End"))),
    Each(
        "beloep",
        "Amount",
        (
            *_AMOUNT_RULES,
            Leaf("betalingshyppighetytelse", "@frequency", _FREQUENCY),
            Leaf("gjeldendesiden", "@since"),
        ),
    ),
)

_DEFERRAL: Final[tuple[Rule, ...]] = (
    Whole("", _INSTITUTION_MEMBERS, "Institution", _INSTITUTION),
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
            (Leaf("status", "$", _CIVIL_STATUS), Leaf("fradato", "@since")),
        ),
        Each("nav.ektefelle", "Family.Partner", _PARTNER, True, WITHOUT_BIRTH_OR_SEX),
        Each("nav.barn", "Family.Child", _CHILD, skip=WITHOUT_BIRTH_OR_SEX),
        One("nav.verge", "Representative", _REPRESENTATIVE),
        Leaf("pensjon.vedtak.0.mottaker", "DecisionRecipient", _RECIPIENTS),
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
        Each("pensjon.vedlegg", "AttachmentByPost", (Leaf("", "Code", _ATTACHMENT),)),
        # After the attachments: the text goes with the one coded other.
        Leaf("pensjon.vedleggandre", "AttachmentByPost[Code=other].Text"),
        Leaf("pensjon.ytterligeinformasjon", "Remarks"),
    )


#: The deceased of a P2100 (``nav.bruker``) with the details of the death.
_DECEASED: Final[tuple[Rule, ...]] = (
    *PERSON,
    Whole("person", ("doedsdato", "dodsDetalj.dato"), "DeathDate", _DEATH_DATE),
    Leaf("person.dodsDetalj.sted", "DeathPlace.Town"),
    Each(
        "person.dodsDetalj.arsaker",
        "DeathCause",
        (Leaf("arsak", "Code", _DEATH_CAUSE), Leaf("annenArsak", "Text")),
    ),
)

#: The survivor's relation to the deceased, which the P2100 gives with the survivor.
_RELATION_TO_DECEASED: Final[tuple[Rule, ...]] = (
    Leaf("relasjon", "ClaimantRelationship", _RELATIONSHIP_TO_DECEASED),
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
            Leaf("mottattPensjonType", "BenefitKind", _DECEASED_PENSION_KIND),
            Whole("institusjon", _INSTITUTION_MEMBERS, "Institution", _INSTITUTION),
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
    Whole("", ("beloepNetto.beloep", "valuta"), "NetAmount", _NET_AMOUNT),
    Leaf("utbetalingshyppighet", "Frequency", _DECISION_FREQUENCY),
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
            Leaf("type", "BenefitKind", _DECISION_KIND),
            Leaf("resultat", "Result", _DECISION_RESULT),
            Leaf("virkningsdato", "EffectiveFrom"),
            Leaf("artikkel", "LegalBasis"),
            Each("beregning", "CalculationPeriod", _CALCULATION_PERIOD),
            Each(
                "avslagbegrunnelse",
                "Reason[Code!=overlapping-benefit]",
                (Leaf("begrunnelse", "Code", _REFUSAL_REASON), Leaf("annenbegrunnelse", "Text")),
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
                    Whole("", ("beloepNetto.beloep", "valuta"), "NetAmount", _NET_AMOUNT),
                    Leaf("utbetalingshyppighet", "Frequency", _DECISION_FREQUENCY),
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
            Leaf("revurderingtidsfrist", "DeadlineDate", _AS_DATE),
            Leaf("revurderingtidsfrist", "DeadlineDays", _AS_DAYS),
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
