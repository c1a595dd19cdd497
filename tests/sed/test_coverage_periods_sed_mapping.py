"""SED mappings of applicable legislation and of periods of insurance: what each SED type maps,
and what it loses, with the reason."""

from __future__ import annotations

import pytest

from gateway.sed import export_sed
from sed.coverage_periods_seds import (
    FIXTURES,
    document_form,
    imported,
    load,
    outside_person,
)

# --- What each SED type maps, and what it loses ----------------------------------------------

#: Why a value is lost, in a word: it has no place in our schema, it is a no that our
#: documents say by leaving a marker out, or it is in an item left out whole.
NO_PLACE = "has no place in our schema 2.0"
A_NO = "leaving the marker out"
NO_INSTITUTION = "without the id of the institution that paid it"

IMPORT_LOSSES: dict[str, dict[str, str]] = {
    "A001": {
        "/nav/eessisak/0/institusjonsid": NO_PLACE,
        "/nav/eessisak/0/institusjonsnavn": NO_PLACE,
        "/medlemskap/unntak/spesielleomstendigheter/type": NO_PLACE,
        "/medlemskap/anmodning/erendring": A_NO,
        "/medlemskap/rammeavtale/fjernarbeid/EESSIYesNoType": A_NO,
    },
    "A003": {
        "/nav/eessisak/0/institusjonsnavn": NO_PLACE,
        "/nav/eessisak/0/saksnummer": NO_PLACE,
        "/nav/eessisak/0/land": NO_PLACE,
        "/nav/arbeidsland/0/land": NO_PLACE,
        "/nav/arbeidsland/1/land": NO_PLACE,
        "/medlemskap/gjeldendereglerEC883/0": NO_PLACE,
        "/medlemskap/andreland/arbeidsgiveraktivitet/eraktivitetmarginal": A_NO,
        "/medlemskap/vedtak/gjeldervarighetyrkesaktivitet": A_NO,
    },
    "A008": {
        "/nav/eessisak/0/institusjonsid": NO_PLACE,
        "/nav/eessisak/0/institusjonsnavn": NO_PLACE,
        "/medlemskap/bruker/arbeidiflereland/bosted/land": NO_PLACE,
        "/medlemskap/endring/periode/startdato": NO_PLACE,
        "/medlemskap/endring/periode/sluttdato": NO_PLACE,
        "/medlemskap/endring/bruker/fornavn": NO_PLACE,
        "/medlemskap/endring/bruker/etternavn": NO_PLACE,
    },
    "A009": {
        "/nav/eessisak/0/institusjonsnavn": NO_PLACE,
        "/nav/eessisak/0/saksnummer": NO_PLACE,
        "/nav/eessisak/0/land": NO_PLACE,
        "/medlemskap/vedtak/gjeldervarighetyrkesaktivitet": A_NO,
    },
    "A010": {
        "/nav/eessisak/0/institusjonsnavn": NO_PLACE,
        "/nav/eessisak/0/saksnummer": NO_PLACE,
        "/nav/eessisak/0/land": NO_PLACE,
        "/medlemskap/vedtak/gjeldervarighetyrkesaktivitet": A_NO,
    },
    "P5000": {
        "/nav/eessisak/0/institusjonsid": NO_PLACE,
        "/nav/eessisak/0/institusjonsnavn": NO_PLACE,
        "/nav/eessisak/0/land": NO_PLACE,
        "/pensjon/medlemskapboarbeid/gyldigperiode": NO_PLACE,
        "/pensjon/medlemskapboarbeid/medlemskap/1/informasjonskalkulering": NO_PLACE,
        "/pensjon/medlemskapAnnen/0/land": NO_PLACE,
        "/pensjon/medlemskapAnnen/0/periode/fom": NO_PLACE,
        "/pensjon/medlemskapAnnen/0/periode/tom": NO_PLACE,
        "/pensjon/medlemskapAnnen/0/type": NO_PLACE,
    },
    "U002": {
        "/lokaleSakIder/0/institusjonsnavn": NO_PLACE,
        "/lokaleSakIder/0/institusjonsid": NO_PLACE,
        "/lokaleSakIder/0/land": NO_PLACE,
        "/dagpengeperioder/0/institusjon/navn": NO_PLACE,
        "/sisteAnsettelseInfo/typeGrunnOpphoerAnsatt": NO_PLACE,
        "/sisteAnsettelseInfo/opphoerRettighet": NO_PLACE,
        "/sisteAnsettelseInfo/opphoerYtelse": NO_PLACE,
        "/sisteAnsettelseInfo/utbetalinger/0/utbetalingType": NO_PLACE,
        "/sisteAnsettelseInfo/utbetalinger/0/feriedagerTilGode": NO_PLACE,
        "/sisteAnsettelseInfo/utbetalinger/0/valuta": NO_PLACE,
        "/sisteAnsettelseInfo/utbetalinger/0/beloep": NO_PLACE,
        "/dagpengeperioder/1/periode/startdato": NO_INSTITUTION,
        "/dagpengeperioder/1/periode/sluttdato": NO_INSTITUTION,
        "/dagpengeperioder/1/institusjon/navn": NO_INSTITUTION,
    },
    "U017": {
        "/lokaleSakIder/0/institusjonsnavn": NO_PLACE,
        "/lokaleSakIder/0/institusjonsid": NO_PLACE,
        "/lokaleSakIder/0/land": NO_PLACE,
    },
}


@pytest.mark.parametrize("name", FIXTURES)
def test_what_our_schema_cannot_hold_is_a_named_loss_with_its_reason(name: str) -> None:
    reasons = outside_person(imported(load(name)).losses)

    assert set(reasons) == set(IMPORT_LOSSES[name])
    for path, why in IMPORT_LOSSES[name].items():
        assert why in reasons[path], path


def test_an_a003_maps_employers_in_two_states_self_employment_and_a_ship() -> None:
    form = document_form(imported(load("A003")).document)

    assert (form["Purpose"], form["Kind"]) == ("multi-state-determination", "multi-state-activity")
    assert form["Employer"][0]["Identifier"] == [
        {"@kind": "registration", "$": "74219086"},
        {"@kind": "social-security", "$": "861204553L01"},
    ]
    assert form["HostEmployer"][0]["Address"]["Country"] == "BE"
    assert form["SelfEmployedActivity"][0]["Description"] == "Independent cargo lashing inspections"
    assert form["PlaceOfWork"][2] == {
        "Name": "MV Zeeleeuw (feeder vessel)",
        "Country": "NL",
        "NoFixedAddress": None,
    }
    assert (form["IssuingInstitution"], form["IssuedOn"]) == ("NL:SVB0001", "2026-11-20")
    assert form["Period"] == {"Start": "2026-10-01", "End": "2028-09-30"}
    assert (form["LegalBasisCode"], form["DecisionKind"]) == (["eu-13-1-a"], "initial")


def test_an_a009_maps_the_sending_and_the_host_employers_and_the_posting() -> None:
    form = document_form(imported(load("A009")).document)

    assert (form["Purpose"], form["Kind"]) == ("posting-notification", "posting")
    assert form["Employer"][0]["Identifier"][1] == {"@kind": "tax", "$": "6312094475"}
    assert form["HostEmployer"][0]["Name"] == "Elbe-Stahlbau GmbH"
    assert (form["HostCountry"], form["ApplicableLegislation"]) == (["DE"], "PL")
    assert form["Period"] == {"Start": "2027-02-01", "End": "2028-07-31"}
    assert form["LegalBasisCode"] == ["eu-12-1"]


def test_an_a010_takes_its_kind_from_its_article_and_amends_an_earlier_decision() -> None:
    form = document_form(imported(load("A010")).document)

    assert (form["Purpose"], form["Kind"], form["LegalBasisCode"]) == (
        "other-notification",
        "flag",
        ["eu-11-4"],
    )
    assert (form["DecisionKind"], form["PreviousDecisionDate"]) == ("amending", "2025-02-14")
    assert form["Worker"]["PlaceOfBirth"]["Country"] == "NO"


def test_an_a001_maps_the_exception_its_periods_and_legislations() -> None:
    form = document_form(imported(load("A001")).document)

    assert (form["Purpose"], form["Kind"]) == ("exception-request", "exception-agreement")
    assert (form["SendingCountry"], form["HostCountry"]) == ("SE", ["NO"])
    assert form["LocalCaseNumber"] == "FK-LV-2026-30991"
    assert form["EarlierPosting"] == [{"Period": {"Start": "2025-03-01", "End": "2027-02-28"}}]
    assert (form["CurrentLegislation"], form["RequestedLegislation"]) == (["SE"], ["SE"])
    assert form["PreviousRequestDate"] == ["2024-12-02"]
    exception = form["Exception"]
    assert (exception["InsuredSince"], exception["CertificateBasis"]) == ("2004-08-16", "eu-12-1")
    assert exception["SpecialCircumstances"].startswith("The substation's commissioning")
    assert form["LegalBasisCode"] == ["eu-16-1"]


def test_an_a008_maps_the_change_with_its_effective_date() -> None:
    form = document_form(imported(load("A008")).document)

    assert (form["Purpose"], form["Kind"]) == ("change-notification", "multi-state-activity")
    change = form["Change"]
    assert (change["EffectiveFrom"], change["LegalBasisCode"]) == ("2027-02-01", "eu-13-1-a")
    assert change["ActualPeriod"] == {"Start": "2026-09-07"}
    assert change["NewAddress"]["Town"] == "Utrecht"
    assert change["NewPlaceOfWork"] == [
        {
            "Name": "Infrabel workshop Gent-Zeehaven",
            "Address": {
                "Street": "Kennedylaan 160",
                "PostCode": "9042",
                "Town": "Gent",
                "Country": "BE",
            },
        }
    ]
    assert form["RequestedPeriod"] == {"Start": "2026-09-01"}


def test_a_p5000_maps_kinds_units_relevance_and_totals() -> None:
    form = document_form(imported(load("P5000")).document)
    periods = form["Periods"]["InsurancePeriod"]

    assert (form["Branch"], form["LocalCaseNumber"]) == (["old-age"], "CNP-2026-0044172")
    assert [period["Kind"] for period in periods] == [
        "military-service",
        "employment",
        "self-employment",
        "child-raising",
        "unemployment-with-benefit",
    ]
    assert periods[1]["Duration"] == [
        {"@unit": "years", "$": "6"},
        {"@unit": "months", "$": "4"},
    ]
    assert periods[3]["Duration"] == [{"@unit": "days", "@daysPerWeek": 7, "$": "730"}]
    assert periods[2]["CountsFor"] == ["old-age", "survivors"]
    assert periods[2]["Relevance"] == {
        "Entitlement": ["old-age", "survivors"],
        "Calculation": ["old-age"],
    }
    assert (periods[1]["Scheme"], periods[1]["Occupation"]) == ("employed", "7233")
    assert len(form["Periods"]["Total"]) == 5


def test_a_u002_maps_each_list_to_its_kind_and_the_uninsured_work_with_its_income() -> None:
    form = document_form(imported(load("U002")).document)
    periods = form["Periods"]["InsurancePeriod"]

    assert [period["Kind"] for period in periods] == [
        "employment",
        "employment",
        "sickness",
        "other",
        "unemployment-with-benefit",
    ]
    assert periods[3]["KindDescription"] == "Publicly funded retraining course"
    assert (periods[4]["Institution"], periods[4]["Country"]) == ("AT:AMS0001", "AT")
    assert all(period["CountsFor"] == ["unemployment"] for period in periods)
    activity = form["Periods"]["UninsuredActivity"][0]
    assert activity["Income"][1] == {
        "Period": {"Start": "2025-10-01", "End": "2025-10-31"},
        "GrossAmount": {"@currency": "EUR", "$": "402.15"},
        "Hours": "32.5",
    }
    assert activity["IncomeRemarks"].startswith("Weekend work")
    assert (form["Branch"], form["LocalCaseNumber"]) == (["unemployment"], "AMS-SBG-2026-40877")


def test_a_u017_confirms_the_right_to_benefit() -> None:
    form = document_form(imported(load("U017")).document)

    assert form["RightToBenefit"]["Confirmed"]["Period"] == {
        "Start": "2026-08-17",
        "End": "2027-01-01",
    }
    assert form["Periods"]["InsurancePeriod"][1]["Business"]["Identifier"] == [
        {"@kind": "tax", "$": "ATU77120455"}
    ]


def test_a_u017_refusal_is_a_reason_in_words_and_comes_back_the_same() -> None:
    sed = load("U017")
    sed["rettTilYtelse"] = {
        "avvisningsgrunn": "Fewer than fifty-two weeks of insured employment.",
        "periode": {"startdato": "2026-08-17"},
    }
    read = imported(sed)

    assert document_form(read.document)["RightToBenefit"] == {
        "Refused": {
            "Period": {"Start": "2026-08-17"},
            "Reason": [
                {"Code": "other", "Text": "Fewer than fifty-two weeks of insured employment."}
            ],
        }
    }
    assert export_sed(read.document).sed["rettTilYtelse"] == sed["rettTilYtelse"]


def test_an_open_decision_period_comes_back_open() -> None:
    sed = load("A003")
    sed["medlemskap"]["vedtak"]["gjelderperiode"] = {"aapenperiode": {"startdato": "2026-10-01"}}
    read = imported(sed)

    assert document_form(read.document)["Period"] == {"Start": "2026-10-01"}
    assert export_sed(read.document).sed["medlemskap"]["vedtak"]["gjelderperiode"] == {
        "aapenperiode": {"startdato": "2026-10-01"}
    }
