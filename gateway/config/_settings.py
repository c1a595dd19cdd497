"""The settings object itself: every setting, its bounds and its description."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from gateway.codes import InstitutionId, InvalidIdentifier, parse_institution_id
from gateway.documents import CaseType

__all__ = ["EncryptionKeyFiles", "NodeSettings"]


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
    person_index_key: Path | None = Field(
        None,
        description="The secret key of the blind index of persons (searching messages by a "
        "person's PIN, names, birth date or case reference): made at the node's first start "
        "(mode 0600) when missing. None: person-index.key beside signing_key.",
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
    # Anchoring the evidence chains with RFC 3161 time-stamps (docs/operations.md).
    tsa_url: str | None = Field(
        None,
        pattern=r"^https?://\S+$",
        description="The RFC 3161 time-stamping authority (TSA) that anchors the trace and "
        "audit chains' heads, e.g. http://tsa.example/tsr. None: no anchoring.",
    )
    tsa_certificate: Path | None = Field(
        None,
        validate_default=True,
        description="The certificate of the CA that issued the TSA's certificate (PEM): "
        "tokens must be signed by a certificate it issued for time-stamping. Needed with "
        "tsa_url, and by 'ssgw audit verify' to check the anchors kept.",
    )
    anchor_interval_seconds: float = Field(
        3600.0, ge=10, le=86_400, description="How often the running node anchors the chains."
    )
    unanchored_limit_hours: float = Field(
        24.0,
        validate_default=True,
        gt=0,
        le=720,
        description="With tsa_url set: once the newest anchor (or, before the first, the "
        "oldest chain row) is older than this, the node refuses new submits (503, "
        "'unanchored') until an anchor succeeds again. Must exceed anchor_interval_seconds.",
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

    @field_validator("tsa_certificate")
    @classmethod
    def _tsa_vouched(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if value is None and info.data.get("tsa_url") is not None:
            raise ValueError("needed with tsa_url: the CA that vouches for the TSA's tokens")
        return value

    @field_validator("unanchored_limit_hours")
    @classmethod
    def _limit_past_interval(cls, value: float, info: ValidationInfo) -> float:
        interval = info.data.get("anchor_interval_seconds")
        if interval is not None and value * 3600 <= interval:
            raise ValueError(
                f"{value:g} hours is not longer than anchor_interval_seconds ({interval:g} s)"
            )
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
    def person_index_key_file(self) -> Path:
        """Where the key of the blind index of persons is kept."""
        return self.person_index_key or self.signing_key.parent / "person-index.key"

    @property
    def reply_due(self) -> dict[CaseType, dt.timedelta]:
        """How long a recipient has to answer, per case type (every type has a period)."""
        return {
            case_type: dt.timedelta(days=self.reply_due_days.get(case_type, 60.0))
            for case_type in CaseType
        }


#: The prefix of the settings' environment variables (NodeSettings.model_config).
