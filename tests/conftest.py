"""Shared fixtures: a fresh PKI and signed sample directory per test session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.codes import InstitutionId
from gateway.directory import Directory, load_directory
from gateway.exchange import Credentials
from gateway.security import init_authority, issue_institution, load_certificate
from support import EXAMPLES, INSTITUTIONS


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    init_authority(folder)
    for institution in INSTITUTIONS:
        issue_institution(folder, InstitutionId(institution))
    return folder


@pytest.fixture(scope="session")
def signed_directory_file(pki_dir: Path) -> Path:
    """The sample directory, with the session's certificates, signed by its authority."""
    from typer.testing import CliRunner

    from gateway.cli import app

    target = pki_dir / "directory.xml"
    result = CliRunner().invoke(
        app,
        [
            "directory",
            "sign",
            str(EXAMPLES / "Directory.xml"),
            "--pki",
            str(pki_dir),
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="session")
def directory(signed_directory_file: Path, pki_dir: Path) -> Directory:
    return load_directory(
        signed_directory_file.read_bytes(), load_certificate(pki_dir / "authority.pem")
    )


@pytest.fixture(scope="session")
def credentials(pki_dir: Path) -> Callable[[str], Credentials]:
    cache: dict[str, Credentials] = {}

    def load(institution: str) -> Credentials:
        if institution not in cache:
            cache[institution] = Credentials.from_pki(pki_dir, InstitutionId(institution))
        return cache[institution]

    return load


@pytest.fixture
def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
