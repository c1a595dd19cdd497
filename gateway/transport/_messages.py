"""What travels on the bus: the message a node publishes and the delivery a node receives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from gateway.transport._settings import check_routing_key

CONTENT_TYPE = "application/jose"
"""The sealed document is a compact JWE."""
APP_ID = "ssgw"
SENDER_HEADER = "sender"
RECIPIENT_HEADER = "recipient"
REASON_HEADER = "x-ssgw-reason"
"""Set on a copy in the dead-letter queue: why the consuming node refused the message."""
ORIGINAL_QUEUE_HEADER = "x-ssgw-original-queue"
ORIGINAL_ROUTING_KEY_HEADER = "x-ssgw-original-routing-key"

_SHORT_STRING_BYTES = 255
_FIELD_NAME_BYTES = 128


def _short(label: str, value: str, *, required: bool) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{label} must be a str")
    if required and not value:
        raise ValueError(f"{label} must not be empty")
    if len(value.encode()) > _SHORT_STRING_BYTES:
        raise ValueError(f"{label} is longer than {_SHORT_STRING_BYTES} bytes")


@dataclass(frozen=True, slots=True)
class BusMessage:
    """One sealed document as it goes on the bus, with its routing fields in clear.

    ``body`` is the JWE; the receiver checks ``sender``, ``recipient`` and ``message_id``
    against the signed envelope header. ``headers`` are extra AMQP headers; the names
    ``sender``, ``recipient`` and anything starting with ``x-`` are reserved.
    """

    body: bytes
    message_id: str
    correlation_id: str
    """The case id."""
    type: str
    """The document type name."""
    sender: str
    recipient: str
    routing_key: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.body, bytes):
            raise TypeError("body must be bytes")
        _short("message_id", self.message_id, required=True)
        _short("correlation_id", self.correlation_id, required=False)
        _short("type", self.type, required=False)
        for label, value in (("sender", self.sender), ("recipient", self.recipient)):
            if not isinstance(value, str) or not value:
                raise ValueError(f"{label} must be a non-empty str")
        check_routing_key(self.routing_key)
        headers = dict(self.headers)
        for name, value in headers.items():
            if not isinstance(name, str) or not 0 < len(name.encode()) <= _FIELD_NAME_BYTES:
                raise ValueError(f"header name {name!r} is empty or longer than 128 bytes")
            if name in {SENDER_HEADER, RECIPIENT_HEADER} or name.lower().startswith("x-"):
                raise ValueError(f"header {name!r} is reserved")
            if not isinstance(value, str):
                raise TypeError(f"header {name!r} must have a str value")
        object.__setattr__(self, "headers", MappingProxyType(headers))

    def amqp_headers(self) -> dict[str, str]:
        """The AMQP headers table this message is published with."""
        return {**self.headers, SENDER_HEADER: self.sender, RECIPIENT_HEADER: self.recipient}


@dataclass(frozen=True, slots=True)
class DeathRecord:
    """One entry of the broker's ``x-death`` header: where and why a message was dead-lettered."""

    queue: str
    reason: str
    """``rejected``, ``expired``, ``maxlen`` or ``delivery_limit``, as the broker says."""
    count: int
    exchange: str
    routing_keys: tuple[str, ...]


class Settlement(Protocol):
    """How a delivery is answered; the consumer supplies it."""

    @property
    def settled(self) -> bool: ...

    async def ack(self) -> None: ...

    async def requeue(self) -> None: ...

    async def dead_letter(self, reason: str) -> None: ...


@dataclass(frozen=True, slots=True, eq=False)
class IncomingDelivery:
    """A message the broker delivered to a consumer, to be settled exactly once.

    The fields mirror :class:`BusMessage`. A property that is missing or not text is an empty
    string here, never an exception, so the node can refuse the message with a reason. Settle
    with :meth:`ack` (stored, done), :meth:`reject_to_dead_letter` (refused for good) or
    :meth:`requeue` (try again later).
    """

    body: bytes
    message_id: str
    correlation_id: str
    type: str
    sender: str
    recipient: str
    routing_key: str
    headers: Mapping[str, str]
    """Every header whose value is text, except ``sender`` and ``recipient``."""
    queue: str
    exchange: str
    redelivered: bool
    """The broker delivered this message before and it was not acknowledged."""
    delivery_count: int
    """The quorum queue's ``x-delivery-count``: earlier delivery attempts, 0 if absent."""
    deaths: tuple[DeathRecord, ...]
    """The broker's ``x-death`` history, newest first; empty unless dead-lettered before."""
    timestamp: dt.datetime | None
    content_type: str
    app_id: str
    _settlement: Settlement = field(repr=False)

    @property
    def settled(self) -> bool:
        """True once ack, requeue or dead-lettering has been sent for this delivery."""
        return self._settlement.settled

    @property
    def dead_letter_reason(self) -> str:
        """The reason a node gave when it dead-lettered this message, or ''."""
        return self.headers.get(REASON_HEADER, "")

    async def ack(self) -> None:
        """Tell the broker the message is taken care of (after the database commit).

        Raises BrokerUnavailable if the channel is gone; the broker then delivers it again.
        """
        await self._settlement.ack()

    async def requeue(self) -> None:
        """Hand the message back to the queue for another delivery (counts toward the limit)."""
        await self._settlement.requeue()

    async def reject_to_dead_letter(self, reason: str) -> None:
        """Move the message to the dead-letter queue with ``reason`` in ``x-ssgw-reason``.

        ``reason`` is a short code and detail without personal data. A copy with the
        original properties is published to the dead-letter exchange and confirmed first;
        only then is the original acknowledged. If the copy fails, a TransportError is raised
        and the delivery stays unsettled.
        """
        await self._settlement.dead_letter(reason)


def text_or_empty(value: object) -> str:
    """A property or header value as text; '' when missing or not text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return ""
    return ""


def int_or_zero(value: object) -> int:
    """A header value as a non-negative int; 0 when missing or not an integer."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return 0


def read_headers(raw: object) -> dict[str, str]:
    """The text-valued entries of an AMQP headers table that may be missing or malformed."""
    if not isinstance(raw, Mapping):
        return {}
    headers: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(name, str) and isinstance(value, str | bytes | bytearray):
            headers[name] = text_or_empty(value)
    return headers


def read_deaths(raw: object) -> tuple[DeathRecord, ...]:
    """The broker's ``x-death`` header as records; entries that are not tables are skipped."""
    if not isinstance(raw, list | tuple):
        return ()
    records = []
    for entry in raw:
        if not isinstance(entry, Mapping):
            continue
        keys: Any = entry.get("routing-keys")
        routing_keys = (
            tuple(text_or_empty(key) for key in keys) if isinstance(keys, list | tuple) else ()
        )
        records.append(
            DeathRecord(
                queue=text_or_empty(entry.get("queue")),
                reason=text_or_empty(entry.get("reason")),
                count=int_or_zero(entry.get("count")),
                exchange=text_or_empty(entry.get("exchange")),
                routing_keys=routing_keys,
            )
        )
    return tuple(records)
