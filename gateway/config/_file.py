"""Writing settings back as a file ``load_settings`` reads to equal settings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from gateway.config._settings import NodeSettings

__all__ = ["settings_toml"]


def settings_toml(settings: NodeSettings | Mapping[str, Any], **replaced: Any) -> str:
    """Settings (or the values of a settings file) as a TOML file that :func:`load_settings`
    reads back to equal settings; ``replaced`` values (paths moved by a restore, say) take
    the place of the current ones.

    Unset optional values are left out. Strings are written as TOML basic strings, whose
    escapes JSON's are a subset of.
    """
    values = (
        settings.model_dump(mode="json") if isinstance(settings, NodeSettings) else dict(settings)
    )
    values.update(replaced)
    lines: list[str] = []
    tables: list[str] = []
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, list) and all(isinstance(item, dict) for item in value):
            for item in value:
                tables.append(f"\n[[{name}]]")
                tables.extend(f"{key} = {_toml_value(item[key])}" for key in item)
        else:
            lines.append(f"{name} = {_toml_value(value)}")
    return "\n".join(lines + tables) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, int | float | str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"no TOML form for {type(value).__name__}")
