"""Everything the gateway refuses, as values with a stable code.

The tree::

    GatewayError
    ├── ValidationFailed          a document is unsafe, malformed, schema-invalid or breaks a rule
    ├── SecurityError
    │   ├── SignatureInvalid      no valid signature by the claimed sender
    │   ├── CertificateUntrusted  a certificate the directory does not vouch for at that time
    │   ├── DecryptionFailed      not sealed for this node, or tampered with
    │   ├── WrongRecipient        signed for another institution than this node
    │   ├── HeaderMismatch        the bus headers disagree with the signed header
    │   ├── KeyMaterialError      a key or certificate file that cannot be used
    │   └── TimestampInvalid      an RFC 3161 time-stamp that does not prove what it should
    ├── MessageExpired            the signed expiry has passed
    ├── DirectoryError            the network directory is invalid, unsigned or unknown to us
    │   └── UnknownInstitution    an institution id the directory does not list
    ├── NotPermitted              the agreement policy refuses the exchange
    ├── CaseStateError            the case does not allow this message in its current state
    ├── StoreUnavailable          the database cannot be reached or written (transient)
    ├── Unanchored                the evidence chains went unanchored past the limit (transient)
    ├── EvidenceUnavailable       nothing to bundle as evidence for a message (yet, or any more)
    ├── EvidenceMalformed         a file that is not a readable evidence bundle
    ├── PayloadPurged             a message's payload was removed by the retention policy
    ├── IdempotencyKeyReused      an idempotency key sent again with another request
    ├── ConfigurationError        a setting or file path given by the operator is wrong
    └── TransportError            the RabbitMQ bus did not do what was asked
        ├── BrokerUnavailable     unreachable, connection lost, or no answer in time (transient)
        ├── BrokerAccessRefused   the broker refused our credentials or permissions
        ├── TopologyMismatch      an exchange or queue is missing or declared differently
        ├── PublishRefused        the broker nacked a publish: it did not take the message
        └── MessageUnroutable     no queue is bound for the routing key (mandatory publish)

Library errors (lxml, signxml, joserfc, cryptography, aio-pika, aiormq) are translated into
these at the seam where the library is called; nothing outside that seam sees them. Each error
has a ``code`` (kebab-case, stable, used for problem types and rejection reasons) and says what
is wrong in words that contain no personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uuid

__all__ = [
    "BrokerAccessRefused",
    "BrokerUnavailable",
    "CaseStateError",
    "CertificateUntrusted",
    "ConfigurationError",
    "DecryptionFailed",
    "DirectoryError",
    "EvidenceMalformed",
    "EvidenceUnavailable",
    "GatewayError",
    "HeaderMismatch",
    "IdempotencyKeyReused",
    "Issue",
    "KeyMaterialError",
    "MessageExpired",
    "MessageUnroutable",
    "NotPermitted",
    "PayloadPurged",
    "PublishRefused",
    "SearchRefused",
    "SecurityError",
    "SignatureInvalid",
    "StoreUnavailable",
    "TimestampInvalid",
    "TopologyMismatch",
    "TransportError",
    "Unanchored",
    "UnknownInstitution",
    "ValidationFailed",
    "WrongRecipient",
]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a document.

    ``code`` is stable and machine-readable (``xml.*`` for well-formedness and limits,
    ``schema.*`` for XSD violations, ``rule.*`` for business rules); ``message`` is for people;
    ``line`` and ``path`` say where, when known. Messages never quote personal data.
    """

    code: str
    message: str
    line: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.line, self.path) if part is not None)
        return (
            f"{where}: [{self.code}] {self.message}" if where else f"[{self.code}] {self.message}"
        )


class GatewayError(Exception):
    """Base of every refusal the gateway reports."""

    code = "gateway-error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ValidationFailed(GatewayError):
    """A document failed safe parsing, its schema or a business rule; ``issues`` lists each."""

    code = "validation-failed"

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        count = len(self.issues)
        first = str(self.issues[0]) if self.issues else "no details"
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(f"{first}{more}")


class SecurityError(GatewayError):
    """A signature, certificate or encryption check failed. Always terminal, never retried."""

    code = "security-error"


class SignatureInvalid(SecurityError):
    code = "signature-invalid"


class CertificateUntrusted(SecurityError):
    code = "certificate-untrusted"


class DecryptionFailed(SecurityError):
    code = "decryption-failed"


class WrongRecipient(SecurityError):
    code = "wrong-recipient"


class HeaderMismatch(SecurityError):
    code = "header-mismatch"


class KeyMaterialError(SecurityError):
    code = "key-material"


class TimestampInvalid(SecurityError):
    """A time-stamp token that is not signed by the trusted time-stamping authority, or does
    not stamp the chain heads it is kept for."""

    code = "timestamp-invalid"


class MessageExpired(GatewayError):
    code = "expired"


class DirectoryError(GatewayError):
    code = "directory-invalid"


class UnknownInstitution(DirectoryError):
    code = "unknown-institution"


class NotPermitted(GatewayError):
    """The agreement policy refuses the exchange; ``reason`` is a policy refusal code."""

    code = "not-permitted"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


class CaseStateError(GatewayError):
    """The case's history does not allow this message; ``reason`` is a ``case.*`` code.

    The sending node refuses to send such a message and the receiving node refuses to take it
    in (a rejection with reason code ``case-state``); both judge by the same rules. ``message_id``
    is the refused message's id, when there is one.
    """

    code = "case-state"

    def __init__(self, reason: str, detail: str, *, message_id: uuid.UUID | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.message_id = message_id


class StoreUnavailable(GatewayError):
    code = "store-unavailable"


class Unanchored(GatewayError):
    """The node's evidence chains have had no RFC 3161 anchor for longer than the configured
    limit: it takes no new messages until its time-stamping authority answers again."""

    code = "unanchored"


class EvidenceUnavailable(GatewayError):
    """A message has no evidence bundle: no signed receipt yet, or its payload was purged."""

    code = "evidence-unavailable"


class EvidenceMalformed(GatewayError):
    """A file given as an evidence bundle cannot be read as one."""

    code = "evidence-malformed"


class PayloadPurged(GatewayError):
    """The message's payload (sealed bytes) was removed by the retention policy; its metadata,
    digest, receipts and trace remain. Permanent: HTTP 410 Gone."""

    code = "payload-purged"


class IdempotencyKeyReused(GatewayError):
    """A back-office sent an idempotency key again with another request than the one that
    first used it: replaying the first answer would misreport the second request."""

    code = "idempotency-key-reused"


class SearchRefused(GatewayError):
    """A search by person asked without its reason, or with a query that names no person."""

    code = "search-refused"


class ConfigurationError(GatewayError):
    code = "configuration"


class TransportError(GatewayError):
    """The RabbitMQ bus did not do what was asked; raised only by ``gateway.transport``."""

    code = "transport"


class BrokerUnavailable(TransportError):
    """The broker cannot be reached, the connection was lost, or it did not answer in time.

    Transient: retry later with the same message id. A publish that fails this way may still
    have reached the broker, so a retry can make a duplicate, which the receiver drops by id.
    """

    code = "broker-unavailable"


class BrokerAccessRefused(TransportError):
    """The broker refused the credentials, or the user may not touch that exchange or queue."""

    code = "broker-access-refused"


class TopologyMismatch(TransportError):
    """An exchange or queue is missing, or exists with other arguments than ours."""

    code = "topology-mismatch"


class PublishRefused(TransportError):
    """The broker answered a publish with a nack: it did not take responsibility for it."""

    code = "publish-refused"


class MessageUnroutable(TransportError):
    """The broker returned a mandatory publish: no queue is bound for ``routing_key``."""

    code = "unroutable"

    def __init__(self, routing_key: str, detail: str) -> None:
        super().__init__(detail)
        self.routing_key = routing_key
