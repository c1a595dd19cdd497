"""SED mappings of claims and decisions: P2000, P2100, P2200 and P6000, both ways.

Each fixture in ``schemas/examples/sed`` is a SED as a national application writes it, with
invented people. Imported, it is a valid 2.0 document; exported again, it is the same SED
field by field except exactly the values the import named as losses. The 2.0 examples go the
other way round: exported with their losses named, and imported back to the same document
less those losses.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from gateway.documents import (
    SCHEMA_DIR,
    DocumentType,
    ValidatedDocument,
    document_to_json,
    validate_document,
)
from gateway.errors import ValidationFailed
from gateway.sed import Loss, SedImport, export_sed, import_sed
from gateway.sed._claim_codes import CODE_TABLES
from gateway.sed._person import SEX
from gateway.sed._rules import Codec, CodeError
from support import flatten_json, sed_normalised, without_losses

TODAY = dt.date(2026, 11, 25)
SED_EXAMPLES = SCHEMA_DIR / "examples" / "sed"
V2_EXAMPLES = SCHEMA_DIR / "examples" / "v2"
FIXTURES = ("P2000", "P2100", "P2200", "P6000")
SCHEMA_TEXT = (SCHEMA_DIR / "v2" / "claims.xsd").read_text() + (
    SCHEMA_DIR / "v2" / "common.xsd"
).read_text()

#: Our elements that hold names: the SED writes all of them in one field.
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


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SED_EXAMPLES / f"{name}.json").read_text())
    return data


def imported(data: object) -> SedImport:
    return import_sed(data, today=TODAY)


def issues_of(data: object) -> list[tuple[str, str | None]]:
    with pytest.raises(ValidationFailed) as raised:
        imported(data)
    return [(issue.code, issue.path) for issue in raised.value.issues]


# --- Comparing JSON field by field -----------------------------------------------------------


def names_joined(value: object) -> object:
    """Our JSON form with every list of names written as the SED writes it: one name."""
    if isinstance(value, Mapping):
        return {
            key: " ".join(child)
            if key in NAME_ELEMENTS and isinstance(child, list)
            else names_joined(child)
            for key, child in value.items()
        }
    if isinstance(value, list):
        return [names_joined(child) for child in value]
    return value


def pruned(value: object, losses: Iterable[Loss], prefix: str = "") -> object:
    """``value`` less what the losses name, with list items that lost everything left out, so
    that the items after them move up as they do on the other side."""
    lost = {loss.path.removeprefix(prefix).removesuffix("/$") for loss in losses}
    return _pruned(value, lost, "")


def _pruned(value: object, lost: set[str], path: str) -> object:
    if path in lost:
        return None
    if isinstance(value, Mapping):
        kept = {
            key: _pruned(child, lost, path if key == "$" else f"{path}/{key}")
            for key, child in value.items()
        }
        return {key: child for key, child in kept.items() if child not in (None, {}, [])}
    if isinstance(value, list):
        items = [_pruned(child, lost, f"{path}/{index}") for index, child in enumerate(value)]
        return [item for item in items if item not in (None, {}, [])]
    return value


def document_form(document: ValidatedDocument) -> dict[str, Any]:
    form: dict[str, Any] = document_to_json(document.document_type, document.root)["document"]
    return form


# --- The fixtures, in and out ----------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURES)
def test_a_fixture_imports_as_a_valid_2_0_document_of_its_sed_type(name: str) -> None:
    read = imported(load(name))

    assert read.sed_type.name == name
    assert read.document.schema_version == "2.0"
    expected = DocumentType.BENEFIT_DECISION if name == "P6000" else DocumentType.BENEFIT_CLAIM
    assert read.document.document_type is expected
    # The document stands on its own: its bytes validate again.
    assert validate_document(read.document.to_bytes(), today=TODAY).schema_version == "2.0"


@pytest.mark.parametrize("name", FIXTURES)
def test_a_fixture_comes_back_field_by_field_except_exactly_its_import_losses(
    name: str,
) -> None:
    sed = load(name)
    read = imported(sed)
    written = export_sed(read.document)

    assert written.sed_type.name == name
    before = sed_normalised(flatten_json(sed))
    after = sed_normalised(flatten_json(written.sed))
    changed = {path for path in before if before[path] != after.get(path)}
    assert changed == {loss.path for loss in read.losses}
    assert set(after) <= set(before)
    # A code folded on import is written back as the nearest one, at the loss's own place.
    lost = [loss.path for loss in read.losses]
    assert without_losses(before, lost) == without_losses(after, lost)


@pytest.mark.parametrize("name", FIXTURES)
def test_a_document_made_from_a_sed_exports_without_losses(name: str) -> None:
    assert export_sed(imported(load(name)).document).losses == ()


@pytest.mark.parametrize(
    ("name", "lost", "why"),
    [
        ("P2000", "/nav/eessisak/0/saksnummer", "no place"),
        ("P2000", "/nav/barn/2/person/fornavn", "without birth date and sex"),
        ("P2000", "/nav/bruker/arbeidsforhold/1/type", "not current"),
        ("P2000", "/pensjon/ytelser/2/ytelse", "no branch"),
        ("P2000", "/pensjon/ytelser/0/startdatoretttilytelse", "no place"),
        ("P2000", "/pensjon/vedtak/0/trekkgrunnlag/0", "no place"),
        (
            "P2100",
            "/pensjon/gjenlevende/person/nyttEkteskapPartnerskapEtterForsikredeDod/fornavn",
            "no place",
        ),
        ("P2100", "/pensjon/ytelser/0/beloep/0/annenbetalingshyppighetytelse", "no place"),
        ("P2200", "/nav/bruker/uforhet/startdatoLege", "no place"),
        ("P2200", "/pensjon/vedlegg/0", "read as 'medical-report'"),
        ("P2200", "/nav/bruker/arbeidsforhold/0/type", "read as 'employed'"),
        (
            "P6000",
            "/pensjon/vedtak/0/beregning/0/beloepBrutto/ytelseskomponentGrunnpensjon",
            "no place",
        ),
        ("P6000", "/pensjon/vedtak/0/grunnlag/medlemskap", "no place"),
        ("P6000", "/pensjon/sak/kravtype/0/datoFrist", "no place"),
        ("P6000", "/pensjon/tilleggsinformasjon/andreinstitusjoner/1/institusjonsnavn", "no place"),
    ],
)
def test_what_our_schema_cannot_hold_is_a_named_loss(name: str, lost: str, why: str) -> None:
    reasons = {loss.path: loss.reason for loss in imported(load(name)).losses}

    assert why in reasons[lost]


def test_a_p2000_maps_the_claimant_family_work_benefits_and_attachments() -> None:
    form = document_form(imported(load("P2000")).document)

    assert form["BenefitKind"] == "old-age"
    claimant = form["Claimant"]
    assert claimant["BirthForename"] == ["Lucas Albert"]
    assert claimant["PreviousFamilyName"] == ["Broucke"]
    assert claimant["PlaceOfBirth"]["Country"] == "BE"
    assert claimant["Father"] == {"Forename": ["Albert"], "BirthName": ["Van den Broucke"]}
    assert claimant["PersonalIdentificationNumber"][0]["@issuingInstitutionName"] == (
        "Service fédéral des Pensions"
    )
    assert claimant["Address"][0]["@kind"] == "residence"
    assert claimant["Address"][0]["Building"] == "Residentie Ter Linden, bus 3"
    assert claimant["Telephone"][0] == {"@kind": "mobile", "$": "+32 471 55 82 19"}
    assert form["Family"]["CivilStatus"] == [{"@since": "1986-06-21", "$": "married"}]
    assert [child["Relationship"] for child in form["Family"]["Child"]] == [
        "child",
        "adopted-child",
    ]
    assert form["Representative"]["Kind"] == "guardian"
    assert form["DecisionRecipient"] == "both"
    assert form["CurrentWork"][0]["Period"] == {"Start": "2012-02-01", "End": "2027-03-31"}
    assert [benefit["Branch"] for benefit in form["OtherBenefit"]] == [
        "old-age",
        "employment-injury",
    ]
    assert form["OtherBenefit"][1]["Institution"] == {
        "Country": "LU",
        "Name": "Association d'assurance accident",
    }
    assert form["Deferral"][0]["Institution"]["Id"] == "DE:DRV70001"
    assert form["AttachmentByPost"] == [
        {"Code": "employment-record"},
        {"Code": "other", "Text": "Copies of the Dutch residence registrations 1982 to 1985."},
    ]


def test_a_p2100_maps_the_deceased_the_death_and_the_new_union() -> None:
    form = document_form(imported(load("P2100")).document)

    deceased = form["DeceasedPerson"]
    assert form["BenefitKind"] == "survivors"
    assert form["Claimant"]["FamilyName"] == ["Nieminen"]
    assert deceased["DeathDate"] == "2025-12-03"
    assert deceased["DeathPlace"] == {"Town": "Espoo"}
    assert deceased["DeathCause"][1] == {
        "Code": "other",
        "Text": "Complications after treatment abroad",
    }
    assert deceased["ClaimantRelationship"] == "spouse"
    assert deceased["CommonHousehold"] == {"@since": "1983-09-01", "$": True}
    assert deceased["CommonChildren"] is True
    assert deceased["ReceivedPension"] is True
    assert [pension["Institution"]["Id"] for pension in deceased["Pension"]] == [
        "FI:ETK00001",
        "SE:PM000001",
    ]
    assert form["Family"]["NewUnion"] == {"Kind": "marriage", "Date": "2026-06-20"}
    assert form["PaymentAccount"]["Iban"] == "FI2240023500017283"


def test_a_p6000_maps_amounts_over_time_reasons_and_the_review_institution() -> None:
    form = document_form(imported(load("P6000")).document)

    assert form["Person"]["FamilyName"] == ["Lindqvist"]
    assert (form["BenefitKind"], form["Result"], form["DecisionDate"]) == (
        "old-age",
        "granted",
        "2026-11-10",
    )
    assert [period["Amount"]["$"] for period in form["CalculationPeriod"]] == ["4215", "4342"]
    assert form["CalculationPeriod"][1]["NetAmount"] == {"@currency": "SEK", "$": "3214"}
    assert form["Reason"] == [
        {
            "Code": "overlapping-benefit",
            "Text": "Reduced because of the Danish old-age pension received since 2024.",
        }
    ]
    appeal = form["Appeal"]
    assert appeal["Body"] == "Pensionsmyndigheten, omprövning"
    assert appeal["Institution"] == "SE:PM000001"
    assert appeal["DeadlineDate"] == "2027-01-10"
    assert appeal["Address"]["Town"] == "Stockholm"


def test_a_refusal_keeps_its_reasons_apart_from_the_reductions() -> None:
    sed = load("P6000")
    decision = sed["pensjon"]["vedtak"][0]
    del decision["beregning"]
    decision["resultat"] = "02"
    decision["avslagbegrunnelse"] = [
        {"begrunnelse": "06"},
        {"begrunnelse": "99", "annenbegrunnelse": "Residence in Sweden too short."},
    ]

    read = imported(sed)
    form = document_form(read.document)
    written = export_sed(read.document).sed

    assert form["Result"] == "refused"
    assert [reason["Code"] for reason in form["Reason"]] == [
        "pension-age-not-reached",
        "other",
        "overlapping-benefit",
    ]
    assert written["pensjon"]["vedtak"][0]["avslagbegrunnelse"] == decision["avslagbegrunnelse"]
    assert (
        written["pensjon"]["reduksjon"][0]["aarsak"]["inntektAnnen"]
        == (sed["pensjon"]["reduksjon"][0]["aarsak"]["inntektAnnen"])
    )


# --- Code tables -----------------------------------------------------------------------------


@pytest.mark.parametrize(("what", "codec"), [*CODE_TABLES.items(), ("sex", SEX)])
def test_a_code_table_translates_both_ways(what: str, codec: Codec) -> None:
    assert codec.codes, f"{what} is a code table"
    for sed_code, ours in codec.codes.items():
        assert codec.to_ours(sed_code) == ours
        assert codec.to_sed(ours) == sed_code
        assert codec.import_loss(sed_code) is None
        # Every code of ours is a value our schema knows.
        assert f'value="{ours}"' in SCHEMA_TEXT
    with pytest.raises(CodeError):
        codec.to_ours("not-a-code")


def test_a_folded_code_is_read_as_the_nearest_of_ours_and_named_as_a_loss() -> None:
    result = CODE_TABLES["decision result"]

    assert result.to_ours("03") == "granted"
    assert "written back as 01" in (result.import_loss("03") or "")


def test_a_code_of_ours_without_sed_code_is_written_as_the_nearest_and_named() -> None:
    reason = CODE_TABLES["refusal reason"]

    assert reason.to_sed("claim-out-of-time") == "99"
    assert "has no code" in (reason.export_loss("claim-out-of-time") or "")


# --- Bad input -------------------------------------------------------------------------------


def test_a_sed_that_is_not_a_json_object_is_refused() -> None:
    assert issues_of([load("P2000")]) == [("sed.malformed", "")]


def test_an_unknown_sed_type_is_refused() -> None:
    assert issues_of({**load("P2000"), "sed": "P9999"}) == [("sed.unknown-type", "/sed")]


def test_a_list_where_an_object_belongs_is_one_issue_at_its_place() -> None:
    sed = load("P2000")
    sed["nav"]["bruker"] = [sed["nav"]["bruker"]]

    assert issues_of(sed) == [("sed.shape", "/nav/bruker")]


def test_an_object_where_a_list_belongs_is_read_as_a_list_of_one() -> None:
    sed = load("P2000")
    sed["nav"]["barn"] = sed["nav"]["barn"][0]

    assert len(document_form(imported(sed).document)["Family"]["Child"]) == 1


def test_a_value_where_a_list_belongs_is_one_issue_at_its_place() -> None:
    sed = load("P2100")
    sed["nav"]["barn"] = "Emilia"

    assert issues_of(sed) == [("sed.shape", "/nav/barn")]


def test_an_unknown_code_is_one_issue_at_its_place() -> None:
    sed = load("P2000")
    sed["nav"]["bruker"]["person"]["kjoenn"] = "X"
    sed["pensjon"]["ytelser"][0]["beloep"][1]["betalingshyppighetytelse"] = "99"

    assert issues_of(sed) == [
        ("sed.value", "/nav/bruker/person/kjoenn"),
        ("sed.value", "/pensjon/ytelser/0/beloep/1/betalingshyppighetytelse"),
    ]


def test_a_bad_date_is_one_issue_at_its_place() -> None:
    sed = load("P2200")
    sed["nav"]["krav"]["dato"] = "2026-02-30"

    assert issues_of(sed) == [("json.invalid", "/nav/krav/dato")]


def test_a_missing_required_field_points_where_the_sed_would_hold_it() -> None:
    sed = load("P6000")
    del sed["pensjon"]["tilleggsinformasjon"]["dato"]

    assert issues_of(sed) == [("json.invalid", "/pensjon/tilleggsinformasjon/dato")]


def test_an_institution_whose_land_is_not_its_ids_country_is_refused() -> None:
    sed = load("P2000")
    sed["pensjon"]["utsettelse"][0]["land"] = "AT"

    assert issues_of(sed) == [("sed.value", "/pensjon/utsettelse/0")]


# --- Our 2.0 examples, out and back ----------------------------------------------------------

EXAMPLES = {
    "BenefitClaim.xml": ("P2000", "/document/Residence/Street"),
    "BenefitClaim-survivors.xml": ("P2100", "/document/DeceasedPerson/Pension/0/Amount/0/$"),
    "BenefitDecision.xml": ("P6000", "/document/ProRata/Numerator"),
}


def example(name: str) -> ValidatedDocument:
    return validate_document((V2_EXAMPLES / name).read_bytes(), today=TODAY)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_2_0_example_exports_and_names_its_losses(name: str) -> None:
    sed_type, a_loss = EXAMPLES[name]
    written = export_sed(example(name))

    assert written.sed_type.name == sed_type
    assert written.sed["sed"] == sed_type
    assert a_loss in {loss.path for loss in written.losses}
    assert all(loss.reason for loss in written.losses)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_2_0_example_comes_back_except_its_export_losses(name: str) -> None:
    document = example(name)
    written = export_sed(document)
    back = imported(written.sed)

    before = names_joined(document_form(document))
    after = names_joined(document_form(back.document))
    assert flatten_json(pruned(before, written.losses, "/document")) == flatten_json(after)
    assert back.losses == ()


def test_a_survivors_decision_is_addressed_to_the_survivor() -> None:
    written = export_sed(example("BenefitDecision.xml")).sed

    assert written["pensjon"]["gjenlevende"]["person"]["etternavn"] == "Leitner"
    assert "nav" not in written


def test_an_early_old_age_claim_is_a_p2000_that_names_the_lost_kind() -> None:
    text = (V2_EXAMPLES / "BenefitClaim.xml").read_text()
    early = text.replace(
        "<cl:BenefitKind>old-age</cl:BenefitKind>", "<cl:BenefitKind>early-old-age</cl:BenefitKind>"
    )
    written = export_sed(validate_document(early.encode(), today=TODAY))

    assert written.sed_type.name == "P2000"
    assert "/document/BenefitKind" in {loss.path for loss in written.losses}


def test_the_fixtures_are_in_the_examples_folder() -> None:
    assert set(FIXTURES) <= {path.stem for path in Path(SED_EXAMPLES).glob("*.json")}


def test_a_decision_without_calculation_periods_writes_its_amount_as_one() -> None:
    document = validate_document(
        (SCHEMA_DIR / "examples" / "BenefitDecision.xml").read_bytes(), today=TODAY
    )
    calculation = export_sed(document).sed["pensjon"]["vedtak"][0]["beregning"]

    assert calculation == [
        {
            "periode": {"fom": "2026-10-01"},
            "beloepBrutto": {"beloep": "412.37"},
            "beloepNetto": {"beloep": "378.19"},
            "valuta": "EUR",
            "utbetalingshyppighet": "maaned_12_per_aar",
        }
    ]
