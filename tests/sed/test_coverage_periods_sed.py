"""SED mappings of applicable legislation (A001, A003, A008, A009, A010) and of periods of
insurance (P5000, U002, U017), both ways.

Each fixture in ``schemas/examples/sed`` is a SED as a national application writes it, with
invented people and companies. Imported with the transmission that carries it, it is a valid
2.0 document; exported again with the same transmission, it is the same SED field by field
except exactly the values the import named as losses, and the export names none. The 2.0
examples go the other way round: exported with their losses named, and imported back to the
same document less those losses.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from gateway.documents import (
    SCHEMA_DIR,
    ValidatedDocument,
    document_from_json,
    document_to_json,
    validate_document,
)
from gateway.errors import ValidationFailed
from gateway.sed import SED_TYPES, Loss, SedImport, Transmission, export_sed, import_sed
from gateway.sed._coverage import A008_KIND, A010_KIND, ARTICLES
from gateway.sed._coverage import CODE_TABLES as COVERAGE_TABLES
from gateway.sed._engine import Codec, CodeError, NoSedCode
from gateway.sed._periods import BRANCHES, CLAIM_BRANCHES, DURATION
from gateway.sed._periods import CODE_TABLES as PERIOD_TABLES
from support import flatten_json, sed_normalised, without_losses

TODAY = dt.date(2026, 11, 25)
#: The day the fixtures are sent on: a certificate's issue day.
SENT_ON = dt.date(2026, 11, 20)
SED_EXAMPLES = SCHEMA_DIR / "examples" / "sed"
V2_EXAMPLES = SCHEMA_DIR / "examples" / "v2"
COVERAGE = ("A001", "A003", "A008", "A009", "A010")
PERIODS = ("P5000", "U002", "U017")
FIXTURES = (*COVERAGE, *PERIODS)
#: The SED types that leave a value of ours to the exchange (IssuedOn, a period's holder).
NEED_THE_EXCHANGE = ("A003", "A009", "A010", "P5000", "U002", "U017")
SCHEMA_TEXT = "".join(
    (SCHEMA_DIR / "v2" / name).read_text() for name in ("coverage.xsd", "periods.xsd", "common.xsd")
)


# --- Reading, writing, comparing -------------------------------------------------------------


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SED_EXAMPLES / f"{name}.json").read_text())
    return data


def sent_by_its_case(sed: Mapping[str, Any], sent_on: dt.date = SENT_ON) -> Transmission:
    """The transmission of a fixture: sent by the institution whose case it is (the A-SEDs' and
    P5000's ``nav.eessisak``, the U-SEDs' ``lokaleSakIder``), which holds its periods."""
    cases = sed.get("nav", {}).get("eessisak") or sed["lokaleSakIder"]
    return Transmission(str(cases[0]["institusjonsid"]), sent_on)


def imported(data: Mapping[str, Any]) -> SedImport:
    return import_sed(data, today=TODAY, transmission=sent_by_its_case(data))


def document_form(document: ValidatedDocument) -> dict[str, Any]:
    form: dict[str, Any] = document_to_json(document.document_type, document.root)["document"]
    return form


def normalised(flat: dict[str, object]) -> dict[str, object]:
    """``sed_normalised``, and the same for the A-SEDs' other country field: the flag state or
    home base of a place of work (``hjemmebase``)."""
    return {
        path: sed_normalised({"/land": value})["/land"] if path.endswith("/hjemmebase") else value
        for path, value in sed_normalised(flat).items()
    }


#: Our elements that hold names: the SED writes all of them in one field, so several names of
#: ours come back as one.
NAME_ELEMENTS = frozenset(
    {
        "FamilyName",
        "Forename",
        "BirthName",
        "BirthForename",
        "PreviousFamilyName",
        "PreviousForename",
    }
)
#: How a marker (an empty element, null in our JSON form) is shown where forms are compared:
#: ``flatten_json`` leaves nulls out.
MARKER = "(marker)"


def compared(value: object) -> object:
    """Our JSON form as it is compared: every list of names written as the SED writes it, one
    name, and every marker shown."""
    if isinstance(value, Mapping):
        return {key: _compared_member(key, child) for key, child in value.items()}
    if isinstance(value, list):
        return [compared(child) for child in value]
    return value


def _compared_member(key: str, child: object) -> object:
    if child is None:
        return MARKER
    if key in NAME_ELEMENTS and isinstance(child, list):
        return [" ".join(child)]
    return compared(child)


def markers(value: object, path: str = "") -> Iterator[str]:
    """The JSON pointers of the markers in our JSON form."""
    if isinstance(value, Mapping):
        for key, child in value.items():
            if child is None:
                yield f"{path}/{key}"
            else:
                yield from markers(child, f"{path}/{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from markers(child, f"{path}/{index}")


def with_form(document: ValidatedDocument, form: Mapping[str, Any]) -> ValidatedDocument:
    """A document of ``document``'s type made of our JSON form ``form``, validated."""
    data = {
        "documentType": document.document_type.root_name,
        "schemaVersion": document.schema_version,
        "document": form,
    }
    return validate_document(document_from_json(data), today=TODAY)


def outside_person(losses: tuple[Loss, ...]) -> dict[str, str]:
    """The losses that are not the person's (whose mapping the person's own tests cover)."""
    return {loss.path: loss.reason for loss in losses if not loss.path.startswith("/nav/bruker")}


# --- Fixtures in, the same SED out -----------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_a_fixture_imports_as_a_valid_2_0_document_of_its_sed_type(name: str) -> None:
    read = imported(load(name))

    assert read.sed_type.name == name
    assert read.document.schema_version == "2.0"
    assert read.document.document_type is SED_TYPES[name].document_type
    assert validate_document(read.document.to_bytes(), today=TODAY).schema_version == "2.0"


@pytest.mark.parametrize("name", FIXTURES)
def test_a_fixture_comes_back_field_by_field_except_exactly_its_import_losses(
    name: str,
) -> None:
    sed = load(name)
    read = imported(sed)
    written = export_sed(read.document, transmission=sent_by_its_case(sed))

    assert written.sed_type.name == name
    assert written.losses == ()
    before = normalised(flatten_json(sed))
    after = normalised(flatten_json(written.sed))
    changed = {path for path in before if before[path] != after.get(path)}
    assert changed == {loss.path for loss in read.losses}
    assert set(after) <= set(before)


@pytest.mark.parametrize("name", FIXTURES)
def test_export_picks_the_sed_type_of_the_document_by_itself(name: str) -> None:
    document = imported(load(name)).document

    assert export_sed(document).sed_type.name == name
    assert SED_TYPES[name].fits(document_form(document))
    others = [
        other
        for other in SED_TYPES.values()
        if other.document_type is document.document_type and other.name != name
    ]
    assert not any(other.fits(document_form(document)) for other in others)


# --- What the exchange gives ------------------------------------------------------------------


@pytest.mark.parametrize("name", NEED_THE_EXCHANGE)
def test_a_sed_that_needs_the_exchange_is_refused_without_a_transmission(name: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        import_sed(load(name), today=TODAY)

    assert {issue.code for issue in raised.value.issues} == {"sed.exchange"}


@pytest.mark.parametrize("name", ["A001", "A008"])
def test_a_request_needs_nothing_of_the_exchange(name: str) -> None:
    assert import_sed(load(name), today=TODAY).document.schema_version == "2.0"


def test_a_certificate_is_issued_on_the_day_it_is_sent() -> None:
    sed = load("A009")
    read = import_sed(sed, today=TODAY, transmission=sent_by_its_case(sed, dt.date(2026, 11, 2)))

    assert document_form(read.document)["IssuedOn"] == "2026-11-02"


@pytest.mark.parametrize("name", PERIODS)
def test_the_periods_are_held_by_the_sender(name: str) -> None:
    form = document_form(imported(load(name)).document)
    periods = form["Periods"]["InsurancePeriod"]

    held = [period for period in periods if period["Kind"] != "unemployment-with-benefit"]
    assert held
    assert {period["Institution"] for period in held} == {sent_by_its_case(load(name)).sender}
    if name != "P5000":
        countries = {period["Country"] for period in held}
        countries |= {a["Country"] for a in form["Periods"].get("UninsuredActivity", [])}
        assert countries == {"AT"}


def exchange_paths(name: str, form: Mapping[str, Any]) -> set[str]:
    """Where a document of SED type ``name`` holds what the exchange gave its import."""
    if "IssuedOn" in form:
        return {"/document/IssuedOn"}
    paths: set[str] = set()
    periods = form.get("Periods", {})
    for index, period in enumerate(periods.get("InsurancePeriod", [])):
        at = f"/document/Periods/InsurancePeriod/{index}"
        if name == "P5000":
            paths.add(f"{at}/Institution")
        elif period["Kind"] != "unemployment-with-benefit":
            paths |= {f"{at}/Country", f"{at}/Institution"}
    for index in range(len(periods.get("UninsuredActivity", []))):
        paths.add(f"/document/Periods/UninsuredActivity/{index}/Country")
    return paths


#: Transmissions other than the one a fixture came with, by what differs.
OTHER_TRANSMISSIONS: dict[str, Callable[[Mapping[str, Any]], Transmission | None]] = {
    "another day": lambda sed: sent_by_its_case(sed, dt.date(2026, 11, 21)),
    "another sender": lambda sed: Transmission("DE:DRV70001", SENT_ON),
    "none": lambda sed: None,
}


@pytest.mark.parametrize("name", NEED_THE_EXCHANGE)
@pytest.mark.parametrize("other", OTHER_TRANSMISSIONS)
def test_what_the_exchange_would_say_otherwise_is_a_named_loss(name: str, other: str) -> None:
    sed = load(name)
    document = imported(sed).document
    form = document_form(document)

    written = export_sed(document, transmission=OTHER_TRANSMISSIONS[other](sed))

    expected = exchange_paths(name, form)
    if other == "another day":
        expected = {path for path in expected if path.endswith("/IssuedOn")}
    elif other == "another sender":
        expected = {path for path in expected if not path.endswith("/IssuedOn")}
    assert {loss.path for loss in written.losses} == expected
    assert all("to the exchange" in loss.reason for loss in written.losses)


# --- Yes or no: the markers -----------------------------------------------------------------


def test_a_provisional_determination_comes_back_provisional() -> None:
    sed = load("A003")
    assert sed["medlemskap"]["isDeterminationProvisional"] == "ja"
    read = imported(sed)

    assert list(markers(document_form(read.document))).count("/Provisional") == 1
    written = export_sed(read.document, transmission=sent_by_its_case(sed))
    assert written.sed["medlemskap"]["isDeterminationProvisional"] == "ja"


#: Each SED yes-or-no field that is a marker of ours: the fixture, the field, the marker.
MARKERS = [
    ("A003", ("medlemskap", "isDeterminationProvisional"), "/Provisional"),
    ("A003", ("medlemskap", "vedtak", "gjeldervarighetyrkesaktivitet"), "/ForDurationOfActivity"),
    ("A010", ("medlemskap", "vedtak", "gjeldervarighetyrkesaktivitet"), "/ForDurationOfActivity"),
    ("A010", ("nav", "arbeidssted", 0, "erikkefastadresse"), "/PlaceOfWork/0/NoFixedAddress"),
    (
        "A003",
        ("medlemskap", "andreland", "arbeidsgiveraktivitet", "eraktivitetmarginal"),
        "/HostEmployer/0/MarginalActivity",
    ),
    ("A001", ("medlemskap", "anmodning", "erendring"), "/AmendsPreviousRequest"),
    (
        "A001",
        ("medlemskap", "rammeavtale", "fjernarbeid", "EESSIYesNoType"),
        "/Exception/TeleworkFrameworkAgreement",
    ),
    (
        "A008",
        ("medlemskap", "kansellering", "heleperioden", "EESSIYesNoType"),
        "/Change/CancelsWholePeriod",
    ),
]
MARKER_IDS = [marker.rsplit("/", 1)[1] + f"-{name}" for name, _, marker in MARKERS]


def with_answer(name: str, where: tuple[str | int, ...], answer: str) -> dict[str, Any]:
    """The fixture ``name`` with ``answer`` at ``where``; a decision for the duration of the
    activity has an open period (a fixed one would contradict it)."""
    sed = load(name)
    holder: Any = sed
    for step in where[:-1]:
        holder = holder[step] if isinstance(step, int) else holder.setdefault(step, {})
    holder[where[-1]] = answer
    if where[-1] == "gjeldervarighetyrkesaktivitet" and answer == "ja":
        period = sed["medlemskap"]["vedtak"]["gjelderperiode"]
        start = period.get("fastperiode", period)["startdato"]
        sed["medlemskap"]["vedtak"]["gjelderperiode"] = {"aapenperiode": {"startdato": start}}
    return sed


@pytest.mark.parametrize(("name", "where", "marker"), MARKERS, ids=MARKER_IDS)
def test_a_yes_is_a_marker_and_comes_back_a_yes(
    name: str, where: tuple[str | int, ...], marker: str
) -> None:
    sed = with_answer(name, where, "ja")
    read = imported(sed)
    pointer = "".join(f"/{step}" for step in where)

    assert marker in set(markers(document_form(read.document)))
    assert pointer not in {loss.path for loss in read.losses}
    written = export_sed(read.document, transmission=sent_by_its_case(sed))
    assert flatten_json(written.sed)[pointer] == "ja"
    assert written.losses == ()


@pytest.mark.parametrize(("name", "where", "marker"), MARKERS, ids=MARKER_IDS)
def test_a_no_is_a_named_loss_that_narrows(
    name: str, where: tuple[str | int, ...], marker: str
) -> None:
    read = imported(with_answer(name, where, "nei"))
    reasons = {loss.path: loss.reason for loss in read.losses}

    assert marker not in set(markers(document_form(read.document)))
    assert "leaving the marker out" in reasons["".join(f"/{step}" for step in where)]


@pytest.mark.parametrize(("name", "where", "marker"), MARKERS, ids=MARKER_IDS)
def test_a_yes_or_no_field_of_another_value_is_one_issue_at_its_place(
    name: str, where: tuple[str | int, ...], marker: str
) -> None:
    pointer = "".join(f"/{step}" for step in where)

    assert issues_of(with_answer(name, where, "yes")) == [("sed.value", pointer)]


def test_one_marginal_answer_for_several_host_employers_is_a_named_loss_both_ways() -> None:
    sed = with_answer(
        "A003", ("medlemskap", "andreland", "arbeidsgiveraktivitet", "eraktivitetmarginal"), "ja"
    )
    employers = sed["medlemskap"]["andreland"]["arbeidsgiver"]
    employers.append({**employers[0], "navn": "Antwerp Lashing BV"})
    read = imported(sed)
    form = document_form(read.document)

    assert "/medlemskap/andreland/arbeidsgiveraktivitet/eraktivitetmarginal" in {
        loss.path for loss in read.losses
    }
    assert all("MarginalActivity" not in employer for employer in form["HostEmployer"])
    form["HostEmployer"][1]["MarginalActivity"] = None
    marked = with_form(read.document, form)
    written = export_sed(marked, transmission=sent_by_its_case(sed))
    assert "arbeidsgiveraktivitet" not in written.sed["medlemskap"]["andreland"]
    assert [loss.path for loss in written.losses] == ["/document/HostEmployer/1/MarginalActivity"]


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


# --- Code tables -----------------------------------------------------------------------------

TABLES = {**COVERAGE_TABLES, **{f"periods {what}": codec for what, codec in PERIOD_TABLES.items()}}


@pytest.mark.parametrize(("what", "codec"), TABLES.items(), ids=list(TABLES))
def test_a_code_table_translates_both_ways(what: str, codec: Codec) -> None:
    assert codec.codes
    for sed_code, ours in codec.codes.items():
        assert codec.to_ours(sed_code) == ours
        assert codec.to_sed(ours) == sed_code
        assert f'value="{ours}"' in SCHEMA_TEXT, ours
    with pytest.raises(CodeError):
        codec.to_ours("no-such-code")


def test_an_article_or_several_translate_both_ways() -> None:
    assert ARTICLES.to_ours("13_1_b_ii") == ["eu-13-1-b-ii"]
    assert ARTICLES.to_sed(["eu-13-1-b-ii"]) == "13_1_b_ii"
    assert ARTICLES.to_sed(["eu-13-3", "eu-13-1-a"]) == ["13_3", "13_1_a"]
    assert ARTICLES.to_ours(["13_3", "13_1_a"]) == ["eu-13-3", "eu-13-1-a"]


def test_a_provision_without_an_article_is_a_named_loss() -> None:
    with pytest.raises(NoSedCode):
        ARTICLES.to_sed(["us-totalization-detached"])
    assert ARTICLES.to_sed(["eu-12-1", "us-totalization-exception"]) == "12_1"
    reason = ARTICLES.export_loss(["eu-12-1", "us-totalization-exception"])
    assert reason is not None
    assert "us-totalization-exception" in reason


@pytest.mark.parametrize("codec", [A010_KIND, A008_KIND], ids=["A010", "A008"])
def test_a_kind_comes_from_its_article_and_goes_back_as_its_main_article(codec: Codec) -> None:
    assert codec.codes is None
    for kind in {"flag", "civil-servant", "posting", "multi-state-activity"}:
        try:
            article = codec.to_sed(kind)
        except NoSedCode:
            continue
        assert codec.to_ours(article) == kind
    with pytest.raises(CodeError):
        codec.to_ours("16_2" if codec is A010_KIND else "11_4")


@pytest.mark.parametrize(
    ("flags", "branches"),
    [
        ("111", ["old-age", "survivors", "invalidity"]),
        ("100", ["old-age"]),
        ("010", ["survivors"]),
        ("001", ["invalidity"]),
        ("110", ["old-age", "survivors"]),
        ("101", ["old-age", "invalidity"]),
        ("011", ["survivors", "invalidity"]),
    ],
)
def test_relevance_flags_translate_both_ways(flags: str, branches: list[str]) -> None:
    assert BRANCHES.to_ours(flags) == branches
    assert BRANCHES.to_sed(branches) == flags


@pytest.mark.parametrize("flags", ["11", "1111", "120", "abc"])
def test_relevance_flags_other_than_three_zeros_or_ones_are_refused(flags: str) -> None:
    with pytest.raises(CodeError):
        BRANCHES.to_ours(flags)


def test_a_claim_type_translates_both_ways() -> None:
    assert CLAIM_BRANCHES.to_ours("20") == ["survivors"]
    assert CLAIM_BRANCHES.to_sed(["survivors"]) == "20"
    assert CLAIM_BRANCHES.to_sed(["old-age", "invalidity"]) == ["10", "30"]


def test_a_summed_duration_translates_both_ways() -> None:
    summed = {
        "aar": "2",
        "maaneder": "3",
        "uker": "4",
        "kvartal": "1",
        "dager": {"nr": "5", "type": "6"},
    }
    durations = DURATION.to_ours(summed)

    assert durations == [
        {"@unit": "years", "$": "2"},
        {"@unit": "months", "$": "3"},
        {"@unit": "weeks", "$": "4"},
        {"@unit": "quarters", "$": "1"},
        {"@unit": "days", "$": "5", "@daysPerWeek": "6"},
    ]
    assert DURATION.to_sed(durations) == summed
    # A zero is how a SED says none.
    assert DURATION.to_ours({"aar": "0", "maaneder": "7"}) == [{"@unit": "months", "$": "7"}]


@pytest.mark.parametrize(
    "summed", [{"aar": "x"}, {"timer": "3"}, {"dager": {"nr": "3", "type": "4"}}, "12"]
)
def test_a_bad_summed_duration_is_refused(summed: object) -> None:
    with pytest.raises(CodeError):
        DURATION.to_ours(summed)


# --- Bad input: one issue per problem, pointed into the SED ----------------------------------


def issues_of(data: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    with pytest.raises(ValidationFailed) as raised:
        imported(data)
    return [(issue.code, issue.path) for issue in raised.value.issues]


def test_an_unknown_code_a_list_for_an_object_and_a_bad_date_are_one_issue_each() -> None:
    sed = load("A001")
    sed["nav"]["arbeidsgiver"][0]["identifikator"][0]["type"] = "bedriftsnummer"
    sed["medlemskap"]["unntak"] = [sed["medlemskap"]["unntak"]]
    sed["medlemskap"]["soeknadsperiode"]["startdato"] = "2027-02-30"

    issues = issues_of(sed)

    assert sorted(path for _, path in issues if path) == [
        "/medlemskap/soeknadsperiode/startdato",
        "/medlemskap/unntak",
        "/nav/arbeidsgiver/0/identifikator/0/type",
    ]
    assert len(issues) == 3
    assert ("sed.shape", "/medlemskap/unntak") in issues
    assert ("sed.value", "/nav/arbeidsgiver/0/identifikator/0/type") in issues


def test_a_period_that_ends_before_it_starts_is_one_issue_at_its_end() -> None:
    sed = load("A001")
    sed["medlemskap"]["tidligereperiode"][0]["fastperiode"]["sluttdato"] = "2024-02-28"

    assert issues_of(sed) == [
        ("rule.period-end-before-start", "/medlemskap/tidligereperiode/0/fastperiode/sluttdato")
    ]


@pytest.mark.parametrize(
    ("member", "value"),
    [("type", "17"), ("relevans", "12"), ("ordning", "08"), ("sum", {"timer": "40"})],
)
def test_a_bad_p5000_value_is_one_issue_at_its_place(member: str, value: object) -> None:
    sed = load("P5000")
    sed["pensjon"]["medlemskapboarbeid"]["medlemskap"][1][member] = value

    assert issues_of(sed) == [("sed.value", f"/pensjon/medlemskapboarbeid/medlemskap/1/{member}")]


def test_a_p5000_period_that_ends_before_it_starts_is_one_issue_at_its_end() -> None:
    sed = load("P5000")
    sed["pensjon"]["medlemskapboarbeid"]["medlemskap"][0]["periode"]["tom"] = "1982-08-31"

    assert issues_of(sed) == [
        ("rule.period-end-before-start", "/pensjon/medlemskapboarbeid/medlemskap/0/periode/tom")
    ]


def test_an_a010_whose_article_is_not_an_a010_article_is_one_issue() -> None:
    sed = load("A010")
    sed["medlemskap"]["meldingomlovvalg"]["artikkel"] = "12_1"

    issues = issues_of(sed)

    assert ("sed.value", "/medlemskap/meldingomlovvalg/artikkel") in issues
    assert {path for _, path in issues} == {"/medlemskap/meldingomlovvalg/artikkel"}


# --- The 2.0 examples out and back -----------------------------------------------------------

EXAMPLES = {
    "CoverageCertificate-multi-state": "A003",
    "CoverageCertificate-posting-notification": "A009",
    "CoverageRequest-change-notification": "A008",
    "CoverageRequest-exception": "A001",
    "InsurancePeriodsReply-pensions": "P5000",
    "InsurancePeriodsReply-unemployment": "U002",
    "InsurancePeriodsReply-unemployment-right": "U017",
}
WITHOUT_SED_TYPE = (
    "CoverageCertificate-us",
    "CoverageRefusal-exception",
    "CoverageRequest-us",
    "CoverageWithdrawal-unnumbered",
    "InsurancePeriodsRequest-pensions",
    "InsurancePeriodsRequest-unemployment",
    "InsurancePeriodsRequest-unemployment-right",
)
#: Examples that describe their places of work by address only (WorkAddress), which the
#: A-SEDs write as a place of work: what comes back lacks the required place.
ADDRESS_ONLY = ("CoverageRequest-change-notification", "CoverageRequest-exception")
#: Who sends a request (which leaves nothing to the exchange) in these tests.
REQUESTER = "SE:FK0001"


def example(name: str) -> ValidatedDocument:
    return validate_document((V2_EXAMPLES / f"{name}.xml").read_bytes(), today=TODAY)


def sent_by_its_issuer(form: Mapping[str, Any]) -> Transmission:
    """The transmission a document goes out with: from the institution that issued it or
    holds its periods, on the day it was issued."""
    periods = form.get("Periods", {}).get("InsurancePeriod", [])
    sender = form.get("IssuingInstitution") or (periods[0]["Institution"] if periods else REQUESTER)
    return Transmission(sender, dt.date.fromisoformat(form.get("IssuedOn", SENT_ON.isoformat())))


@pytest.mark.parametrize(("name", "sed_type"), EXAMPLES.items())
def test_a_2_0_example_exports_as_its_sed_type_and_names_its_losses(
    name: str, sed_type: str
) -> None:
    document = example(name)
    written = export_sed(document, transmission=sent_by_its_issuer(document_form(document)))

    assert written.sed_type.name == sed_type
    assert written.sed["sed"] == sed_type
    assert all(loss.path.startswith("/document/") and loss.reason for loss in written.losses)
    assert not [loss for loss in written.losses if "to the exchange" in loss.reason]


@pytest.mark.parametrize("name", WITHOUT_SED_TYPE)
def test_a_2_0_example_that_no_sed_type_fits_is_refused(name: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        export_sed(example(name))

    assert [issue.code for issue in raised.value.issues] == ["sed.wrong-type"]


@pytest.mark.parametrize("name", [name for name in EXAMPLES if name not in ADDRESS_ONLY])
def test_a_2_0_example_comes_back_except_its_export_losses(name: str) -> None:
    document = example(name)
    original = document_form(document)
    transmission = sent_by_its_issuer(original)
    written = export_sed(document, transmission=transmission)

    back = import_sed(written.sed, today=TODAY, transmission=transmission)

    lost = [loss.path for loss in written.losses]
    before = without_losses(flatten_json(compared(original), "/document"), lost)
    after = flatten_json(compared(document_form(back.document)), "/document")
    assert before == without_losses(after, lost)


@pytest.mark.parametrize("name", EXAMPLES)
def test_a_marker_of_a_2_0_example_is_exported_or_named_as_a_loss(name: str) -> None:
    document = example(name)
    original = document_form(document)
    transmission = sent_by_its_issuer(original)
    written = export_sed(document, transmission=transmission)

    lost = {loss.path for loss in written.losses}
    if name in ADDRESS_ONLY:
        assert set(markers(original, "/document")) <= lost
        return
    back = import_sed(written.sed, today=TODAY, transmission=transmission).document
    came_back = set(markers(document_form(back), "/document"))
    for marker in markers(original, "/document"):
        assert (marker in lost) != (marker in came_back), marker


def test_a_marker_the_sed_has_no_field_for_is_a_named_loss() -> None:
    document = example("CoverageCertificate-multi-state")
    form = document_form(document)
    # An A003 asks whether the activity is marginal of the employers in the other states only.
    form["Employer"][0]["MarginalActivity"] = None
    marked = with_form(document, form)

    written = export_sed(marked, transmission=sent_by_its_issuer(form))

    reasons = {loss.path: loss.reason for loss in written.losses}
    assert reasons["/document/Employer/0/MarginalActivity"] == "has no field in A003"
    assert "/document/Provisional" not in reasons


def test_a_provisional_determination_for_the_duration_of_the_activity_is_written_so() -> None:
    written = export_sed(
        example("CoverageCertificate-multi-state"),
        transmission=Transmission("NL:SVB0001", dt.date(2026, 11, 16)),
    )

    assert written.sed["medlemskap"]["isDeterminationProvisional"] == "ja"
    assert written.sed["medlemskap"]["vedtak"]["gjeldervarighetyrkesaktivitet"] == "ja"
    assert "aapenperiode" in written.sed["medlemskap"]["vedtak"]["gjelderperiode"]


@pytest.mark.parametrize("name", ADDRESS_ONLY)
def test_an_example_with_addresses_only_comes_back_without_its_place_of_work(name: str) -> None:
    written = export_sed(example(name))

    assert "/document/WorkAddress/0/Town" in {loss.path for loss in written.losses}
    with pytest.raises(ValidationFailed) as raised:
        import_sed(written.sed, today=TODAY)
    assert [(issue.path, issue.message) for issue in raised.value.issues] == [
        ("/document", "one of these members is required: WorkAddress, PlaceOfWork")
    ]


def test_the_fixtures_are_in_the_examples_folder() -> None:
    assert {path.stem for path in Path(SED_EXAMPLES).glob("*.json")} >= set(FIXTURES)


def test_every_coverage_and_periods_sed_type_is_registered_once() -> None:
    names = [sed_type.name for sed_type in SED_TYPES.values()]

    assert set(FIXTURES) <= set(names)
    assert len(names) == len(set(names))
