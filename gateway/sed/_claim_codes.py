"""The code lists of benefit claims and decisions (P2000, P2100, P2200, P6000), and the values
the SEDs make of several members (an institution, a date of death, a net amount).

The codes are those of the EESSI CDM 4.2 SEDs as national applications write them
(``docs/sed.md`` lists each table and what is lost); ``_claims`` maps the SEDs with them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from gateway.sed._codes import COUNTRY, code_table
from gateway.sed._rules import SCALAR, Codec, CodeError

__all__ = [
    "AS_DATE",
    "AS_DAYS",
    "ATTACHMENT",
    "BASIS",
    "BENEFITS_WITHOUT_BRANCH",
    "BENEFIT_STATUS",
    "BRANCH",
    "CHILD_RELATIONSHIP",
    "CIVIL_STATUS",
    "CODE_TABLES",
    "DEATH_CAUSE",
    "DEATH_DATE",
    "DECEASED_PENSION_KIND",
    "DECISION_FREQUENCY",
    "DECISION_KIND",
    "DECISION_RESULT",
    "FREQUENCY",
    "INSTITUTION",
    "INSTITUTION_MEMBERS",
    "NET_AMOUNT",
    "NOT_CURRENT_WORK",
    "PARTNER_RELATIONSHIP",
    "RECIPIENTS",
    "REFUSAL_REASON",
    "RELATIONSHIP_TO_DECEASED",
    "WORK_KIND",
]

# --- Code lists ------------------------------------------------------------------------------

CIVIL_STATUS: Final = code_table(
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

PARTNER_RELATIONSHIP: Final = code_table(
    "ektefelle type",
    {"ektefelle": "spouse", "registrert_partner": "civil-partner", "samboer": "cohabitant"},
)

CHILD_RELATIONSHIP: Final = code_table(
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
RELATIONSHIP_TO_DECEASED: Final = code_table(
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
FREQUENCY: Final = code_table(
    "betalingshyppighet",
    {"01": "yearly", "02": "quarterly", "03": "monthly", "06": "weekly"},
    # Monthly with 13 or 14 payments a year is monthly with us.
    folded={"04": "monthly", "05": "monthly"},
)

#: Payment frequencies as the P6000 writes them (beregning.utbetalingshyppighet).
DECISION_FREQUENCY: Final = code_table(
    "utbetalingshyppighet",
    {
        "aarlig": "yearly",
        "kvartalsvis": "quarterly",
        "maaned_12_per_aar": "monthly",
        "ukentlig": "weekly",
    },
    folded={"maaned_13_per_aar": "monthly", "maaned_14_per_aar": "monthly"},
)

BRANCH: Final = code_table(
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
BENEFITS_WITHOUT_BRANCH: Final = frozenset({"04", "13", "99"})

BENEFIT_STATUS: Final = code_table(
    "status",
    {"01": "claimed", "02": "received", "03": "refused"},
    # A provisional benefit is paid.
    folded={"04": "received"},
)

BASIS: Final = code_table("mottasbasertpaa", {"botid": "residence", "i_arbeid": "work"})

WORK_KIND: Final = code_table(
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
NOT_CURRENT_WORK: Final = (
    "forsikrede_har_ikke_lenger",
    "forsikrede_driver_ikke_lenger",
    "forsikrede_skal_starte",
)

ATTACHMENT: Final = code_table(
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
DECEASED_PENSION_KIND: Final = code_table(
    "mottattPensjonType",
    {"01": "old-age", "02": "survivors", "03": "invalidity"},
    written_as={"early-old-age": "01"},
)

DEATH_CAUSE: Final = code_table(
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
DECISION_KIND: Final = code_table(
    "vedtak type",
    {"01": "old-age", "02": "invalidity", "03": "survivors"},
    written_as={"early-old-age": "01"},
)

DECISION_RESULT: Final = code_table(
    "resultat",
    {"01": "granted", "02": "refused"},
    # A new calculation and a provisional payment or advance both grant the benefit.
    folded={"03": "granted", "04": "granted"},
)

REFUSAL_REASON: Final = code_table(
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
        # P6000 has no code for a refusal on nationality, which equality of treatment forbids.
        "nationality": "99",
    },
)

#: Every code table of this module by name, for the tests and the docs.
CODE_TABLES: Final[Mapping[str, Codec]] = {
    "civil status": CIVIL_STATUS,
    "partner relationship": PARTNER_RELATIONSHIP,
    "child relationship": CHILD_RELATIONSHIP,
    "relationship to the deceased": RELATIONSHIP_TO_DECEASED,
    "frequency": FREQUENCY,
    "decision frequency": DECISION_FREQUENCY,
    "branch": BRANCH,
    "benefit status": BENEFIT_STATUS,
    "basis": BASIS,
    "work kind": WORK_KIND,
    "attachment": ATTACHMENT,
    "decision recipient": _DECISION_RECIPIENT,
    "deceased pension kind": DECEASED_PENSION_KIND,
    "death cause": DEATH_CAUSE,
    "decision kind": DECISION_KIND,
    "decision result": DECISION_RESULT,
    "refusal reason": REFUSAL_REASON,
}

# --- Values made of several SED members ------------------------------------------------------

INSTITUTION_MEMBERS: Final = ("institusjonsid", "institusjonsnavn", "land")


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


INSTITUTION: Final = Codec(_institution_to_ours, _institution_to_sed)


def _death_date_to_ours(members: Mapping[str, Any]) -> str:
    dates = {str(value) for value in members.values()}
    if len(dates) > 1:
        raise CodeError("doedsdato and dodsDetalj.dato must be the same day")
    return dates.pop()


def _death_date_to_sed(date: object) -> dict[str, str]:
    # The SEDs write the date of death twice, on the person and in the details of the death.
    return {"doedsdato": str(date), "dodsDetalj.dato": str(date)}


DEATH_DATE: Final = Codec(_death_date_to_ours, _death_date_to_sed)


def _recipient_to_ours(recipients: object) -> str:
    codes = recipients if isinstance(recipients, list) else [recipients]
    kinds = {_DECISION_RECIPIENT.to_ours(code) for code in codes}
    return "both" if len(kinds) > 1 else kinds.pop()


def _recipient_to_sed(recipient: object) -> list[str]:
    kinds = ["claimant", "representative"] if recipient == "both" else [recipient]
    return [_DECISION_RECIPIENT.to_sed(kind) for kind in kinds]


#: Who receives the decisions: the SEDs list the claimant, the representative or both.
RECIPIENTS: Final = Codec(_recipient_to_ours, _recipient_to_sed)


def _net_amount_to_ours(members: Mapping[str, Any]) -> dict[str, str] | None:
    if "beloepNetto.beloep" not in members:
        return None
    net = {"$": str(members["beloepNetto.beloep"])}
    return {**net, "@currency": str(members["valuta"])} if "valuta" in members else net


def _net_amount_to_sed(net: Mapping[str, Any]) -> dict[str, str]:
    return {"beloepNetto.beloep": str(net["$"]), "valuta": str(net["@currency"])}


#: A decision's net amount: the SED gives one currency for the gross and the net amounts.
NET_AMOUNT: Final = Codec(_net_amount_to_ours, _net_amount_to_sed)

_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date_or_nothing(value: object) -> str | None:
    text = SCALAR.to_ours(value).strip()
    return text if _DAY.fullmatch(text) else None


def _days_or_nothing(value: object) -> int | None:
    text = SCALAR.to_ours(value).strip()
    return int(text) if text.isdigit() else None


#: One SED field read as either of two of ours, by its form; each codec takes only its own.
AS_DATE: Final = Codec(_date_or_nothing, SCALAR.to_sed)
AS_DAYS: Final = Codec(_days_or_nothing, SCALAR.to_sed)
