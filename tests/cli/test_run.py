"""``ssgw run`` as a real process: two nodes exchange a document, then stop cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.codes import InstitutionId
from gateway.security import KeyUse, institution_files
from support import AMQP_URL, delete_topology, example_bytes

pytestmark = pytest.mark.broker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def write_config(
    folder: Path, pki_dir: Path, directory_file: Path, institution: str, run: str
) -> tuple[Path, int]:
    files = institution_files(pki_dir, InstitutionId(institution))
    port = free_port()
    config = folder / f"{institution.replace(':', '_')}.toml"
    config.write_text(
        f'''institution = "{institution}"
database_url = "sqlite:///{folder / (institution.replace(":", "_") + ".db")}"
amqp_url = "{AMQP_URL}"
exchange = "ssgw.r{run}.network"
queue_prefix = "ssgw.r{run}."
dead_letter_exchange = "ssgw.r{run}.dead-letter"
directory_file = "{directory_file}"
authority_certificate = "{pki_dir / "authority.pem"}"
signing_key = "{files.key(KeyUse.SIGNING)}"
signing_certificate = "{files.certificate(KeyUse.SIGNING)}"
api_port = {port}
relay_interval_seconds = 0.05

[[encryption_keys]]
key = "{files.key(KeyUse.ENCRYPTION)}"
certificate = "{files.certificate(KeyUse.ENCRYPTION)}"
'''
    )
    return config, port


def ssgw(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def request(url: str, key: str = "", data: bytes | None = None) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/xml"}
    method = "POST" if data else "GET"
    call = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(call, timeout=10) as response:  # noqa: S310 (local test server)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_until(check: object, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def nodes(
    tmp_path: Path, pki_dir: Path, signed_directory_file: Path
) -> Iterator[dict[str, tuple[Path, int, subprocess.Popen[bytes]]]]:
    run = uuid.uuid4().hex[:8]
    started: dict[str, tuple[Path, int, subprocess.Popen[bytes]]] = {}
    for institution in ("FR:CNAV", "DE:DRV70001"):
        config, port = write_config(tmp_path, pki_dir, signed_directory_file, institution, run)
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "run", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        started[institution] = (config, port, process)
    yield started
    for _, _, process in started.values():
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    asyncio.run(
        delete_topology(
            {
                "queue_prefix": f"ssgw.r{run}.",
                "exchange": f"ssgw.r{run}.network",
                "dead_letter_exchange": f"ssgw.r{run}.dead-letter",
            }
        )
    )


@pytest.mark.slow
def test_two_node_processes_exchange_a_document_and_stop_on_sigterm(
    nodes: dict[str, tuple[Path, int, subprocess.Popen[bytes]]],
) -> None:
    keys = {}
    for institution, (config, port, _) in nodes.items():
        created = ssgw("apikey", "create", "back-office", "--config", str(config))
        assert created.returncode == 0, created.stderr
        keys[institution] = created.stdout.strip()
        wait_until(
            lambda port=port: request(f"http://127.0.0.1:{port}/readyz")[0] == 200,
            f"{institution} ready",
        )

    france_port, germany_port = nodes["FR:CNAV"][1], nodes["DE:DRV70001"][1]
    status, accepted = request(
        f"http://127.0.0.1:{france_port}/api/v1/messages?recipient=DE:DRV70001",
        keys["FR:CNAV"],
        example_bytes("InsurancePeriodsRequest"),
    )
    assert status == 202, accepted
    wait_until(
        lambda: (
            request(
                f"http://127.0.0.1:{france_port}/api/v1/messages/{accepted['id']}", keys["FR:CNAV"]
            )[1]["status"]
            == "delivered"
        ),
        "delivery",
    )
    _, inbox = request(f"http://127.0.0.1:{germany_port}/api/v1/inbox", keys["DE:DRV70001"])
    items = inbox["items"]
    assert isinstance(items, list)
    assert [item["id"] for item in items] == [accepted["id"]]

    for _, _, process in nodes.values():
        process.send_signal(signal.SIGTERM)
    for institution, (_, _, process) in nodes.items():
        output = process.communicate(timeout=20)[0].decode()
        assert process.returncode == 0, (institution, output)
        assert "Traceback" not in output


def test_a_bad_configuration_is_one_clear_line(tmp_path: Path) -> None:
    config = tmp_path / "node.toml"
    config.write_text('institution = "DE:drv"\n')
    result = ssgw("run", "--config", str(config))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "institution" in result.stderr
    assert "Traceback" not in result.stderr
