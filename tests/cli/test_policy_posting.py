"""ssgw policy check --posting-months: an operator asks whether a posting of so many months may
be certified, and the answer names the rule."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from gateway.cli import app

runner = CliRunner()


def check(directory_options: list[str], sender: str, recipient: str, *options: str) -> Result:
    question = ["--from", sender, "--to", recipient, "--type", "CoverageCertificate"]
    day = ["--on", "2026-11-25"]
    return runner.invoke(app, ["policy", "check", *question, *options, *day, *directory_options])


@pytest.mark.parametrize(
    ("sender", "months", "code", "answer"),
    [
        (
            "US:SSAOIP",
            "60",
            0,
            "permitted under US-DE: a posting of 60 months keeps within the 60 months of "
            "agreement US-DE",
        ),
        (
            "US:SSAOIP",
            "61",
            1,
            "refused [posting-limit-exceeded]: a posting of 61 months exceeds the 60 months of "
            "agreement US-DE",
        ),
        (
            "FR:URSSAF",
            "24",
            0,
            "permitted under EU-883-2004: a posting of 24 months keeps within the 24 months of "
            "agreement EU-883-2004",
        ),
        (
            "FR:URSSAF",
            "25",
            1,
            "refused [posting-limit-exceeded]: a posting of 25 months exceeds the 24 months of "
            "agreement EU-883-2004",
        ),
    ],
)
def test_the_answer_names_the_posting_rule(
    directory_options: list[str], sender: str, months: str, code: int, answer: str
) -> None:
    result = check(directory_options, sender, "DE:DRV70001", "--posting-months", months)
    assert result.exit_code == code, result.output
    assert result.output.splitlines()[0] == answer


def test_earlier_months_count_with_the_posting(directory_options: list[str]) -> None:
    within = check(
        directory_options,
        "FR:URSSAF",
        "DE:DRV70001",
        "--posting-months",
        "20",
        "--earlier-months",
        "4",
    )
    assert within.exit_code == 0, within.output
    assert within.output.startswith("permitted under EU-883-2004: postings of 24 months in all")
    beyond = check(
        directory_options,
        "FR:URSSAF",
        "DE:DRV70001",
        "--posting-months",
        "20",
        "--earlier-months",
        "5",
    )
    assert beyond.exit_code == 1
    assert beyond.output.splitlines() == [
        "refused [posting-limit-exceeded]: a posting of 20 months after earlier postings of 5 "
        "months, 25 months in all, exceeds the 24 months of agreement EU-883-2004",
        "rule: posting-limit (Art. 12)",
    ]


def test_an_agreement_without_a_limit_says_so(directory_options: list[str]) -> None:
    result = check(directory_options, "AR:ANSES", "CL:IPS01", "--posting-months", "120")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "permitted under AR-CL: the directory gives AR-CL no posting limit",
        "rules: principle, material-scope",
    ]


def test_the_json_answer_carries_the_reason_or_the_rule(directory_options: list[str]) -> None:
    refused = check(
        directory_options, "US:SSAOIP", "DE:DRV70001", "--posting-months", "61", "--json"
    )
    assert refused.exit_code == 1
    assert json.loads(refused.stdout) == {
        "permitted": False,
        "basis": None,
        "reason": "posting-limit-exceeded",
        "detail": "a posting of 61 months exceeds the 60 months of agreement US-DE",
        "rule": {"rule": "posting-limit", "article": None},
    }
    permitted = check(
        directory_options, "US:SSAOIP", "DE:DRV70001", "--posting-months", "60", "--json"
    )
    assert permitted.exit_code == 0
    assert json.loads(permitted.stdout)["posting_rule"] == (
        "a posting of 60 months keeps within the 60 months of agreement US-DE"
    )


@pytest.mark.parametrize(
    ("options", "error"),
    [
        (
            ["--type", "CoverageRequest", "--posting-months", "30"],
            "error: --posting-months asks about a posting, which a CoverageCertificate "
            "certifies or notifies, not a CoverageRequest",
        ),
        (["--earlier-months", "3"], "error: --earlier-months needs --posting-months"),
    ],
)
def test_a_posting_question_that_makes_no_sense_is_a_usage_error(
    directory_options: list[str], options: list[str], error: str
) -> None:
    result = check(directory_options, "US:SSAOIP", "DE:DRV70001", *options)
    assert result.exit_code == 2
    assert result.output.splitlines() == [error]
