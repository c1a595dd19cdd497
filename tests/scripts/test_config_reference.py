"""docs/configuration.md is the generated reference of every setting."""

from __future__ import annotations

from pathlib import Path

from gateway.config import NodeSettings
from support import load_script

ROOT = Path(__file__).resolve().parents[2]


def _reference() -> str:
    text: str = load_script("config_reference").reference()
    return text


def test_the_committed_reference_is_current() -> None:
    assert (ROOT / "docs" / "configuration.md").read_text() == _reference()


def test_every_setting_is_described() -> None:
    for name, field in NodeSettings.model_fields.items():
        assert field.description, name
        assert f"`GATEWAY_{name.upper()}`" in _reference()
