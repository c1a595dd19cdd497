"""Periods of insurance: P5000 (pensions), U002 (unemployment) and U017 (with the right to
unemployment benefit), each our ``InsurancePeriodsReply``.

P5000 writes its periods and totals in ``pensjon``; U002 and U017 write their lists beside
``nav`` with the names the unemployment SEDs use (``docs/sed.md``). The institution that
holds a period and, for the unemployment SEDs, its country are the sender's: the exchange
knows them, the SED's body does not. None of these SEDs has a yes-or-no field for a marker
of ours (a period's ``EndUnknown``), so they map no markers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, cast

from gateway.documents import DocumentType
from gateway.sed._codes import COUNTRY, code_table
from gateway.sed._person import ADDRESS, PERSON
from gateway.sed._rules import (
    SCALAR,
    Codec,
    CodeError,
    Each,
    Fixed,
    FromExchange,
    Leaf,
    NoSedCode,
    One,
    Rule,
    Skip,
    When,
)
from gateway.sed._sed import SedType

__all__ = ["BRANCHES", "CLAIM_BRANCHES", "CODE_TABLES", "DURATION", "PERIOD_TYPES"]

#: The period types of P5000 (10 to 52) and our period kinds.
_PERIOD_KIND: Final = code_table(
    "period type",
    {
        "10": "compulsory",
        "11": "employment",
        "12": "self-employment",
        "13": "compulsory-unemployed",
        "20": "voluntary",
        "21": "voluntary-employed",
        "22": "voluntary-self-employed",
        "23": "voluntary-unemployed",
        "30": "residence",
        "40": "credited",
        "41": "sickness",
        "42": "unemployment-without-benefit",
        "43": "military-service",
        "44": "education",
        "45": "child-raising",
        "46": "pension-receipt",
        "47": "maternity",
        "48": "early-retirement",
        "49": "unemployment-with-benefit",
        "50": "invalidity-benefit",
        "51": "care-for-dependants",
        "52": "fictitious",
    },
    # Our other credited periods are the SED's credited periods of no stated kind.
    written_as={"other-credited": "40"},
)

#: The schemes of P5000 (``ordning``).
_SCHEME: Final = code_table(
    "scheme",
    {
        "00": "general",
        "01": "employed",
        "02": "self-employed",
        "03": "civil-servants",
        "04": "miners",
        "05": "residence",
        "06": "farmers",
        "07": "seafarers",
        "99": "other",
    },
)

# The three pension branches, in the order of the positions of P5000's three-digit flags.
_PENSION_BRANCHES: Final = ("old-age", "survivors", "invalidity")


def _branches_to_ours(value: object) -> list[str]:
    flags = SCALAR.to_ours(value)
    if len(flags) != len(_PENSION_BRANCHES) or set(flags) - {"0", "1"}:
        raise CodeError("a relevance must be three digits 0 or 1 (old-age, survivors, invalidity)")
    return [branch for branch, flag in zip(_PENSION_BRANCHES, flags, strict=True) if flag == "1"]


def _branches_to_sed(value: object) -> str:
    branches = value if isinstance(value, list) else [value]
    others = set(branches) - set(_PENSION_BRANCHES)
    if others:
        raise NoSedCode(f"P5000 has no flag for the branch {', '.join(sorted(others))}")
    return "".join("1" if branch in branches else "0" for branch in _PENSION_BRANCHES)


#: P5000's ``relevans`` and ``beregning``: three flags (old-age, survivors, invalidity), ours a
#: list of branches in that order.
BRANCHES: Final = Codec(to_ours=_branches_to_ours, to_sed=_branches_to_sed)

_CLAIM: Final = code_table("claim type", {"10": "old-age", "20": "survivors", "30": "invalidity"})


def _claims_to_ours(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [_CLAIM.to_ours(item) for item in items]


def _claims_to_sed(value: object) -> str | list[str]:
    # A P5000 answers one claim; a reply for several branches writes them all as a list.
    branches = value if isinstance(value, list) else [value]
    codes = [_CLAIM.to_sed(branch) for branch in branches]
    return codes[0] if len(codes) == 1 else codes


#: P5000's claim type (``enkeltkrav.krav``), ours the branches the reply is for.
CLAIM_BRANCHES: Final = Codec(to_ours=_claims_to_ours, to_sed=_claims_to_sed)

# --- Durations -------------------------------------------------------------------------------

_UNITS: Final = {"aar": "years", "maaneder": "months", "uker": "weeks", "kvartal": "quarters"}
_SED_UNITS: Final = {ours: sed for sed, ours in _UNITS.items()}
_DAYS_PER_WEEK: Final = frozenset({"5", "6", "7"})


def _quantity(value: object) -> str | None:
    """A quantity as our documents write it, or None for a zero, which the SEDs use for none."""
    text = SCALAR.to_ours(value).strip()
    try:
        number = float(text)
    except ValueError:
        raise CodeError("a summed duration must be a number") from None
    return None if number == 0 else text


def _days(value: object) -> dict[str, Any] | None:
    if not isinstance(value, Mapping) or set(value) - {"nr", "type"}:
        raise CodeError("days (dager) must be an object of nr and type")
    if value.get("nr") in (None, ""):
        return None
    quantity = _quantity(value["nr"])
    if quantity is None:
        return None
    duration: dict[str, Any] = {"@unit": "days", "$": quantity}
    kind = value.get("type")
    if kind not in (None, ""):
        if SCALAR.to_ours(kind) not in _DAYS_PER_WEEK:
            raise CodeError("the days type (dager.type) must be 5, 6 or 7")
        duration["@daysPerWeek"] = SCALAR.to_ours(kind)
    return duration


def _duration_to_ours(value: object) -> list[dict[str, Any]]:
    # The whole sum is read by this one codec, so any member it does not know is an error
    # rather than a silent loss.
    if not isinstance(value, Mapping) or set(value) - {*_UNITS, "dager"}:
        raise CodeError(f"a sum has only the members {', '.join([*_UNITS, 'dager'])}")
    durations: list[dict[str, Any]] = []
    for sed_unit, unit in _UNITS.items():
        if value.get(sed_unit) not in (None, ""):
            quantity = _quantity(value[sed_unit])
            if quantity is not None:
                durations.append({"@unit": unit, "$": quantity})
    if value.get("dager") is not None:
        days = _days(value["dager"])
        if days is not None:
            durations.append(days)
    return durations


def _duration_to_sed(value: object) -> dict[str, Any]:
    items = value if isinstance(value, list) else [value]
    summed: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, Mapping):
            raise CodeError("a duration must have a unit")
        unit, quantity = item.get("@unit"), SCALAR.to_sed(item.get("$"))
        if unit == "days":
            days: dict[str, str] = {"nr": quantity}
            if item.get("@daysPerWeek") is not None:
                days["type"] = SCALAR.to_sed(item["@daysPerWeek"])
            summed["dager"] = days
        elif unit in _SED_UNITS:
            summed[_SED_UNITS[unit]] = quantity
        else:
            raise CodeError(f"P5000 has no unit {unit}")
    return summed


#: P5000's ``sum`` (years, months, weeks, quarters, days with their week) and our durations.
DURATION: Final = Codec(to_ours=_duration_to_ours, to_sed=_duration_to_sed)


def _one(value: str) -> str:
    # Fixed writes and compares one value, but a repeatable element is always an array in our
    # JSON form: the array of one is what a document holds, so it is what Fixed must hold.
    return cast("str", [value])


# --- P5000 -----------------------------------------------------------------------------------

#: The SED names the institution holding the periods only once, as the sender of the exchange.
_HELD_BY_SENDER: Final = FromExchange("Institution", "sender")
#: Where a SED gives no country for a period, it is that of the sender, whose records they are.
_IN_SENDERS_COUNTRY: Final = FromExchange("Country", "sender_country")

_P5000_PERIOD: Final[tuple[Rule, ...]] = (
    Leaf("land", "Country", COUNTRY),
    _HELD_BY_SENDER,
    Leaf("periode.fom", "Start"),
    Leaf("periode.tom", "End"),
    Leaf("type", "Kind", _PERIOD_KIND),
    Leaf("ordning", "Scheme", _SCHEME),
    Leaf("yrke", "Occupation"),
    Leaf("sum", "Duration", DURATION),
    # The branches a period is relevant for are those it counts for and those it counts
    # towards entitlement for; written back, the relevance (last) decides.
    Leaf("relevans", "CountsFor", BRANCHES),
    Leaf("relevans", "Relevance.Entitlement", BRANCHES),
    Leaf("beregning", "Relevance.Calculation", BRANCHES),
)

_P5000_TOTAL: Final[tuple[Rule, ...]] = (
    Leaf("type", "Kind", _PERIOD_KIND),
    Leaf("ordning", "Scheme", _SCHEME),
    Leaf("sum", "Duration", DURATION),
    Leaf("relevans", "Relevance.Entitlement", BRANCHES),
    Leaf("beregning", "Relevance.Calculation", BRANCHES),
)

_P5000: Final[tuple[Rule, ...]] = (
    One("nav.bruker", "Person", PERSON),
    Leaf("nav.eessisak.0.saksnummer", "LocalCaseNumber"),
    Leaf("pensjon.medlemskapboarbeid.enkeltkrav.krav", "Branch", CLAIM_BRANCHES),
    Each("pensjon.medlemskapboarbeid.medlemskap", "Periods.InsurancePeriod", _P5000_PERIOD),
    Each("pensjon.trygdetid", "Periods.Total", _P5000_TOTAL),
)

# --- U002 and U017 ---------------------------------------------------------------------------

#: What a register identifier of an employer is for, as the unemployment SEDs write it.
_ORGANISATION_IDENTIFIER_KIND: Final = code_table(
    "identifier type",
    {
        "organisasjonsnummer": "registration",
        "trygd": "social-security",
        "skattemessig": "tax",
        "ukjent": "other",
    },
)

_ORGANISATION: Final[tuple[Rule, ...]] = (
    Leaf("navn", "Name"),
    Each(
        "identifikatorer",
        "Identifier",
        (Leaf("id", "$"), Leaf("type", "@kind", _ORGANISATION_IDENTIFIER_KIND)),
    ),
    One("adresse", "Address", ADDRESS),
)

_DATES: Final[tuple[Rule, ...]] = (Leaf("startdato", "Start"), Leaf("sluttdato", "End"))


def _insured(sed: str, kind: str, *rules: Rule) -> Each:
    """A U-SED list of periods of one kind: our insurance periods of that kind, which count
    for unemployment benefit."""
    return Each(
        sed,
        f"Periods.InsurancePeriod[Kind={kind}]",
        (
            Fixed("Kind", kind),
            Fixed("CountsFor", _one("unemployment")),
            _IN_SENDERS_COUNTRY,
            _HELD_BY_SENDER,
            *rules,
        ),
    )


def _institution_country(value: object) -> str:
    country: str = COUNTRY.to_ours(SCALAR.to_ours(value).partition(":")[0])
    return country


def _no_field(value: object) -> None:
    # The country is the institution's, whose id the rule after this one writes; our rules
    # refuse a period whose country is not its institution's.
    return None


#: The country of a benefit period: that of the institution that paid the benefit.
_INSTITUTION_COUNTRY: Final = Codec(to_ours=_institution_country, to_sed=_no_field)


def _without_institution_id(item: Mapping[str, Any]) -> bool:
    institution = item.get("institusjon")
    return not isinstance(institution, Mapping) or not institution.get("id")


_INSURANCE_PERIODS: Final[tuple[Rule, ...]] = (
    _insured(
        "perioderAnsattMedForsikring",
        "employment",
        *_DATES,
        One("arbeidsgiver", "Employer", _ORGANISATION),
    ),
    _insured(
        "perioderSelvstendigMedForsikring",
        "self-employment",
        *_DATES,
        One("arbeidsgiver", "Business", _ORGANISATION),
    ),
    _insured("perioderSyk", "sickness", *_DATES),
    _insured("perioderSvangerskapBarn", "maternity", *_DATES),
    _insured("perioderUtdanning", "education", *_DATES),
    _insured("perioderMilitaertjeneste", "military-service", *_DATES),
    _insured("perioderFrihetsberoevet", "deprivation-of-liberty", *_DATES),
    _insured("perioderFrivilligForsikring", "voluntary", *_DATES),
    _insured("perioderKompensertFerie", "compensated-holiday", *_DATES),
    _insured(
        "perioderAnnenForsikring",
        "other",
        *_DATES,
        Leaf("annenTypeForsikringsperiode", "KindDescription"),
    ),
    Each(
        "dagpengeperioder",
        "Periods.InsurancePeriod[Kind=unemployment-with-benefit]",
        (
            Fixed("Kind", "unemployment-with-benefit"),
            Fixed("CountsFor", _one("unemployment")),
            Leaf("periode.startdato", "Start"),
            Leaf("periode.sluttdato", "End"),
            # The country first: it writes nothing back, the institution's id says it.
            Leaf("institusjon.id", "Country", _INSTITUTION_COUNTRY),
            Leaf("institusjon.id", "Institution"),
        ),
        skip=Skip(
            _without_institution_id,
            "a benefit period without the id of the institution that paid it has no place in"
            " our schema 2.0 (a period needs its institution)",
        ),
    ),
)

_INCOME: Final[tuple[Rule, ...]] = (
    Leaf("inntektsperiode.startdato", "Period.Start"),
    Leaf("inntektsperiode.sluttdato", "Period.End"),
    Leaf("bruttoinntekt", "GrossAmount.$"),
    Leaf("valuta", "GrossAmount.@currency"),
    Leaf("arbeidstimer", "Hours"),
)


def _uninsured(sed: str, kind: str, organisation: str) -> Each:
    """A U-SED list of activities that gave no insurance, with their income and hours."""
    return Each(
        sed,
        f"Periods.UninsuredActivity[Kind={kind}]",
        (
            Fixed("Kind", kind),
            _IN_SENDERS_COUNTRY,
            *_DATES,
            One("arbeidsgiver", organisation, _ORGANISATION),
            Each("inntektOgTimer", "Income", _INCOME),
            Leaf("inntektOgTimerInfo", "IncomeRemarks"),
        ),
    )


_U002: Final[tuple[Rule, ...]] = (
    One("nav.bruker", "Person", PERSON),
    Fixed("Branch", _one("unemployment")),
    Leaf("lokaleSakIder.0.saksnummer", "LocalCaseNumber"),
    Leaf("anmodningsperiode.startdato", "RequestedPeriod.Start"),
    Leaf("anmodningsperiode.sluttdato", "RequestedPeriod.End"),
    *_INSURANCE_PERIODS,
    _uninsured("perioderAnsattUtenForsikring", "employment", "Employer"),
    _uninsured("perioderSelvstendigUtenForsikring", "self-employment", "Business"),
)

#: The right to benefit: refused when the SED gives a reason for refusing it (in words, so the
#: code of ours is ``other``), confirmed otherwise; the period goes with either.
_RIGHT_TO_BENEFIT: Final = When(
    "rettTilYtelse.avvisningsgrunn",
    (),
    "RightToBenefit.Refused",
    (),
    rules=(
        Fixed("RightToBenefit.Refused.Reason.0.Code", "other"),
        Leaf("rettTilYtelse.avvisningsgrunn", "RightToBenefit.Refused.Reason.0.Text"),
        Leaf("rettTilYtelse.periode.startdato", "RightToBenefit.Refused.Period.Start"),
        Leaf("rettTilYtelse.periode.sluttdato", "RightToBenefit.Refused.Period.End"),
    ),
    otherwise=(
        Leaf("rettTilYtelse.bekreftelsesgrunn", "RightToBenefit.Confirmed.Reason"),
        Leaf("rettTilYtelse.periode.startdato", "RightToBenefit.Confirmed.Period.Start"),
        Leaf("rettTilYtelse.periode.sluttdato", "RightToBenefit.Confirmed.Period.End"),
    ),
)


def _branch_fits(
    branches: frozenset[str], right_to_benefit: bool
) -> Callable[[Mapping[str, Any]], bool]:
    def fits(document: Mapping[str, Any]) -> bool:
        named = document.get("Branch") or []
        named = set(named if isinstance(named, list) else [named])
        has_right = document.get("RightToBenefit") is not None
        return bool(named) and named <= branches and has_right == right_to_benefit

    return fits


#: Every code table of P5000, U002 and U017, by what it translates, to check both ways.
CODE_TABLES: Final[Mapping[str, Codec]] = {
    "period type": _PERIOD_KIND,
    "scheme": _SCHEME,
    "claim type": _CLAIM,
    "identifier type": _ORGANISATION_IDENTIFIER_KIND,
}


#: The periods SED types, the most particular first: a reply with a right to benefit is a U017.
PERIOD_TYPES: Final = (
    SedType(
        "U017",
        "Periods of insurance and the right to unemployment benefit",
        DocumentType.INSURANCE_PERIODS_REPLY,
        (*_U002, _RIGHT_TO_BENEFIT),
        _branch_fits(frozenset({"unemployment"}), right_to_benefit=True),
    ),
    SedType(
        "U002",
        "Periods of insurance for unemployment benefit",
        DocumentType.INSURANCE_PERIODS_REPLY,
        _U002,
        _branch_fits(frozenset({"unemployment"}), right_to_benefit=False),
    ),
    SedType(
        "P5000",
        "Periods of insurance for a pension",
        DocumentType.INSURANCE_PERIODS_REPLY,
        _P5000,
        _branch_fits(frozenset(_PENSION_BRANCHES), right_to_benefit=False),
    ),
)
