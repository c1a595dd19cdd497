"""Agreement stages follow the ILO's eight steps, then suspended and terminated: old stage
values still load, only in-force carries production traffic, and a stage history keeps order."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from lxml import etree
from signed_directories import D, resign, unsigned_copy

from gateway.codes import Branch
from gateway.demo.backoffice.decisions import posting_rule
from gateway.directory import (
    AgreementStage,
    Directory,
    NetworkKind,
    RefusalReason,
    Refused,
    decide,
    load_directory,
)
from gateway.documents import DocumentType
from gateway.errors import DirectoryError
from gateway.security import load_certificate

DAY = dt.date(2026, 11, 25)
XS = "{http://www.w3.org/2001/XMLSchema}"
SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "v1" / "directory.xsd"
DEPRECATED = {
    "feasibility": AgreementStage.PRELIMINARY_DISCUSSIONS,
    "negotiating": AgreementStage.NEGOTIATIONS,
    "arrangement-concluded": AgreementStage.ADMINISTRATIVE_ARRANGEMENT,
}


def _agreement_element(root: etree._Element, agreement_id: str) -> etree._Element:
    for node in root.iterfind(f"{D}Agreements/{D}Agreement"):
        if node.get("id") == agreement_id:
            return node
    raise AssertionError(agreement_id)


def _load(root: etree._Element, pki_dir: Path) -> Directory:
    return load_directory(resign(root, pki_dir), load_certificate(pki_dir / "authority.pem"))


def _set_history(root: etree._Element, agreement_id: str, *changes: tuple[str, str]) -> None:
    agreement = _agreement_element(root, agreement_id)
    old = agreement.find(f"{D}History")
    if old is not None:
        agreement.remove(old)
    history = etree.SubElement(agreement, f"{D}History")
    for stage, date in changes:
        etree.SubElement(history, f"{D}Change", stage=stage, date=date)


def _with_stage(
    directory: Directory, agreement_id: str, stage: AgreementStage, network: NetworkKind
) -> Directory:
    agreements = tuple(
        dataclasses.replace(a, stage=stage) if a.id == agreement_id else a
        for a in directory.agreements
    )
    return dataclasses.replace(directory, agreements=agreements, network=network)


def _claim(directory: Directory) -> bool | Refused:
    decision = decide(
        directory,
        sender="IN:EPFO",
        recipient="DE:DRV70001",
        document_type=DocumentType.BENEFIT_CLAIM,
        schema_version="1.0",
        branches=frozenset({Branch.OLD_AGE}),
        on=DAY,
    )
    return decision if isinstance(decision, Refused) else True


def test_the_stages_are_the_eight_steps_then_suspended_and_terminated() -> None:
    assert [stage.value for stage in AgreementStage] == [
        "preliminary-discussions",
        "initial-draft",
        "negotiations",
        "text-review",
        "signed",
        "approved",
        "administrative-arrangement",
        "in-force",
        "suspended",
        "terminated",
    ]


def test_the_schema_lists_the_stages_then_the_deprecated_aliases() -> None:
    schema = etree.parse(str(SCHEMA)).getroot()
    stage_type = schema.find(f"{XS}simpleType[@name='AgreementStage']")
    assert stage_type is not None
    values = [str(e.get("value")) for e in stage_type.iterfind(f"{XS}restriction/{XS}enumeration")]
    assert values == [stage.value for stage in AgreementStage] + list(DEPRECATED)
    for value in DEPRECATED:
        documented = stage_type.find(f"{XS}restriction/{XS}enumeration[@value='{value}']")
        assert documented is not None and "Deprecated" in "".join(documented.itertext())


def test_a_directory_with_the_old_stage_values_still_loads(
    signed_directory_file: Path, pki_dir: Path
) -> None:
    root = unsigned_copy(signed_directory_file)
    for agreement_id, old in zip(("CA-NL", "IN-DE", "US-DE"), DEPRECATED, strict=True):
        _agreement_element(root, agreement_id).set("stage", old)
    _set_history(
        root, "US-DE", ("negotiating", "1977-01-10"), ("arrangement-concluded", "1979-06-01")
    )
    agreements = {a.id: a for a in _load(root, pki_dir).agreements}
    assert [agreements[i].stage for i in ("CA-NL", "IN-DE", "US-DE")] == list(DEPRECATED.values())
    us_germany = agreements["US-DE"]
    assert [stage for stage, _ in us_germany.history] == [
        AgreementStage.NEGOTIATIONS,
        AgreementStage.ADMINISTRATIVE_ARRANGEMENT,
    ]


@pytest.mark.parametrize("network", list(NetworkKind))
@pytest.mark.parametrize("stage", [AgreementStage.SUSPENDED, AgreementStage.TERMINATED])
def test_suspended_and_terminated_agreements_carry_nothing_and_are_named(
    directory: Directory, stage: AgreementStage, network: NetworkKind
) -> None:
    changed = _with_stage(directory, "IN-DE", stage, network)
    decision = _claim(changed)
    assert isinstance(decision, Refused)
    assert decision.reason is RefusalReason.AGREEMENT_NOT_IN_FORCE
    assert f"IN-DE is at stage '{stage.value}'" in decision.detail
    assert posting_rule(_with_stage(directory, "US-DE", stage, network), "DE", "US", on=DAY) is None
    assert not next(a for a in changed.agreements if a.id == "IN-DE").in_force_on(DAY)


def test_an_administrative_arrangement_carries_test_traffic_on_a_test_network_only(
    directory: Directory,
) -> None:
    stage = AgreementStage.ADMINISTRATIVE_ARRANGEMENT
    production = _with_stage(directory, "IN-DE", stage, NetworkKind.PRODUCTION)
    refusal = _claim(production)
    assert isinstance(refusal, Refused) and "'administrative-arrangement'" in refusal.detail
    assert _claim(_with_stage(directory, "IN-DE", stage, NetworkKind.TEST)) is True
    for network, usable in ((NetworkKind.PRODUCTION, False), (NetworkKind.TEST, True)):
        changed = _with_stage(directory, "US-DE", stage, network)
        assert (posting_rule(changed, "DE", "US", on=DAY) is not None) is usable
        assert ("US:SSAOIP" in changed.partners("DE:DRV70001", DAY)) is usable
    assert not next(a for a in production.agreements if a.id == "IN-DE").in_force_on(DAY)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ((("in-force", "2008-10-01"), ("signed", "2006-12-06")), "out of step order"),
        ((("signed", "2006-12-06"), ("signed", "2007-01-06")), "out of step order"),
        ((("terminated", "2020-01-01"), ("in-force", "2021-01-01")), "out of step order"),
        ((("signed", "2008-10-01"), ("in-force", "2006-12-06")), "before 'signed'"),
    ],
)
def test_a_history_out_of_order_is_refused_naming_the_agreement(
    signed_directory_file: Path,
    pki_dir: Path,
    changes: tuple[tuple[str, str], ...],
    complaint: str,
) -> None:
    root = unsigned_copy(signed_directory_file)
    _set_history(root, "AU-KR", *changes)
    with pytest.raises(DirectoryError, match=f"agreement AU-KR: its history .*{complaint}"):
        _load(root, pki_dir)


def test_a_suspension_may_be_lifted(signed_directory_file: Path, pki_dir: Path) -> None:
    root = unsigned_copy(signed_directory_file)
    _set_history(
        root,
        "AU-KR",
        ("in-force", "2008-10-01"),
        ("suspended", "2020-01-01"),
        ("in-force", "2020-06-01"),
    )
    australia_korea = next(a for a in _load(root, pki_dir).agreements if a.id == "AU-KR")
    assert [stage for stage, _ in australia_korea.history][-2:] == [
        AgreementStage.SUSPENDED,
        AgreementStage.IN_FORCE,
    ]


def test_the_sample_directory_loads_with_its_histories(directory: Directory) -> None:
    histories = {a.id: a.history for a in directory.agreements}
    assert histories["AU-KR"] == (
        (AgreementStage.SIGNED, dt.date(2006, 12, 6)),
        (AgreementStage.IN_FORCE, dt.date(2008, 10, 1)),
    )
    assert histories["FR-TN"] == (
        (AgreementStage.SIGNED, dt.date(2003, 6, 26)),
        (AgreementStage.IN_FORCE, dt.date(2007, 4, 1)),
    )
    assert all(not histories[i] for i in histories if i not in {"AU-KR", "FR-TN"})
    for agreement in directory.agreements:
        if agreement.history:
            assert agreement.history[-1] == (agreement.stage, agreement.in_force_from)
