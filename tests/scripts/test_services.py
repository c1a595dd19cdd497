"""scripts/services.sh on a machine without RabbitMQ and PostgreSQL: it installs their
packages, starts them and prepares the test database; without root it says in one line what
to run. The machine is simulated: a network namespace of the test's own (so nothing answers on
5672 or 5432), a PATH without the services' programs, and stand-ins for apt-get and the
programs it would install, which record what they are asked and open the ports."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The ordinary tools the script and the stand-ins use; the services' own programs are left
# out on purpose.
TOOLS = ["bash", "env", "seq", "sleep", "timeout", "ls", "head", "sed", "cp", "basename", "nohup"]

LISTENER = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
nohup "{python}" -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", {port})); s.listen(); time.sleep(600)' >/dev/null 2>&1 &
echo $! >> "{pids}"
"""
RECORDER = '#!/bin/sh\necho "$(basename "$0") $*" >> "{log}"\n'

APT_GET = """#!/bin/sh
echo "apt-get $*" >> "{log}"
[ "$1" = install ] || exit 0
for package in "$@"; do
    case "$package" in
        rabbitmq-server) cp "{stubs}/rabbitmq-server" "{stubs}/rabbitmqctl" "{bin}/" ;;
        postgresql) cp "{stubs}/pg_ctlcluster" "{stubs}/runuser" "{bin}/" ;;
    esac
done
"""
# What psql, run through runuser, answers about the new cluster.
RUNUSER = """#!/bin/sh
echo "runuser $*" >> "{log}"
case "$*" in *hba_file*) echo "{hba}" ;; esac
"""


def _machine(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    bin_dir, stubs = tmp_path / "bin", tmp_path / "stubs"
    bin_dir.mkdir()
    stubs.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    hba = tmp_path / "pg_hba.conf"
    hba.write_text("host all all 127.0.0.1/32 scram-sha-256\n")
    values = {
        "log": str(tmp_path / "calls.log"),
        "pids": str(tmp_path / "pids"),
        "python": sys.executable,
        "stubs": str(stubs),
        "bin": str(bin_dir),
        "hba": str(hba),
    }
    scripts = {
        bin_dir / "apt-get": APT_GET,
        stubs / "rabbitmq-server": LISTENER.replace("{port}", "5672"),
        stubs / "pg_ctlcluster": LISTENER.replace("{port}", "5432"),
        stubs / "rabbitmqctl": RECORDER,
        stubs / "runuser": RUNUSER,
    }
    for path, text in scripts.items():
        path.write_text(text.format(**values))
        path.chmod(0o755)
    return bin_dir, values


def _run(bin_dir: Path, *, as_user: bool = False) -> subprocess.CompletedProcess[str]:
    if as_user:
        (bin_dir / "id").write_text("#!/bin/sh\necho 1000\n")
        (bin_dir / "id").chmod(0o755)
    else:
        (bin_dir / "id").symlink_to(shutil.which("id") or "id")
    environment = {"PATH": str(bin_dir), "HOME": os.environ.get("HOME", "/root")}
    loopback = f"{shutil.which('ip')} link set lo up && exec bash {ROOT / 'scripts/services.sh'}"
    return subprocess.run(
        [shutil.which("unshare") or "unshare", "-n", "bash", "-c", loopback],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _stop_listeners(pids: Path) -> None:
    for pid in pids.read_text().split() if pids.exists() else []:
        os.kill(int(pid), signal.SIGTERM)


@pytest.fixture
def namespaces() -> None:
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0 or shutil.which("ip") is None:
        pytest.skip("this machine cannot make a network namespace (unshare -n)")


@pytest.mark.usefixtures("namespaces")
def test_missing_services_are_installed_started_and_prepared(tmp_path: Path) -> None:
    bin_dir, values = _machine(tmp_path)
    try:
        result = _run(bin_dir)
    finally:
        _stop_listeners(Path(values["pids"]))
    assert result.returncode == 0, result.stderr
    calls = Path(values["log"]).read_text().splitlines()
    assert "apt-get install -y -qq rabbitmq-server" in calls
    assert "apt-get install -y -qq postgresql" in calls
    assert "rabbitmq-server -detached" in calls
    assert any(call.startswith("pg_ctlcluster --skip-systemctl-redirect") for call in calls)
    assert "runuser -u postgres -- createdb test" in calls
    # Only the cluster it installed trusts the tests' password-less loopback user.
    first = Path(values["hba"]).read_text().splitlines()[0]
    assert first == "host all postgres 127.0.0.1/32 trust"


@pytest.mark.usefixtures("namespaces")
def test_without_root_it_names_what_to_install_in_one_line(tmp_path: Path) -> None:
    bin_dir, values = _machine(tmp_path)
    result = _run(bin_dir, as_user=True)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: rabbitmq-server is not installed; as root run: apt-get install -y rabbitmq-server"
    ]
    assert not Path(values["log"]).exists()
