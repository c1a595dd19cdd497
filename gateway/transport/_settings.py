"""The settings of the bus seam, checked once when they are made."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from gateway.errors import ConfigurationError

DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"

# Dot-separated words of letters, digits, "_" and "-". Above all no "*" or "#": a binding with a
# wildcard would let one institution's queue receive other institutions' traffic.
_ROUTING_KEY = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")
# AMQP short strings (queue and exchange names, routing keys) hold at most 255 bytes.
_SHORT_STRING_BYTES = 255


def check_routing_key(routing_key: str) -> str:
    """Return ``routing_key`` if it is a plain institution routing key, else raise ValueError."""
    if (
        not isinstance(routing_key, str)
        or len(routing_key.encode()) > _SHORT_STRING_BYTES
        or _ROUTING_KEY.fullmatch(routing_key) is None
    ):
        raise ValueError(
            f"routing key {routing_key!r} is not dot-separated words of letters, digits, '_', '-'"
        )
    return routing_key


def _check_name(label: str, name: str) -> None:
    if not name or len(name.encode()) > _SHORT_STRING_BYTES or name.startswith("amq."):
        raise ConfigurationError(f"{label} {name!r} is empty, too long or reserved (amq.*)")


@dataclass(frozen=True, slots=True)
class TransportSettings:
    """How a node reaches the bus and what the bus's exchanges and queues are called.

    ``amqp_url`` may hold a password, so it is left out of ``repr``; use ``broker`` (the URL
    without credentials) in messages and logs. Times are in seconds.
    """

    amqp_url: str = field(default=DEFAULT_AMQP_URL, repr=False)
    failover_urls: tuple[str, ...] = field(default=(), repr=False)
    """Further members of the broker's cluster. When the member in use is lost or cannot be
    reached, the node moves to the next one, round the list, starting with ``amqp_url``."""
    exchange: str = "ssgw.network"
    queue_prefix: str = "ssgw."
    dead_letter_exchange: str = "ssgw.dead-letter"
    prefetch: int = 64
    """Unacknowledged deliveries the broker may push to one consumer; also its concurrency."""
    confirm_window: int = 256
    """Publishes ``Publisher.publish_many`` keeps awaiting a broker confirm at once."""
    delivery_limit: int = 20
    """Deliveries of one message before its quorum queue dead-letters it (poison message)."""
    connect_timeout: float = 10.0
    operation_timeout: float = 30.0
    """Bound on one broker operation: a publish until its confirm, a declare, a consume."""
    reconnect_interval: float = 2.0
    """Pause between reconnection attempts after the connection was lost."""
    requeue_delay: float = 1.0
    """Pause before a delivery whose handler failed is handed back to the queue."""
    declare_topology: bool = True
    """False where the network operator declared the topology (broker definitions) and this
    node's broker user may not configure anything: the node then only checks it exists."""

    def __post_init__(self) -> None:
        _check_url("the AMQP URL", self.amqp_url)
        for index, url in enumerate(self.failover_urls, start=1):
            _check_url(f"failover AMQP URL {index}", url)
        for label, name in (
            ("exchange", self.exchange),
            ("dead-letter exchange", self.dead_letter_exchange),
            ("queue prefix", self.queue_prefix),
        ):
            _check_name(label, name)
        if self.exchange == self.dead_letter_exchange:
            raise ConfigurationError("the exchange and the dead-letter exchange must differ")
        for label, count in (
            ("prefetch", self.prefetch),
            ("confirm window", self.confirm_window),
            ("delivery limit", self.delivery_limit),
        ):
            if not isinstance(count, int) or isinstance(count, bool) or not 0 < count <= 65535:
                raise ConfigurationError(f"{label} must be an integer from 1 to 65535")
        for label, seconds in (
            ("connect timeout", self.connect_timeout),
            ("operation timeout", self.operation_timeout),
            ("reconnect interval", self.reconnect_interval),
        ):
            if not seconds > 0:
                raise ConfigurationError(f"{label} must be more than 0 seconds")
        if not self.requeue_delay >= 0:
            raise ConfigurationError("requeue delay must be 0 seconds or more")

    @property
    def broker(self) -> str:
        """The broker URL without user name or password, for messages and logs."""
        return _redact(urlsplit(self.amqp_url))

    @property
    def brokers(self) -> tuple[str, ...]:
        """Every member the node may use, in the order it tries them, without credentials."""
        return tuple(_redact(urlsplit(url)) for url in (self.amqp_url, *self.failover_urls))

    @property
    def dead_letter_queue(self) -> str:
        """The one queue that holds every dead-lettered message of the network."""
        return f"{self.queue_prefix}dead-letter"

    def queue_name(self, routing_key: str) -> str:
        """The queue that receives what is published with ``routing_key``."""
        name = f"{self.queue_prefix}{check_routing_key(routing_key)}"
        if name == self.dead_letter_queue:
            raise ValueError(f"routing key {routing_key!r} would name the dead-letter queue")
        return name


def _check_url(label: str, amqp_url: str) -> None:
    try:
        url = urlsplit(amqp_url)
        url.port  # noqa: B018 - only checks that the port is a number
    except (ValueError, AttributeError):
        raise ConfigurationError(f"{label} cannot be parsed") from None
    if url.scheme not in {"amqp", "amqps"} or not url.hostname:
        raise ConfigurationError(
            f"{label} must be amqp:// or amqps:// with a host, not {_redact(url)!r}"
        )


def _redact(url: SplitResult) -> str:
    host = url.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{url.port}" if url.port is not None else ""
    except ValueError:
        port = ""
    return f"{url.scheme}://{host}{port}{url.path or '/'}"
