"""``ssgw-backoffice``: one reference back-office as a process of its own."""

from __future__ import annotations

import datetime as dt
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from gateway.api import create_app
from gateway.node import Node
from support import serving


def backoffice(*args: str) -> list[str]:
    return [sys.executable, "-m", "gateway.demo.backoffice", *args]


def test_an_institution_without_a_sample_register_is_refused_in_one_line(
    pki_dir: Path, signed_directory_file: Path, tmp_path: Path
) -> None:
    key = tmp_path / "key"
    key.write_text("ssgw_key\n")
    result = subprocess.run(
        backoffice(
            *("--node", "http://127.0.0.1:9", "--institution", "XX:NOBODY"),
            *("--api-key-file", str(key), "--directory", str(signed_directory_file)),
            *("--authority", str(pki_dir / "authority.pem")),
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: no sample register for XX:NOBODY (known: ")
    assert "Traceback" not in result.stderr


def test_it_answers_its_node_s_inbox_until_sigterm(
    make_node: Callable[..., Node], pki_dir: Path, signed_directory_file: Path, tmp_path: Path
) -> None:
    node = make_node("DE:DRV70001", real_time=True)
    key = tmp_path / "key"
    key.write_text(node.store.create_api_client("reference", dt.datetime.now(dt.UTC)))
    with serving(create_app(node)) as url:
        process = subprocess.Popen(
            backoffice(
                *("--node", url, "--institution", "DE:DRV70001", "--wait", "0.2"),
                *("--api-key-file", str(key), "--directory", str(signed_directory_file)),
                *("--authority", str(pki_dir / "authority.pem")),
            ),
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # It says so once its signal handlers are in place: a SIGTERM before that, while
            # a loaded machine is still importing, would end it the default way.
            started = _first_line(process, f"answering the inbox of DE:DRV70001 at {url}")
            time.sleep(1)
            assert process.poll() is None
        finally:
            process.send_signal(signal.SIGTERM)
            _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, started + errors
    assert "did not answer" not in started + errors


def _first_line(process: subprocess.Popen[str], wanted: str) -> str:
    """What the process wrote to stderr up to the line holding ``wanted``."""
    assert process.stderr is not None
    seen = ""
    deadline = time.monotonic() + 60
    while wanted not in seen:
        remaining = deadline - time.monotonic()
        readable, _, _ = select.select([process.stderr], [], [], max(remaining, 0))
        line = process.stderr.readline() if readable else ""
        assert line, f"it did not start in time: {seen}"
        seen += line
    return seen
