"""The RabbitMQ seam: topology, publishing with confirms, consuming with manual acks.

The layers are pamqp (frames) <- aiormq (channel operations) <- aio-pika (a connection that
reconnects and channels that reopen) <- this package, the one place that talks to the bus.
Library exceptions never leave it: callers see ``gateway.errors.TransportError`` subclasses.
"""

from __future__ import annotations

from gateway.transport import _tolerant_decoding
from gateway.transport._bus import ReconnectingBus, probe
from gateway.transport._consumer import Consumer, DeliveryHandler
from gateway.transport._definitions import (
    broker_definitions,
    institution_permissions,
    rabbit_password_hash,
)
from gateway.transport._messages import (
    ORIGINAL_QUEUE_HEADER,
    ORIGINAL_ROUTING_KEY_HEADER,
    REASON_HEADER,
    BusMessage,
    DeathRecord,
    IncomingDelivery,
)
from gateway.transport._publisher import Publisher
from gateway.transport._settings import DEFAULT_AMQP_URL, TransportSettings, check_routing_key
from gateway.transport._topology import (
    dead_letter_queue_arguments,
    declare_topology,
    queue_arguments,
)

_tolerant_decoding.install()

__all__ = [
    "DEFAULT_AMQP_URL",
    "ORIGINAL_QUEUE_HEADER",
    "ORIGINAL_ROUTING_KEY_HEADER",
    "REASON_HEADER",
    "BusMessage",
    "Consumer",
    "DeathRecord",
    "DeliveryHandler",
    "IncomingDelivery",
    "Publisher",
    "ReconnectingBus",
    "TransportSettings",
    "broker_definitions",
    "check_routing_key",
    "dead_letter_queue_arguments",
    "declare_topology",
    "institution_permissions",
    "probe",
    "queue_arguments",
    "rabbit_password_hash",
]
