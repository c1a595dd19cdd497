"""Reading the settings: the file, the environment, and one line naming every bad one."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import (
    ValidationError,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import (
    EnvSettingsSource,
    SettingsError,
)

from gateway.config._settings import NodeSettings
from gateway.errors import ConfigurationError

__all__ = ["load_settings"]

_PREFIX = "GATEWAY_"


class _Environment(EnvSettingsSource):
    """The ``GATEWAY_*`` variables, with a value that is not JSON where JSON is expected
    reported naming the variable (pydantic-settings names only the field)."""

    def prepare_field_value(
        self, field_name: str, field: FieldInfo, value: Any, value_is_complex: bool
    ) -> Any:
        try:
            return super().prepare_field_value(field_name, field, value, value_is_complex)
        except ValueError as error:
            names = _undecodable_variables(field_name) or [_variable(field_name)]
            raise ConfigurationError(
                "; ".join(
                    f"environment variable {name}: {field_name}: not valid JSON ({error})"
                    for name in names
                )
            ) from None


def load_settings(config_file: Path | None, **overrides: Any) -> NodeSettings:
    """Read the settings, or raise :class:`ConfigurationError` with one line naming every
    bad setting, where its value came from (the file or the variable) and what is wrong.

    ``overrides`` are values a command sets itself; the environment overrides them and the
    file, as it does when the node starts.
    """
    values: dict[str, Any] = {}
    if config_file is not None:
        try:
            values = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except OSError as error:
            raise ConfigurationError(f"cannot read {config_file}: {error.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigurationError(f"{config_file} is not valid TOML: {error}") from None
        values = _resolve_paths(values, config_file.resolve().parent)
    try:
        # Read apart first so that a problem can name the variable its value came from.
        environment = _Environment(NodeSettings)()
    except SettingsError as error:
        # A variable pydantic-settings could not read for another reason than JSON.
        raise ConfigurationError(f"the {_PREFIX}* environment variables: {error}") from None
    try:
        return NodeSettings(**(values | overrides))
    except ValidationError as error:
        sources = _Sources(config_file, values, overrides, environment)
        raise ConfigurationError(sources.problems(error.errors())) from None


@dataclass(frozen=True, slots=True)
class _Sources:
    """Where each value came from, so a problem names the file or the variable to correct."""

    config_file: Path | None
    file: Mapping[str, Any]
    overrides: Mapping[str, Any]
    environment: Mapping[str, Any]

    def problems(self, issues: list[ErrorDetails]) -> str:
        """Every problem, in one line: each named by its source, the missing settings together."""
        missing = [str(i["loc"][0]) for i in issues if _is_missing(i)]
        parts = [
            f"{self._source(tuple(i['loc']))}: {_setting_name(tuple(i['loc']))}: "
            + i["msg"].removeprefix("Value error, ")  # our validators' own words suffice
            for i in issues
            if not _is_missing(i)
        ]
        if missing:
            parts.append(self._missing(missing))
        return "; ".join(parts)

    def _missing(self, names: list[str]) -> str:
        variables = _variable(names[0]) if len(names) == 1 else f"{_PREFIX}<SETTING> variables"
        them = "it" if len(names) == 1 else "them"
        if self.config_file is None:
            return (
                f"missing {', '.join(names)} (give a settings file with --config, or set "
                f"{them} as {variables})"
            )
        return (
            f"{self.config_file}: missing {', '.join(names)} (set {them} there or as {variables})"
        )

    def _source(self, loc: tuple[int | str, ...]) -> str:
        # The environment overrides the rest, so a value it holds is the one that was used.
        held = _origin(
            [("environment", self.environment), ("overrides", self.overrides), ("file", self.file)],
            loc,
        )
        if held == "environment":
            return f"environment variable {_variable(*(str(part) for part in loc))}"
        if held == "overrides" or self.config_file is None:
            return "the command's options"
        return str(self.config_file)


def _is_missing(issue: ErrorDetails) -> bool:
    """A setting no source gives (a key missing inside a table is reported like any problem)."""
    return issue["type"] == "missing" and len(issue["loc"]) == 1


def _origin(sources: list[tuple[str, Mapping[str, Any]]], loc: tuple[int | str, ...]) -> str:
    """Which source (the first of ``sources`` wins) gave the value at ``loc``. Tables are
    merged key by key across sources, as pydantic-settings merges them; any other value,
    a list included, is taken whole from one source. "file" when no source holds it."""
    holding: list[tuple[str, Any]] = list(sources)
    for depth, part in enumerate(loc):
        inside = [
            (name, value[part])
            for name, value in holding
            if isinstance(value, Mapping) and part in value
        ]
        if not inside:
            return holding[0][0] if depth else "file"
        if not isinstance(inside[0][1], Mapping):  # taken whole, not merged
            return inside[0][0]
        holding = inside
    return holding[0][0] if loc else "file"


def _setting_name(loc: tuple[int | str, ...]) -> str:
    """``encryption_keys[1].key``: list items counted from 1, as the file's tables are."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part + 1}]"
        elif not part.startswith("["):  # pydantic's markers, such as [key] for a dict's key
            name += f".{part}" if name else part
    return name or "settings"


def _variable(*path: str) -> str:
    """The variable that set a value: the most specific one present, matched as
    pydantic-settings matches them (case aside); else the field's own name."""
    present = {name.upper(): name for name in os.environ}
    for length in range(len(path), 0, -1):
        wanted = (_PREFIX + "__".join(path[:length])).upper()
        if wanted in present:
            return present[wanted]
    return (_PREFIX + path[0]).upper() if path else f"{_PREFIX}*"


def _undecodable_variables(field_name: str) -> list[str]:
    """The variables of a field whose value is not JSON: the field's own if it is one of
    them, else the nested ones (``GATEWAY_FIELD__KEY``)."""
    stem = (_PREFIX + field_name).upper()
    own: list[str] = []
    nested: list[str] = []
    for name, value in os.environ.items():
        if name.upper() == stem or name.upper().startswith(stem + "__"):
            try:
                json.loads(value)
            except ValueError:
                (own if name.upper() == stem else nested).append(name)
    return own or sorted(nested)


_PATH_SETTINGS = (
    "directory_file",
    "authority_certificate",
    "signing_key",
    "signing_certificate",
    "key_passphrase_file",
    "person_index_key",
    "tsa_certificate",
)


def _resolve_paths(values: dict[str, Any], base: Path) -> dict[str, Any]:
    """Relative paths in a file are relative to the file, so a config folder can move."""

    def resolve(value: Any) -> Any:
        return (
            str(base / value) if isinstance(value, str) and not Path(value).is_absolute() else value
        )

    resolved = dict(values)
    for name in _PATH_SETTINGS:
        if name in resolved:
            resolved[name] = resolve(resolved[name])
    keys = resolved.get("encryption_keys")
    if isinstance(keys, list):
        resolved["encryption_keys"] = [
            {k: resolve(v) for k, v in pair.items()} if isinstance(pair, dict) else pair
            for pair in keys
        ]
    url = resolved.get("database_url")
    if isinstance(url, str) and url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        resolved["database_url"] = "sqlite:///" + str(base / url.removeprefix("sqlite:///"))
    return resolved
