"""What every command line of the project shares: a start that imports only what the command
needs, ``--version``, and usage mistakes told in one ``error:`` line with exit code 2."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest
import typer
import typer.core
import typer.main
from typer.testing import CliRunner, Result

from gateway.cli import COMMANDS, app
from gateway.demo.backoffice.cli import main as backoffice_main
from ssgw_adapters.cli import main as adapter_main
from support import EXAMPLES

runner = CliRunner()

#: What no command's help or validation may wait for: the store, the node, its web server,
#: the console, the adapters' HTTP client, and rich (which plain help does not use).
HEAVY = (
    "sqlalchemy",
    "gateway.store",
    "gateway.node",
    "fastapi",
    "gateway.console",
    "ssgw_adapters",
    "rich",
)


def imported_by(*args: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``ssgw ARGS``."""
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from gateway.cli import app\n"
        f"CliRunner().invoke(app, {list(args)!r})\n"
        "print('\\n'.join(sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY))


def test_help_imports_no_command() -> None:
    modules = imported_by("--help")
    assert heavy(modules) == []
    assert sorted(m for m in modules if m.startswith("gateway.")) == [
        "gateway.cli",
        "gateway.cli._lazy",
    ]


def test_validate_imports_what_validating_needs_only() -> None:
    modules = imported_by("validate", str(EXAMPLES / "BenefitClaim.xml"))
    assert "gateway.documents" in modules
    assert heavy(modules) == []
    assert "gateway.cli._envelopes" not in modules


@pytest.mark.parametrize("name", [command.name for command in COMMANDS])
def test_every_listed_command_loads_and_answers_help(name: str) -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    assert name in group.commands
    assert group.get_command(typer.Context(group), name) is not None
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Usage: ssgw {name} ")


def test_the_command_list_shows_every_command_without_loading_it() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert f"  {command.name}" in result.stdout
    assert "--version" in result.stdout


def test_version_is_the_installed_one() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"ssgw {version('ssgw')}\n"


def test_a_group_without_a_command_shows_its_help() -> None:
    for args in ([], ["pki"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        assert result.stdout.startswith("Usage: ")
        assert result.stderr == ""


USAGE_MISTAKES = [
    (["validate"], "error: Missing argument 'files'."),
    (["validate", "--bogus", "x.xml"], "error: No such option: --bogus"),
    (["pki", "init", "pki", "--valid-days", "many"], "error: Invalid value for '--valid-days'"),
    (["validat", "x.xml"], "error: No such command 'validat'. Did you mean 'validate'?"),
    (["pki", "renew"], "error: No such command 'renew'."),
    (["--bogus"], "error: No such option: --bogus"),
]


def one_error_line(result: Result, start: str) -> None:
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(start), line


@pytest.mark.parametrize(("args", "start"), USAGE_MISTAKES)
def test_a_usage_mistake_is_one_line_and_exit_2(args: list[str], start: str) -> None:
    one_error_line(runner.invoke(app, args), start)


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["webhook", "status"], "error: Missing option '--state'."),
        (["webhook", "status", "--bogus"], "error: No such option: --bogus"),
        (["folder", "run", "--node", "http://n", "--root", ".", "--interval", "x"], "error: "),
    ],
)
def test_the_adapters_run_inside_ssgw_with_the_same_errors(
    args: list[str], start: str, capsys: pytest.CaptureFixture[str]
) -> None:
    one_error_line(runner.invoke(app, ["adapter", *args]), start)
    assert adapter_main(args) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(start)


def test_the_adapters_help_is_theirs_under_ssgw() -> None:
    result = runner.invoke(app, ["adapter", "webhook", "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ssgw adapter webhook ")
    assert "status" in result.stdout


@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["serve", "--bogus"], "error: No such option: --bogus"),
        (["serve"], "error: Missing option '--node'."),
        (["serve", "--wait", "x"], "error: Invalid value for '--wait'"),
    ],
)
def test_the_backoffice_command_tells_mistakes_in_one_line(
    args: list[str], start: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert backoffice_main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith(start), line


def test_the_installed_script_tells_a_mistake_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "validate", "--bogus"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "error: No such option: --bogus\n"
