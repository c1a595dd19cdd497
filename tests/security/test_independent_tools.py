"""Independent implementations agree: xmlsec1 verifies our signatures, jose opens our JWE."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.directory import Directory
from gateway.exchange import Credentials, prepare_outbound
from support import example

pytestmark = pytest.mark.tools


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; the test command installs it (Debian package)")
    return path


@pytest.mark.parametrize("name", ["InsurancePeriodsRequest", "BenefitClaim"])
def test_xmlsec1_verifies_our_signature(
    name: str,
    tmp_path: Path,
    pki_dir: Path,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    now: dt.datetime,
) -> None:
    sender, recipient = (
        ("FR:CNAV", "DE:DRV70001")
        if "Periods" in name
        else (
            "DE:DRV70001",
            "FR:CNAV",
        )
    )
    outbound = prepare_outbound(
        example(name),
        credentials=credentials(sender),
        directory=directory,
        recipient=recipient,
        now=now,
    )
    signed = tmp_path / "signed.xml"
    signed.write_bytes(outbound.signed_envelope)
    result = subprocess.run(
        [
            _tool("xmlsec1"),
            "--verify",
            "--trusted-pem",
            str(pki_dir / "authority.pem"),
            str(signed),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stderr

    # and it notices tampering, too
    signed.write_bytes(
        outbound.signed_envelope.replace(b'schemaVersion="1.0"', b'schemaVersion="1.1"', 1)
    )
    tampered = subprocess.run(
        [
            _tool("xmlsec1"),
            "--verify",
            "--trusted-pem",
            str(pki_dir / "authority.pem"),
            str(signed),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert tampered.returncode != 0


def test_jose_opens_our_encryption(
    tmp_path: Path,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    now: dt.datetime,
) -> None:
    outbound = prepare_outbound(
        example("InsurancePeriodsRequest"),
        credentials=credentials("FR:CNAV"),
        directory=directory,
        recipient="DE:DRV70001",
        now=now,
    )
    token = tmp_path / "message.jwe"
    token.write_bytes(outbound.sealed)
    key = tmp_path / "key.jwk"
    key.write_text(json.dumps(credentials("DE:DRV70001").decryption[0].jwk.as_dict(private=True)))
    result = subprocess.run(
        [_tool("jose"), "jwe", "dec", "-i", str(token), "-k", str(key)],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == outbound.signed_envelope
