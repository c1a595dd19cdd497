"""ssgw audit verify and ssgw evidence verify with anchors: what they print when the anchors
hold, and the one line naming the anchor that a rewritten chain and head no longer match."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anchoring.conftest import TsaFiles, make_tsa_files, rewrite_trace_from
from gateway.cli import app
from gateway.evidence import export_evidence
from gateway.node import Node
from gateway.store import MessageRecord
from support import config_file, deliver, example_bytes

runner = CliRunner()


@pytest.fixture
def exchange(
    make_node: Callable[..., Node], tsa_settings: dict[str, object]
) -> tuple[Node, MessageRecord]:
    """France, anchored by the local TSA, sent a request and got its receipt; then anchored."""
    france, germany = make_node("FR:CNAV", **tsa_settings), make_node("DE:DRV70001")
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)
    assert france.anchor().anchored
    return france, record


def node_config(node: Node, tmp_path: Path) -> Path:
    path = config_file(node.settings, tmp_path / "node.toml")
    anchoring = (
        f'tsa_url = "{node.settings.tsa_url}"\n'
        f'tsa_certificate = "{node.settings.tsa_certificate}"\n'
    )
    path.write_text(anchoring + path.read_text())  # before the file's tables
    return path


def audit_verify(node: Node, tmp_path: Path, *options: str) -> tuple[int, str]:
    config = node_config(node, tmp_path)
    result = runner.invoke(app, ["audit", "verify", "--config", str(config), *options])
    return result.exit_code, result.output


def test_audit_verify_checks_the_anchors(
    exchange: tuple[Node, MessageRecord], tmp_path: Path
) -> None:
    code, output = audit_verify(exchange[0], tmp_path)
    assert code == 0, output
    last = output.splitlines()[-1]
    assert last.startswith("the anchors hold: 1 checked, the newest stamped ")
    assert last.endswith("over trace row 6 and audit row 0")


def test_audit_verify_names_the_anchor_a_rewritten_chain_fails(
    exchange: tuple[Node, MessageRecord], tmp_path: Path
) -> None:
    rewrite_trace_from(exchange[0], 2)
    code, output = audit_verify(exchange[0], tmp_path)
    assert code == 1
    (line,) = output.splitlines()
    assert line.startswith("error: the anchors do not hold: anchor 1 (stamped ")
    assert "the trace chain recomputed from its rows gives" in line
    assert "not the anchored" in line


def test_audit_verify_as_json(exchange: tuple[Node, MessageRecord], tmp_path: Path) -> None:
    code, output = audit_verify(exchange[0], tmp_path, "--json")
    document = json.loads(output)
    assert code == 0 and document["intact"] is True
    anchors = document["anchors"]
    assert (anchors["intact"], anchors["checked"], anchors["broken_anchor"]) == (True, 1, None)
    assert anchors["newest"]["trace_rows"] == 6


def test_audit_verify_with_another_tsa_fails(
    exchange: tuple[Node, MessageRecord], tmp_path: Path
) -> None:
    other = make_tsa_files(tmp_path / "other")
    code, output = audit_verify(
        exchange[0], tmp_path, "--tsa-certificate", str(other.ca_certificate)
    )
    assert code == 1
    assert "anchor 1: the token is not signed by the configured time-stamping authority" in output


def evidence_verify(path: Path, *options: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["evidence", "verify", str(path), *options])
    return result.exit_code, result.output.splitlines()


@pytest.fixture
def bundle(exchange: tuple[Node, MessageRecord], tmp_path: Path) -> Path:
    path = tmp_path / "evidence.json"
    path.write_bytes(export_evidence(*exchange).to_json())
    return path


def test_a_bundle_carries_the_anchor_over_its_events(
    bundle: Path, pki_dir: Path, tsa_files: TsaFiles
) -> None:
    document = json.loads(bundle.read_text())
    assert document["anchor"]["trace"]["length"] == 6
    code, lines = evidence_verify(
        bundle,
        "--root",
        str(pki_dir / "authority.pem"),
        "--tsa-certificate",
        str(tsa_files.ca_certificate),
    )
    assert code == 0, lines
    (anchor,) = [line for line in lines if line.startswith("ok      anchor: ")]
    assert "(pinned by the given certificate)" in anchor
    assert "trace chain had 6 rows ending in " in anchor


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return path


def test_an_unpinned_anchor_says_so(bundle: Path) -> None:
    _, lines = evidence_verify(bundle)
    (anchor,) = [line for line in lines if "anchor: " in line]
    assert "the bundle's own copy, not pinned: give --tsa-certificate" in anchor


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["anchor"]["trace"].update(hash="0" * 64),
            "stamps other chain heads than the anchor records",
        ),
        (
            lambda d: d["anchor"].update(institution="DE:DRV70001"),
            "the anchor stamps DE:DRV70001's chains, not the exporter's",
        ),
        (
            lambda d: d["chain"]["events"][-1]["fields"].update(id=7),
            "the anchor covers 6 trace rows, not the message's row 7",
        ),
    ],
    ids=["anchored-hash", "institution", "uncovered-event"],
)
def test_an_edited_anchor_fails_its_check(
    bundle: Path, tsa_files: TsaFiles, change: Callable[[dict[str, Any]], None], problem: str
) -> None:
    code, lines = evidence_verify(
        _edit(bundle, change), "--tsa-certificate", str(tsa_files.ca_certificate)
    )
    assert code == 1
    (anchor,) = [line for line in lines if line.startswith("FAILED  anchor: ")]
    assert problem in anchor


def test_a_bundle_made_before_any_anchor_has_none(
    make_node: Callable[..., Node], tsa_settings: dict[str, object], pki_dir: Path
) -> None:
    france, germany = make_node("FR:CNAV", **tsa_settings), make_node("DE:DRV70001")
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)
    bundle = export_evidence(france, record)
    assert bundle.anchor is None
    assert json.loads(bundle.to_json())["anchor"] is None
