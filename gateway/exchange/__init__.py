"""The pure path of one message between two institutions, without I/O.

Outbound: policy, envelope, signature, encryption. Inbound: decryption, signature, header
checks, validation, policy. The node runtime calls these and does the storing and sending.
"""

from __future__ import annotations

from gateway.exchange._credentials import Credentials
from gateway.exchange._inbound import (
    CLOCK_SKEW,
    BusHeaders,
    InboundMessage,
    VerifiedEnvelope,
    open_inbound,
    verify_envelope,
)
from gateway.exchange._outbound import DEFAULT_TIME_TO_LIVE, OutboundMessage, prepare_outbound

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_TIME_TO_LIVE",
    "BusHeaders",
    "Credentials",
    "InboundMessage",
    "OutboundMessage",
    "VerifiedEnvelope",
    "open_inbound",
    "prepare_outbound",
    "verify_envelope",
]
