"""ssgw evidence verify FILE [--root CA.pem]: one line per check, exit 0 only if all hold."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.evidence import export_evidence
from gateway.node import Node
from support import deliver, example_bytes

runner = CliRunner()


@pytest.fixture
def bundle(make_node: Callable[[str], Node], tmp_path: Path) -> Path:
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)
    path = tmp_path / "evidence.json"
    path.write_bytes(export_evidence(france, record).to_json())
    return path


def verify(path: Path, *options: str) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["evidence", "verify", str(path), *options])
    return result.exit_code, result.output.splitlines()


def test_an_intact_bundle_passes_every_check(bundle: Path, pki_dir: Path) -> None:
    code, lines = verify(bundle, "--root", str(pki_dir / "authority.pem"))
    assert code == 0, lines
    # Every check, the envelope's digest (which a bundle without the document also states)
    # among them; the last line sums them up.
    assert len(lines) == 11 and all(line.startswith("ok ") for line in lines[:10])
    assert any(line.startswith("ok      envelope digest: SHA-256 ") for line in lines)
    assert lines[0].endswith("(pinned by the given root)")
    assert lines[-1].endswith("holds: 10 checks passed")


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    return path


def test_an_edited_trace_event_fails_the_chain_proof(bundle: Path, pki_dir: Path) -> None:
    def change(document: dict[str, Any]) -> None:
        document["chain"]["events"][0]["fields"]["detail"] = "edited"

    code, lines = verify(edit(bundle, change), "--root", str(pki_dir / "authority.pem"))
    assert code == 1
    assert [line.split(":")[0] for line in lines if line.startswith("FAILED")] == [
        "FAILED  chain proof"
    ]
    assert lines[-1] == "error: the evidence does not hold: chain proof"


def test_a_bundle_from_another_network_fails_the_authority(bundle: Path, tmp_path: Path) -> None:
    from gateway.security import init_authority

    init_authority(tmp_path / "other")
    code, lines = verify(bundle, "--root", str(tmp_path / "other" / "authority.pem"))
    assert code == 1 and lines[0].startswith("FAILED  authority: the bundle names the authority")


def test_a_file_that_is_not_a_bundle_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "nonsense.json"
    path.write_text("{}")
    code, lines = verify(path)
    assert code == 1 and lines == ["error: the file is not an evidence bundle (ssgw-evidence/1)"]
    assert verify(tmp_path / "missing.json")[0] == 2
