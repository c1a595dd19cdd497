"""Progress bars: drawn on standard error for someone at a terminal, never otherwise, and
counting every step of the work they follow."""

from __future__ import annotations

import datetime as dt
import os
import pty
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import _progress, app
from gateway.cli._backup import create_backup, restore_backup
from gateway.cli._progress import progress
from gateway.config import settings_toml
from gateway.node import Node
from support import Steps

runner = CliRunner()


def test_nothing_is_drawn_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with progress("counting", 3) as advance:
        for _ in range(3):
            advance()
    assert capsys.readouterr() == ("", "")


def test_a_bar_is_drawn_at_a_terminal_on_standard_error() -> None:
    script = (
        "from gateway.cli._progress import progress\n"
        "with progress('counting', None) as advance:\n"
        "    advance(0, total=3)\n"
        "    for _ in range(3):\n"
        "        advance()\n"
    )
    main, terminal = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-c", script], stdout=terminal, stderr=terminal, stdin=subprocess.DEVNULL
    ) as child:
        os.close(terminal)
        shown = b""
        while chunk := _read(main):
            shown += chunk
    os.close(main)
    assert child.returncode == 0
    assert b"counting" in shown and b"3/3" in shown


def _read(descriptor: int) -> bytes:
    try:
        return os.read(descriptor, 4096)
    except OSError:  # the child closed the terminal
        return b""


def test_backup_and_restore_count_every_step(
    make_node: Callable[[str], Node],
    database_url: Callable[[str], str],
    database_kind: str,
    tmp_path: Path,
) -> None:
    node = make_node("FR:CNAV")
    archive, made, restored = tmp_path / "backup.tar.gz", Steps(), Steps()
    now = dt.datetime.now(dt.UTC)
    create_backup(node.settings, archive, include_keys=True, now=now, advance=made)
    assert made.total is not None and made.done == made.total
    into = database_url("restored") if database_kind != "sqlite" else None
    target = tmp_path / "restored"
    restore_backup(archive, target, database_url=into, force=False, advance=restored)
    assert restored.total is not None and restored.done == restored.total


def test_a_backup_at_a_terminal_prints_the_same_lines(
    make_node: Callable[[str], Node],
    database_url: Callable[[str], str],
    database_kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_progress, "watched", lambda: True)
    config = tmp_path / "node.toml"
    config.write_text(settings_toml(make_node("FR:CNAV").settings))
    archive = tmp_path / "backup.tar.gz"
    made = runner.invoke(app, ["backup", "create", "--config", str(config), "-o", str(archive)])
    assert made.exit_code == 0, made.output
    assert made.stdout.startswith("backed up FR:CNAV (")
    options = ["--database-url", database_url("restored")] if database_kind != "sqlite" else []
    restored = runner.invoke(
        app, ["backup", "restore", str(archive), "--target", str(tmp_path / "restored"), *options]
    )
    assert restored.exit_code == 0, restored.output
    assert restored.stdout.startswith("restored FR:CNAV from ")
