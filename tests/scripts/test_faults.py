"""The fault-injection suite, small: real node processes on a private RabbitMQ and a private
PostgreSQL, killed and flooded with copies and poison, lose and duplicate nothing."""

from __future__ import annotations

import pytest

from support import load_script

pytestmark = [pytest.mark.broker, pytest.mark.database, pytest.mark.slow]


def test_a_small_fault_run_loses_and_duplicates_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    faults = load_script("faults")
    scenarios = ["kill-sender", "kill-receiver", "duplicates", "poison"]
    arguments = ["--count", "200", "--drain-timeout", "120"]
    for scenario in scenarios:
        arguments += ["--scenario", scenario]
    code = faults.main(arguments)
    report = capsys.readouterr().out
    assert code == 0, report
    for scenario in scenarios:
        assert f"== {scenario}: PASS" in report
    assert "lost 0" in report and "delivered twice 0" in report
