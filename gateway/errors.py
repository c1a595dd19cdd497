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
    │   └── KeyMaterialError      a key or certificate file that cannot be used
    ├── MessageExpired            the signed expiry has passed
    ├── DirectoryError            the network directory is invalid, unsigned or unknown to us
    │   └── UnknownInstitution    an institution id the directory does not list
    ├── NotPermitted              the agreement policy refuses the exchange
    └── ConfigurationError        a setting or file path given by the operator is wrong

Library errors (lxml, signxml, joserfc, cryptography) are translated into these at the seam
where the library is called; nothing outside that seam sees them. Each error has a ``code``
(kebab-case, stable, used for problem types and rejection reasons) and says what is wrong in
words that contain no personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.documents._issues import Issue

__all__ = [
    "CertificateUntrusted",
    "ConfigurationError",
    "DecryptionFailed",
    "DirectoryError",
    "GatewayError",
    "HeaderMismatch",
    "KeyMaterialError",
    "MessageExpired",
    "NotPermitted",
    "SecurityError",
    "SignatureInvalid",
    "UnknownInstitution",
    "ValidationFailed",
    "WrongRecipient",
]


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


class ConfigurationError(GatewayError):
    code = "configuration"
