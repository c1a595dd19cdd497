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
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from gateway.documents import (
    document_from_json,
    document_to_json,
    validate_document,
)
from gateway.errors import ValidationFailed
from gateway.sed import SED_TYPES, Transmission, export_sed, import_sed
from sed.coverage_periods_seds import (
    FIXTURES,
    NEED_THE_EXCHANGE,
    PERIODS,
    SENT_ON,
    TODAY,
    document_form,
    imported,
    issues_of,
    load,
    markers,
    normalised,
    sent_by_its_case,
    with_form,
)
from support import flatten_json

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


def test_a_period_counting_for_other_branches_than_its_entitlement_is_a_named_loss() -> None:
    # P5000 has one field (relevans) for the branches a period counts for and those it counts
    # towards entitlement for: where they differ, the entitlement is written whole and the
    # other is named, not merged into it item by item.
    sed = load("P5000")
    read = imported(sed)

    def relevance_written(counts_for: list[str]) -> tuple[str, tuple[Any, ...]]:
        whole = document_to_json(read.document.document_type, read.document.root)
        period = whole["document"]["Periods"]["InsurancePeriod"][0]
        period["CountsFor"] = counts_for
        period["Relevance"] = {"Entitlement": ["old-age"]}
        document = validate_document(document_from_json(whole))
        written = export_sed(document, transmission=sent_by_its_case(sed))
        first = written.sed["pensjon"]["medlemskapboarbeid"]["medlemskap"][0]
        return first["relevans"], written.losses

    alone, none_lost = relevance_written(["old-age"])
    assert not [x for x in none_lost if "CountsFor" in x.path]
    relevance, losses = relevance_written(["old-age", "survivors", "invalidity"])
    assert relevance == alone  # the entitlement's branches, whole
    lost = [x for x in losses if "CountsFor" in x.path]
    assert [x.path for x in lost] == [
        f"/document/Periods/InsurancePeriod/0/CountsFor/{i}" for i in range(3)
    ]
    assert {x.reason for x in lost} == {
        "the SED's one field relevans holds Relevance/Entitlement instead"
    }
