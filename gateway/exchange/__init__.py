"""The pure path of one message between two institutions, without I/O.

Outbound: addressing (recipient, policy, header), then sealing (envelope, signature,
encryption). Inbound: decryption, signature, header checks, validation, policy. The node
runtime calls these and does the storing and sending.
"""

from __future__ import annotations

from gateway.exchange._credentials import Credentials
from gateway.exchange._inbound import (
    CLOCK_SKEW,
    AuthenticatedEnvelope,
    BusHeaders,
    InboundMessage,
    VerifiedEnvelope,
    admit,
    authenticate,
    authenticate_signed,
    open_inbound,
    verify_envelope,
)
from gateway.exchange._lifecycle import (
    Direction,
    IllegalTransition,
    MessageStatus,
    check_transition,
)
from gateway.exchange._outbound import (
    DEFAULT_TIME_TO_LIVE,
    OutboundAddress,
    OutboundMessage,
    address_outbound,
    prepare_outbound,
    seal_outbound,
    sealing_certificate,
)
from gateway.exchange._person_index import (
    PersonIndexKey,
    PersonKey,
    PersonKind,
    PersonQuery,
    normalise_name,
    normalise_pin,
)
from gateway.exchange._technical import (
    DIGEST_ALGORITHM,
    Acknowledgement,
    build_receipt,
    build_rejection,
    read_acknowledgement,
    rejection_reason,
)
from gateway.exchange._timing import StageTimer, untimed

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_TIME_TO_LIVE",
    "DIGEST_ALGORITHM",
    "Acknowledgement",
    "AuthenticatedEnvelope",
    "BusHeaders",
    "Credentials",
    "Direction",
    "IllegalTransition",
    "InboundMessage",
    "MessageStatus",
    "OutboundAddress",
    "OutboundMessage",
    "PersonIndexKey",
    "PersonKey",
    "PersonKind",
    "PersonQuery",
    "StageTimer",
    "VerifiedEnvelope",
    "address_outbound",
    "admit",
    "authenticate",
    "authenticate_signed",
    "build_receipt",
    "build_rejection",
    "check_transition",
    "normalise_name",
    "normalise_pin",
    "open_inbound",
    "prepare_outbound",
    "read_acknowledgement",
    "rejection_reason",
    "seal_outbound",
    "sealing_certificate",
    "untimed",
    "verify_envelope",
]
