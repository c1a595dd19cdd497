"""ssgw policy check with the inputs the agreement's terms use: the answer names the rule and
its article, and an input a rule needs that the question leaves out is a usage error."""

from __future__ import annotations

import json

from typer.testing import CliRunner, Result

from gateway.cli import app

runner = CliRunner()


def check(directory_options: list[str], *question: str) -> Result:
    day = ["--on", "2026-11-25"]
    return runner.invoke(app, ["policy", "check", *question, *day, *directory_options])


IN_TO_DE = ("--from", "IN:EPFO", "--to", "DE:DRV70001", "--type", "CoverageCertificate")


def test_a_missing_person_status_is_an_error_not_a_permission(
    directory_options: list[str],
) -> None:
    result = check(directory_options, *IN_TO_DE)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: IN-DE decides this exchange by person status: give --person-status"
    ]


def test_the_answer_names_the_rule_and_article(directory_options: list[str]) -> None:
    refused = check(directory_options, *IN_TO_DE, "--person-status", "self-employed")
    assert refused.exit_code == 1
    assert refused.output.splitlines() == [
        "refused [outside-personal-scope]: a person who is self-employed is outside the "
        "personal scope of IN-DE for IN, which covers persons who are employed only",
        "rule: personal-scope",
    ]
    tunisia = ("--from", "FR:URSSAF", "--to", "TN:CNSS", "--type", "CoverageCertificate")
    permitted = check(directory_options, *tunisia, "--person-status", "employed", "--json")
    assert permitted.exit_code == 0, permitted.output
    assert json.loads(permitted.stdout)["rules"] == [
        {"rule": "principle", "article": None},
        {"rule": "material-scope", "article": None},
        {"rule": "personal-scope", "article": "Art. 2"},
    ]


def test_a_decision_needs_its_result_and_payment_country(directory_options: list[str]) -> None:
    decision = ("--from", "DE:DRV70001", "--to", "IN:EPFO", "--type", "BenefitDecision")
    question = (*decision, "--branch", "old-age")
    missing = check(directory_options, *question)
    assert missing.exit_code == 2
    assert "give --result" in missing.output
    unpaid = check(directory_options, *question, "--result", "granted")
    assert unpaid.exit_code == 2
    assert "give --payment-country" in unpaid.output
    paid = check(directory_options, *question, "--result", "granted", "--payment-country", "IN")
    assert paid.exit_code == 0, paid.output
    assert paid.output.splitlines()[1] == ("rules: principle, material-scope, export-of-benefits")
    unequal = check(
        directory_options, *question, "--result", "refused", "--refused-on", "nationality"
    )
    assert unequal.exit_code == 1
    assert unequal.output.startswith("refused [unequal-treatment]: IN-DE contains equality")


def test_an_extension_is_asked_with_extension_agreed(directory_options: list[str]) -> None:
    question = (*IN_TO_DE, "--person-status", "employed", "--posting-months", "60")
    refused = check(directory_options, *question)
    assert refused.exit_code == 1
    assert "no such extension is agreed" in refused.output
    agreed = check(directory_options, *question, "--extension-agreed")
    assert agreed.exit_code == 0, agreed.output
    assert agreed.output.splitlines()[0] == (
        "permitted under IN-DE: a posting of 60 months keeps within the 48 months of agreement "
        "IN-DE and the extension of up to 12 months both institutions agreed"
    )


def test_inputs_that_do_not_fit_the_question_are_errors(directory_options: list[str]) -> None:
    for options, error in (
        (("--result", "granted"), "error: --result is for a BenefitDecision"),
        (("--person-status", "retired"), "error: --person-status: unknown in ['retired']"),
        (("--extension-agreed",), "error: --extension-agreed needs --posting-months"),
        (("--payment-country", "IN"), "error: --payment-country and --refused-on need --result"),
    ):
        result = check(directory_options, *IN_TO_DE, *options)
        assert result.exit_code == 2, options
        assert result.output.startswith(error), result.output
