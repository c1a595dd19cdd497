"""The node's settings: one object, from a TOML file plus ``GATEWAY_*`` environment variables.

Environment variables override the file (``GATEWAY_DATABASE_URL``, ``GATEWAY_API_PORT``...;
nested values with ``__``). Every setting is described in docs/configuration.md; a bad
setting stops the node at start with a message naming it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from gateway.codes import InstitutionId, InvalidIdentifier, parse_institution_id
from gateway.documents import CaseType
from gateway.errors import ConfigurationError

__all__ = ["EncryptionKeyFiles", "NodeSettings", "load_settings", "settings_toml"]


def _institution(value: str) -> InstitutionId:
    try:
        return parse_institution_id(value)
    except InvalidIdentifier as error:
        raise ValueError(str(error)) from None


class EncryptionKeyFiles(BaseModel):
    """One encryption key pair; a node holds two while a rotation overlaps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Path
    certificate: Path


class NodeSettings(BaseSettings):
    """Everything a node needs to run. Paths are relative to the working directory."""

    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    institution: Annotated[str, AfterValidator(_institution)] = Field(
        description="This node's institution id, e.g. DE:DRV70001."
    )
    database_url: str = Field(
        "sqlite:///node.db",
        description="SQLAlchemy URL of the node's store: a SQLite file or PostgreSQL.",
    )
    amqp_url: str = Field(
        "amqp://guest:guest@127.0.0.1:5672/", description="The RabbitMQ bus of the network."
    )
    amqp_failover_urls: list[str] = Field(
        default_factory=list,
        max_length=16,
        description="Further members of the broker's cluster, tried in turn after amqp_url "
        "when the member in use is lost or does not answer (as JSON in the environment: "
        '["amqp://...", "amqp://..."]).',
    )
    exchange: str = Field("ssgw.network", description="The network's topic exchange.")
    queue_prefix: str = Field("ssgw.", description="Prefix of every institution's queue name.")
    dead_letter_exchange: str = Field("ssgw.dead-letter", description="Dead-letter exchange.")
    declare_topology: bool = Field(
        True,
        description="Declare the network's exchanges and queues at start; false where the "
        "operator loaded broker definitions and the node's broker user may configure nothing.",
    )
    directory_file: Path = Field(description="The signed network directory.")
    authority_certificate: Path = Field(description="The network authority's certificate.")
    signing_key: Path = Field(description="This institution's signing key (PEM).")
    signing_certificate: Path = Field(description="This institution's signing certificate.")
    encryption_keys: list[EncryptionKeyFiles] = Field(
        min_length=1, description="This institution's encryption key pairs (newest last)."
    )
    key_passphrase_file: Path | None = Field(
        None, description="File holding the passphrase of the private keys, if they have one."
    )
    api_host: str = Field("127.0.0.1", description="Address the REST API listens on.")
    api_port: int = Field(8080, ge=0, le=65535, description="Port of the REST API (0: any).")
    prefetch: int = Field(64, ge=1, le=10_000, description="Unacknowledged deliveries in flight.")
    confirm_window: int = Field(
        256, ge=1, le=10_000, description="Publishes awaiting the broker's confirm at once."
    )
    delivery_limit: int = Field(
        20, ge=1, le=1_000, description="Deliveries of one message before it is dead-lettered."
    )
    broker_connect_timeout_seconds: float = Field(
        10.0, gt=0, le=600, description="Bound on connecting to the broker."
    )
    broker_operation_timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="Bound on one broker operation (a publish until confirmed)."
    )
    broker_reconnect_interval_seconds: float = Field(
        2.0, gt=0, le=600, description="Pause between reconnection attempts."
    )
    requeue_delay_seconds: float = Field(
        1.0, ge=0, le=600, description="Pause before a delivery whose handling failed is requeued."
    )
    receipt_timeout_seconds: float = Field(
        30.0, gt=0, description="How long to wait for a receipt before resending."
    )
    max_attempts: int = Field(8, ge=1, le=100, description="Sends of one message before FAILED.")
    retry_backoff_max_seconds: float = Field(
        900.0, gt=0, description="Upper bound of the growing wait between resends."
    )
    message_time_to_live_hours: float = Field(
        168.0, gt=0, description="How long a sent message stays acceptable to its recipient."
    )
    relay_interval_seconds: float = Field(
        0.2, gt=0, le=60, description="Shortest pause of the relay between two looks at the outbox."
    )
    relay_idle_seconds: float = Field(
        5.0,
        gt=0,
        le=3_600,
        description="Longest pause of an idle relay: work another process queued (a retry from "
        "the CLI) is sent within it; work this process queues wakes the relay at once.",
    )
    relay_lease_seconds: float = Field(
        60.0,
        gt=0,
        description="How long a relay worker holds the outbox entries it took: another worker "
        "of the node publishes them only if they are still unsent by then (the first died).",
    )
    directory_reload_seconds: float = Field(
        10.0, gt=0, description="How often the node looks for a newer signed directory file."
    )
    reply_due_days: dict[CaseType, float] = Field(
        default_factory=lambda: {
            CaseType.INSURANCE_PERIODS: 60.0,
            CaseType.BENEFIT_CLAIM: 90.0,
            CaseType.COVERAGE: 30.0,
        },
        description="Days a recipient has to answer a request, per case type; a request "
        "unanswered by then is overdue and may be reminded.",
    )
    reconcile_interval_seconds: float = Field(
        30.0, gt=0, description="How often the reconciler checks that no message is stuck."
    )
    max_dwell_accepted_seconds: float = Field(
        300.0, gt=0, description="An accepted message not sent by then is reported stuck."
    )
    max_dwell_sent_seconds: float = Field(
        3600.0, gt=0, description="A sent message without a receipt by then is reported overdue."
    )
    max_dwell_inbox_hours: float = Field(
        24.0, gt=0, description="A received document the back-office has not taken by then."
    )
    retention_days: float | None = Field(
        None,
        ge=0,
        description="Days a message's payload (its sealed bytes) is kept once the message is "
        "settled (delivered, rejected, failed, acknowledged or refused); then 'ssgw retention "
        "run' removes it and keeps the metadata, digest, receipts and trace. None or 0: keep "
        "payloads for ever.",
    )
    retention_interval_hours: float | None = Field(
        None,
        gt=0,
        description="With retention_days set: the running node purges payloads every this "
        "many hours (and at start), as 'ssgw retention run' does. None: only that command "
        "purges.",
    )
    idempotency_key_hours: float = Field(
        24.0,
        ge=1,
        description="How long the node remembers a submit's Idempotency-Key and its answer: "
        "a retry within this time gets the first answer. The running node forgets older keys "
        "at each reconciliation.",
    )
    log_level: str = Field(
        "INFO", pattern="^(?i:debug|info|warning|error)$", description="Least severe log level."
    )
    max_document_bytes: int = Field(
        25 * 1024 * 1024, ge=1024, description="Largest document accepted, in bytes."
    )
    otel_endpoint: str | None = Field(
        None,
        pattern=r"^https?://\S+$",
        description=(
            "OTLP/HTTP endpoint that receives the node's traces, e.g. "
            "http://collector:4318/v1/traces (needs the 'otel' extra). Unset: no traces."
        ),
    )
    otel_service_name: str = Field(
        "ssgw-node",
        min_length=1,
        max_length=100,
        description="The service name the node's traces carry.",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("amqp_url")
    @classmethod
    def _amqp(cls, value: str) -> str:
        if not value.startswith(("amqp://", "amqps://")):
            raise ValueError("must be an amqp:// or amqps:// URL")
        return value

    @field_validator("amqp_failover_urls")
    @classmethod
    def _amqp_members(cls, value: list[str]) -> list[str]:
        for index, url in enumerate(value, start=1):
            if not url.startswith(("amqp://", "amqps://")):
                raise ValueError(f"URL {index} must be an amqp:// or amqps:// URL")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values arrive as init arguments; the environment overrides them.
        return (env_settings, init_settings)

    @property
    def institution_id(self) -> InstitutionId:
        return InstitutionId(self.institution)

    @property
    def reply_due(self) -> dict[CaseType, dt.timedelta]:
        """How long a recipient has to answer, per case type (every type has a period)."""
        return {
            case_type: dt.timedelta(days=self.reply_due_days.get(case_type, 60.0))
            for case_type in CaseType
        }


#: The prefix of the settings' environment variables (NodeSettings.model_config).
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
