"""--json on the commands that report: one JSON document on standard output, the same keys
whatever the outcome, and the exit code the text report has."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import settings_toml
from gateway.evidence import export_evidence
from gateway.node import Node
from gateway.store import TraceEvent
from support import EXAMPLES, config_file, deliver, example_bytes, free_port

runner = CliRunner()


def report(*args: str | Path) -> tuple[int, Any]:
    """The exit code and the one JSON document on standard output."""
    result = runner.invoke(app, [*(str(a) for a in args), "--json"])
    assert result.stderr == "", result.stderr
    return result.exit_code, json.loads(result.stdout)


def test_validate(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(example_bytes("BenefitClaim").replace(b"1961-03-14", b"2099-03-14", 1))
    code, document = report("validate", EXAMPLES / "BenefitClaim.xml", broken, tmp_path / "none")
    assert code == 1
    assert document["valid"] is False
    good, bad, missing = document["documents"]
    assert good == {
        "file": str(EXAMPLES / "BenefitClaim.xml"),
        "valid": True,
        "document_type": "BenefitClaim",
        "schema_version": "1.0",
        "issues": [],
        "error": None,
    }
    assert bad["valid"] is False and bad["issues"]
    assert set(bad["issues"][0]) == {"code", "message", "line", "path"}
    assert missing["error"].startswith("cannot read ")
    code, document = report("validate", EXAMPLES / "BenefitClaim.xml")
    assert code == 0 and document["valid"] is True


def signed_envelope(pki_dir: Path, tmp_path: Path) -> Path:
    de = pki_dir / "institutions" / "DE_DRV70001"
    signed = tmp_path / "signed.xml"
    result = runner.invoke(
        app,
        [
            "sign",
            str(EXAMPLES / "BenefitClaim.xml"),
            "--key",
            str(de / "signing.key"),
            "--cert",
            str(de / "signing.pem"),
            "--to",
            "FR:CNAV",
            "-o",
            str(signed),
        ],
    )
    assert result.exit_code == 0, result.output
    return signed


def test_verify(pki_dir: Path, tmp_path: Path, directory_options: list[str]) -> None:
    signed = signed_envelope(pki_dir, tmp_path)
    code, document = report("verify", signed, *directory_options)
    assert code == 0
    assert document["valid"] is True and document["problem"] is None
    assert (document["sender"], document["recipient"]) == ("DE:DRV70001", "FR:CNAV")
    assert document["document_type"] == "BenefitClaim"
    keys = set(document)
    signed.write_bytes(signed.read_bytes().replace(b"FR:CNAV</env:R", b"IN:EPFO</env:R"))
    code, document = report("verify", signed, *directory_options)
    assert code == 1
    assert set(document) == keys
    assert document["valid"] is False and document["sender"] is None
    assert document["problem"]["code"] == "signature-invalid"


def test_a_command_that_cannot_work_says_so_in_one_line_even_with_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["verify", str(tmp_path / "none.xml"), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")


def test_directory_verify(signed_directory_file: Path, pki_dir: Path) -> None:
    code, document = report(
        "directory", "verify", signed_directory_file, "--authority", pki_dir / "authority.pem"
    )
    assert code == 0
    assert document["institutions"] == 18 and document["agreements"] == 8
    assert set(document) == {
        "network",
        "version",
        "issued",
        "institutions",
        "agreements",
        "revoked_certificates",
    }


@pytest.mark.parametrize(
    ("branch", "code", "expected"),
    [
        (
            "old-age",
            0,
            {"permitted": True, "basis": "IN-DE", "reason": None, "detail": None},
        ),
        ("invalidity", 1, {"permitted": False, "basis": None, "reason": "branch-not-covered"}),
    ],
)
def test_policy_check(
    directory_options: list[str], branch: str, code: int, expected: dict[str, Any]
) -> None:
    question = ["--from", "IN:EPFO", "--to", "DE:DRV70001", "--type", "BenefitClaim"]
    answer, document = report("policy", "check", *question, "--branch", branch, *directory_options)
    assert answer == code
    # A permission lists the rules that held, a refusal the rule that refused.
    rules = "rules" if code == 0 else "rule"
    assert set(document) == {"permitted", "basis", "reason", "detail", rules}
    assert expected.items() <= document.items()


@pytest.fixture
def exchanged(make_node: Callable[[str], Node]) -> tuple[Node, Any]:
    """France's node after a request it sent was delivered and acknowledged."""
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)
    return france, record


def test_evidence_verify(exchanged: tuple[Node, Any], tmp_path: Path, pki_dir: Path) -> None:
    node, record = exchanged
    bundle = tmp_path / "evidence.json"
    bundle.write_bytes(export_evidence(node, record).to_json())
    code, document = report("evidence", "verify", bundle, "--root", pki_dir / "authority.pem")
    assert code == 0
    assert document["holds"] is True and document["message_id"] == str(record.message_id)
    assert len(document["checks"]) == 10 and all(check["ok"] for check in document["checks"])
    edited = json.loads(bundle.read_text())
    edited["chain"]["events"][0]["fields"]["detail"] = "edited"
    bundle.write_text(json.dumps(edited))
    code, document = report("evidence", "verify", bundle, "--root", pki_dir / "authority.pem")
    assert code == 1 and document["holds"] is False
    assert [c["name"] for c in document["checks"] if not c["ok"]] == ["chain proof"]


def test_audit_verify(exchanged: tuple[Node, Any], tmp_path: Path) -> None:
    node, _ = exchanged
    config = config_file(node.settings, tmp_path / "node.toml")
    code, document = report("audit", "verify", "--config", config)
    assert code == 0 and document["intact"] is True
    assert document["trace_chain"]["rows"] > 0 and document["trace_chain"]["problem"] is None
    assert document["audit_log"]["intact"] is True
    with node.store.engine.begin() as connection:
        connection.execute(update(TraceEvent).where(col(TraceEvent.id) == 2).values(detail="x"))
    code, document = report("audit", "verify", "--config", config)
    assert code == 1 and document["intact"] is False
    assert document["trace_chain"]["broken_row"] == 2
    assert document["audit_log"]["intact"] is True


def test_doctor(make_node: Callable[[str], Node], tmp_path: Path) -> None:
    node = make_node("FR:CNAV")
    config = tmp_path / "node.toml"
    unreachable = f"amqp://guest:guest@127.0.0.1:{free_port()}/"
    config.write_text(settings_toml(node.settings, amqp_url=unreachable))
    code, document = report("doctor", "--config", config)
    assert code == 1 and document["ok"] is False
    findings = document["findings"]
    assert all(set(f) == {"level", "subject", "detail", "fix"} for f in findings)
    assert [f["subject"] for f in findings if f["level"] == "FAIL"] == ["broker"]


def test_operator_list(make_node: Callable[[str], Node], tmp_path: Path) -> None:
    config = config_file(make_node("FR:CNAV").settings, tmp_path / "node.toml")
    password = tmp_path / "password"
    password.write_text("a long enough password\n")
    options = ["--role", "viewer", "--config", str(config), "--password-file", str(password)]
    added = runner.invoke(app, ["operator", "add", "vera", *options])
    assert added.exit_code == 0, added.output
    code, document = report("operator", "list", "--config", config)
    assert code == 0
    assert document == {
        "operators": [{"name": "vera", "role": "viewer", "state": "active", "locked_until": None}]
    }
