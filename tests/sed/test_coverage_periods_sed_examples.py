"""SED mappings of applicable legislation and of periods of insurance: the 2.0 examples
exported as their SED types, with their losses named, and imported back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from gateway.documents import (
    ValidatedDocument,
    validate_document,
)
from gateway.errors import ValidationFailed
from gateway.sed import SED_TYPES, Transmission, export_sed, import_sed
from sed.coverage_periods_seds import (
    FIXTURES,
    SED_EXAMPLES,
    SENT_ON,
    TODAY,
    V2_EXAMPLES,
    compared,
    document_form,
    markers,
    with_form,
)
from support import flatten_json, without_losses

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
