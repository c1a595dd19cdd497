"""ssgw policy check: a question missing an input, or with a mistyped id, is a usage error;
only a well-formed question gets the policy's answer."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner, Result

from gateway.cli import app

runner = CliRunner()


def check(directory_options: list[str], sender: str, recipient: str, *options: str) -> Result:
    return runner.invoke(
        app, ["policy", "check", "--from", sender, "--to", recipient, *options, *directory_options]
    )


@pytest.mark.parametrize("document_type", ["BenefitClaim", "InsurancePeriodsRequest"])
def test_a_document_about_a_branch_needs_branch(
    directory_options: list[str], document_type: str
) -> None:
    result = check(directory_options, "FR:CNAV", "DE:DRV70001", "--type", document_type)
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith(f"error: --branch is needed: {document_type} documents concern a branch")


@pytest.mark.parametrize(
    ("sender", "recipient", "document_type"),
    [
        ("FR:URSSAF", "DE:DRV70001", "CoverageRequest"),
        ("FR:CNAV", "DE:DRV70001", "CaseClosure"),
        ("FR:CNAV", "DE:DRV70001", "Receipt"),
    ],
)
def test_a_document_about_no_branch_needs_none(
    directory_options: list[str], sender: str, recipient: str, document_type: str
) -> None:
    result = check(directory_options, sender, recipient, "--type", document_type)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("permitted under ")


@pytest.mark.parametrize(
    ("option", "value", "reason"),
    [
        ("--from", "de:drv70001", "expected a country code"),
        ("--to", "DE:DRV7000!", "expected a country code"),
        ("--to", "XX:ABCD1", "unknown country code 'XX'; expected a country code"),
    ],
)
def test_a_mistyped_institution_id_is_a_usage_error(
    directory_options: list[str], option: str, value: str, reason: str
) -> None:
    ids = {"--from": "FR:CNAV", "--to": "DE:DRV70001"} | {option: value}
    result = check(
        directory_options,
        ids["--from"],
        ids["--to"],
        "--type",
        "BenefitClaim",
        "--branch",
        "old-age",
    )
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith(f"error: {option}: {value!r} is not an institution id: ")
    assert reason in line and line.endswith("as in DE:DRV70001")


def test_a_well_formed_id_the_directory_lacks_is_refused(directory_options: list[str]) -> None:
    result = check(
        directory_options, "FR:CNAV", "DE:ABCD1", "--type", "BenefitClaim", "--branch", "old-age"
    )
    assert result.exit_code == 1
    assert result.output.startswith("refused [unknown-institution]: DE:ABCD1 is not an")
