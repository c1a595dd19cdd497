"""RabbitMQ definitions for a network: one broker user per institution, fenced in.

Each institution's user may not configure anything (the network operator declares the
topology from these definitions), may write only to the network exchange, may read only its
own queue, and may publish only with the routing keys of the institutions it can address
(topic permissions). So a node can never read another institution's traffic, and cannot
inject messages under a routing key it has no business with. A policy repeats the queues'
dead-lettering rules.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from gateway.transport._settings import TransportSettings, check_routing_key
from gateway.transport._topology import (
    DEAD_LETTER_EXCHANGE_TYPE,
    NETWORK_EXCHANGE_TYPE,
    dead_letter_queue_arguments,
    queue_arguments,
)

__all__ = ["broker_definitions", "institution_permissions", "rabbit_password_hash"]


def rabbit_password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256`` form: base64(salt + SHA-256(salt +
    password)) with a 4-byte random salt, so definitions never hold a password."""
    salt = os.urandom(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def _exactly(*names: str) -> str:
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"


def institution_permissions(
    settings: TransportSettings, routing_key: str, may_address: Iterable[str], vhost: str = "/"
) -> dict[str, Any]:
    """The vhost and topic permissions of one institution's broker user."""
    own = check_routing_key(routing_key)
    targets = sorted({check_routing_key(key) for key in may_address})
    return {
        "permissions": {
            "vhost": vhost,
            "configure": "^$",
            # The dead-letter exchange too: a node dead-letters a poison message with a reason.
            "write": _exactly(settings.exchange, settings.dead_letter_exchange),
            "read": _exactly(settings.queue_name(own)),
        },
        "topic_permissions": {
            "vhost": vhost,
            "exchange": settings.exchange,
            "write": _exactly(*targets) if targets else "^$",
            "read": "^$",
        },
    }


def broker_definitions(
    settings: TransportSettings,
    users: Mapping[str, tuple[str, str]],
    addressable: Mapping[str, Iterable[str]],
    vhost: str = "/",
) -> dict[str, Any]:
    """A RabbitMQ definitions document (``rabbitmqctl import_definitions``).

    ``users`` maps each routing key to its user name and password hash (RabbitMQ's
    ``rabbit_password_hashing_sha256`` form, as ``rabbitmqctl hash_password`` prints it);
    ``addressable`` maps each routing key to the routing keys its institution may send to.
    """
    keys = sorted(users)
    definition: dict[str, Any] = {
        "users": [],
        "permissions": [],
        "topic_permissions": [],
        "vhosts": [{"name": vhost}],
        "exchanges": [
            _exchange(settings.exchange, NETWORK_EXCHANGE_TYPE, vhost),
            _exchange(settings.dead_letter_exchange, DEAD_LETTER_EXCHANGE_TYPE, vhost),
        ],
        "queues": [_queue(settings.dead_letter_queue, dead_letter_queue_arguments(), vhost)],
        "bindings": [
            _binding(settings.dead_letter_exchange, settings.dead_letter_queue, "", vhost)
        ],
    }
    for key in keys:
        user, password_hash = users[key]
        _add_institution(
            definition, settings, key, user, password_hash, addressable.get(key, ()), vhost
        )
    if keys:
        definition["policies"] = [_queue_policy(settings, keys, vhost)]
    return definition


def _add_institution(
    definition: dict[str, Any],
    settings: TransportSettings,
    key: str,
    user: str,
    password_hash: str,
    may_address: Iterable[str],
    vhost: str,
) -> None:
    """One institution's user, permissions, queue and binding, added to ``definition``."""
    definition["users"].append(
        {
            "name": user,
            "password_hash": password_hash,
            "hashing_algorithm": "rabbit_password_hashing_sha256",
            "tags": [],
        }
    )
    granted = institution_permissions(settings, key, may_address, vhost)
    definition["permissions"].append({"user": user, **granted["permissions"]})
    definition["topic_permissions"].append({"user": user, **granted["topic_permissions"]})
    definition["queues"].append(_queue(settings.queue_name(key), queue_arguments(settings), vhost))
    definition["bindings"].append(_binding(settings.exchange, settings.queue_name(key), key, vhost))


def _exchange(name: str, exchange_type: str, vhost: str) -> dict[str, Any]:
    return {
        "name": name,
        "vhost": vhost,
        "type": exchange_type,
        "durable": True,
        "auto_delete": False,
        "internal": False,
        "arguments": {},
    }


def _queue(name: str, arguments: Mapping[str, Any], vhost: str) -> dict[str, Any]:
    return {
        "name": name,
        "vhost": vhost,
        "durable": True,
        "auto_delete": False,
        "arguments": dict(arguments),
    }


def _binding(source: str, queue: str, routing_key: str, vhost: str) -> dict[str, Any]:
    return {
        "source": source,
        "vhost": vhost,
        "destination": queue,
        "destination_type": "queue",
        "routing_key": routing_key,
        "arguments": {},
    }


def _queue_policy(settings: TransportSettings, keys: Iterable[str], vhost: str) -> dict[str, Any]:
    """The institutions' queues' dead-lettering rules as a policy too: a queue an operator
    re-creates by hand without the arguments still dead-letters a poison message after the
    delivery limit, at least once, instead of redelivering it for ever or dropping it. Where a
    queue has the arguments as well, they take precedence."""
    arguments = queue_arguments(settings)
    return {
        "vhost": vhost,
        "name": f"{settings.queue_prefix}institution-queues",
        "pattern": _exactly(*(settings.queue_name(key) for key in keys)),
        "apply-to": "queues",
        "priority": 0,
        "definition": {
            "delivery-limit": arguments["x-delivery-limit"],
            "dead-letter-exchange": arguments["x-dead-letter-exchange"],
            "dead-letter-strategy": arguments["x-dead-letter-strategy"],
            "overflow": arguments["x-overflow"],
        },
    }
