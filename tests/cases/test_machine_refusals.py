"""The case state machine refuses each step it does not allow, with a tested reason of its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import gateway.cases
from cases import refused_answers, refused_coverage_flows, refused_documents
from cases.case_stories import (
    Scenario,
    refusal,
)
from gateway.errors import GatewayError

REFUSALS = [
    *refused_documents.REFUSALS.scenarios,
    *refused_answers.REFUSALS.scenarios,
    *refused_coverage_flows.REFUSALS.scenarios,
]


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [pytest.param(scenario, reason, id=scenario.__name__) for scenario, reason in REFUSALS],
)
def test_step_is_refused(scenario: Scenario, reason: str) -> None:
    story, step = scenario()
    error = refusal(story, step)
    assert error.reason == reason, error.detail
    assert error.code == "case-state"
    assert error.message_id == step.message_id
    assert isinstance(error, GatewayError)
    assert error.detail == str(error)


def _reasons_in_source() -> set[str]:
    """Every string literal of the package's modules that starts ``case.``, however it is
    spelled, so that a reason the kebab-case rule would refuse is seen too."""
    package = Path(gateway.cases.__file__).parent
    return {
        node.value
        for module in package.glob("*.py")
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.startswith("case.")
    }


def test_every_refusal_reason_is_tested() -> None:
    assert {reason for _, reason in REFUSALS} == _reasons_in_source()


def test_refusal_reasons_are_kebab_case() -> None:
    for reason in _reasons_in_source():
        assert re.fullmatch(r"case\.[a-z0-9]+(-[a-z0-9]+)*", reason), reason


def test_refusal_details_are_one_line_each() -> None:
    """Details go into rejections as they are: one line, and no placeholder left unfilled."""
    for scenario, _ in REFUSALS:
        story, step = scenario()
        detail = refusal(story, step).detail
        assert detail.strip() == detail != ""
        assert "\n" not in detail and "None" not in detail
