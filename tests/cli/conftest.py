"""Fixtures the command-line tests share."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def directory_options(pki_dir: Path, signed_directory_file: Path) -> list[str]:
    """The options naming the session's signed sample directory and its authority."""
    return [
        "--directory",
        str(signed_directory_file),
        "--authority",
        str(pki_dir / "authority.pem"),
    ]
