"""ssgw directory sign: a verifiable snapshot, a bar over its steps for someone at a terminal,
and standard output and exit codes the same with or without it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from gateway.cli import _common, _directory, _progress, app
from gateway.cli._progress import Advance
from gateway.directory import Directory, load_directory
from gateway.security import KeyUse, load_certificate
from support import EXAMPLES, INSTITUTIONS

runner = CliRunner()
SOURCE = EXAMPLES / "Directory.xml"


class Bar:
    """Stands in for the progress helper and notes, in order, what the command did: the bar
    opened, each step, the bar closed, and each write of the snapshot."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[str] = []
        self.shown: list[tuple[str, int | None]] = []
        monkeypatch.setattr(_directory, "progress", self.progress)
        real_write = _common.write_output

        def write_output(path: Path | None, data: bytes) -> None:
            self.events.append("write")
            real_write(path, data)

        monkeypatch.setattr(_directory, "write_output", write_output)

    @contextmanager
    def progress(self, description: str, total: int | None) -> Iterator[Advance]:
        self.shown.append((description, total))
        self.events.append("open")

        def advance(steps: int = 1, *, total: int | None = None) -> None:
            self.events.extend(["step"] * steps)

        try:
            yield advance
        finally:
            self.events.append("close")


def sign(pki_dir: Path, *options: str) -> Result:
    return runner.invoke(app, ["directory", "sign", str(SOURCE), "--pki", str(pki_dir), *options])


def verified(data: bytes, pki_dir: Path) -> Directory:
    """The snapshot read back as a node reads it: signature, schema and all."""
    authority = load_certificate(pki_dir / "authority.pem")
    return load_directory(data, authority, at=dt.datetime.now(dt.UTC))


def assert_complete(directory: Directory) -> None:
    """Every institution of the source is listed, each with the certificates the PKI holds."""
    assert len(directory.institutions) == SOURCE.read_text().count("<Institution ")
    for institution in INSTITUTIONS:
        uses = {entry.use for entry in directory.institution(institution).certificates}
        assert uses == set(KeyUse), institution


def test_signing_to_a_file_counts_its_four_steps(
    pki_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bar, target = Bar(monkeypatch), tmp_path / "directory.xml"
    result = sign(pki_dir, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert bar.shown == [("signing Directory.xml", _directory.SIGNING_STEPS)]
    assert bar.events == ["open", "step", "step", "step", "write", "step", "close"]
    assert_complete(verified(target.read_bytes(), pki_dir))


def test_signing_to_standard_output_writes_once_the_bar_is_gone(
    pki_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bar erased after the snapshot reached the terminal would take its last lines along.
    bar = Bar(monkeypatch)
    result = sign(pki_dir)
    assert result.exit_code == 0, result.output
    assert bar.shown == [("signing Directory.xml", _directory.SIGNING_STEPS - 1)]
    assert bar.events == ["open", "step", "step", "step", "close", "write"]
    assert_complete(verified(result.stdout_bytes, pki_dir))


def test_the_bar_closes_on_a_refused_source(pki_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bar = Bar(monkeypatch)
    result = runner.invoke(
        app, ["directory", "sign", str(EXAMPLES / "BenefitClaim.xml"), "--pki", str(pki_dir)]
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "not a network directory" in result.stderr
    assert bar.events == ["open", "step", "step", "close"]


def test_at_a_terminal_standard_output_is_the_snapshot_alone(
    pki_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_progress, "watched", lambda: True)
    result = sign(pki_dir)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<?xml ")
    assert_complete(verified(result.stdout_bytes, pki_dir))


def test_without_a_terminal_nothing_is_drawn(pki_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "directory.xml"
    result = sign(pki_dir, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("", "")
    assert_complete(verified(target.read_bytes(), pki_dir))
