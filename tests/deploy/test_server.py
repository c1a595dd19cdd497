"""Every example settings file loads, and the systemd unit is hardened and well formed."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from gateway.config import load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "systemd" / "ssgw-node.service"
SETTINGS_FILES = sorted(DEPLOY.rglob("*.toml"))


def test_there_are_settings_files_for_a_server_and_for_the_compose_nodes() -> None:
    names = {path.relative_to(DEPLOY).as_posix() for path in SETTINGS_FILES}
    assert {"config/node.toml", "config/node-sqlite.toml", "compose/fr-cnav.toml"} <= names


@pytest.mark.parametrize("path", SETTINGS_FILES, ids=lambda p: p.relative_to(DEPLOY).as_posix())
def test_each_example_settings_file_is_valid_node_settings(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the file counts, not this machine's environment.
    for name in [n for n in os.environ if n.startswith("GATEWAY_")]:
        monkeypatch.delenv(name)
    settings = load_settings(path)
    assert settings.institution


def unit() -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT, encoding="utf-8")
    return parser


def test_the_unit_runs_the_node_as_its_own_user_with_the_system_locked_down() -> None:
    service = unit()["Service"]
    assert service["User"] == "ssgw" or service.get("DynamicUser") == "yes"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "RestrictSUIDSGID": "yes",
        "CapabilityBoundingSet": "",
        "UMask": "0077",
    }.items():
        assert service[key] == value, key
    assert service["StateDirectory"] == "ssgw"
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


def test_the_unit_s_commands_are_real_ssgw_commands(
    check_ssgw: Callable[[Sequence[str]], None],
) -> None:
    service = unit()["Service"]
    for key in ("ExecStartPre", "ExecStart"):
        words = shlex.split(service[key])
        assert words[0] == "/opt/ssgw/bin/ssgw"
        check_ssgw(words[1:])
    assert shlex.split(service["ExecStart"])[1] == "run"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # Verify checks that the commands exist: point them at this environment's ssgw.
    ssgw = Path(sys.executable).parent / "ssgw"
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text(encoding="utf-8").replace("/opt/ssgw/bin/ssgw", str(ssgw)))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(copy)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Unknown key" not in result.stderr and "Unknown lvalue" not in result.stderr
