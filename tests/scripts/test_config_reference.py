"""docs/configuration.md is the generated reference of every setting."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from gateway.config import NodeSettings

ROOT = Path(__file__).resolve().parents[2]


def _reference() -> str:
    spec = importlib.util.spec_from_file_location(
        "config_reference", ROOT / "scripts" / "config_reference.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.reference()
    return text


def test_the_committed_reference_is_current() -> None:
    assert (ROOT / "docs" / "configuration.md").read_text() == _reference()


def test_every_setting_is_described() -> None:
    for name, field in NodeSettings.model_fields.items():
        assert field.description, name
        assert f"`GATEWAY_{name.upper()}`" in _reference()
