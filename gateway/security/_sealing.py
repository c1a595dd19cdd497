"""Encryption of signed envelopes to the recipient: JWE, compact form.

Key management ``ECDH-ES+A256KW`` (``RSA-OAEP-256`` for RSA certificates) with content
encryption ``A256GCM``: authenticated, and readable by independent tools (Debian's ``jose``).
The allow-list is explicit; compression (``zip``) is refused because it leaks the plaintext's
content through its length. The ``kid`` is the SHA-256 fingerprint of the recipient's
encryption certificate, so a recipient holding two keys during a rotation knows which to use.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from gateway.errors import DecryptionFailed, KeyMaterialError
from gateway.security._keys import PrivateKey, certificate_fingerprint

__all__ = ["DecryptionKey", "SealingAlgorithms", "open_sealed", "seal"]

_CONTENT_ENCRYPTION = "A256GCM"
_KEY_MANAGEMENT = {"EC": "ECDH-ES+A256KW", "RSA": "RSA-OAEP-256"}
_ALLOWED_HEADER = frozenset({"alg", "enc", "kid", "epk", "cty", "typ"})
#: Largest sealed envelope opened: RabbitMQ's own message limit (128 MiB), so whatever the
#: broker carries can be read. The library's default (64 KiB of ciphertext) would refuse
#: every document above about 45 KB although nodes accept 25 MB.
_MAX_SEALED_BYTES = 128 * 1024 * 1024


def _registry(algorithms: Sequence[str]) -> jwe.JWERegistry:
    registry = jwe.JWERegistry(algorithms=list(algorithms))
    registry.max_ciphertext_length = _MAX_SEALED_BYTES
    return registry


class SealingAlgorithms:
    """The only JWE algorithms this network reads or writes."""

    KEY_MANAGEMENT = frozenset(_KEY_MANAGEMENT.values())
    CONTENT = frozenset({_CONTENT_ENCRYPTION})


def _jwk_public(certificate: x509.Certificate) -> ECKey | RSAKey:
    pem = certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return ECKey.import_key(pem)
    if isinstance(key, rsa.RSAPublicKey):
        return RSAKey.import_key(pem)
    raise KeyMaterialError("the recipient's encryption certificate has an unsupported key type")


@dataclass(frozen=True)
class DecryptionKey:
    """One of this node's encryption keys with its certificate, loaded once."""

    key: PrivateKey
    certificate: x509.Certificate

    @cached_property
    def kid(self) -> str:
        return certificate_fingerprint(self.certificate)

    @cached_property
    def jwk(self) -> ECKey | RSAKey:
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return ECKey.import_key(pem)
        return RSAKey.import_key(pem)


def seal(plaintext: bytes, recipient: x509.Certificate) -> bytes:
    """Encrypt ``plaintext`` (a signed envelope) to the recipient's encryption certificate."""
    public = _jwk_public(recipient)
    algorithm = _KEY_MANAGEMENT["EC" if isinstance(public, ECKey) else "RSA"]
    header = {
        "alg": algorithm,
        "enc": _CONTENT_ENCRYPTION,
        "kid": certificate_fingerprint(recipient),
        "cty": "application/xml",
    }
    token = jwe.encrypt_compact(
        header, plaintext, public, algorithms=[algorithm, _CONTENT_ENCRYPTION]
    )
    return token.encode("ascii")


def _protected_header(token: bytes) -> Mapping[str, Any]:
    # Only the first part is read: splitting the token would copy the whole ciphertext.
    if token.count(b".") != 4:
        raise DecryptionFailed("not a compact JWE (five dot-separated parts expected)")
    encoded = token[: token.index(b".")]
    try:
        raw = base64.urlsafe_b64decode(encoded + b"=" * (-len(encoded) % 4))
        header = json.loads(raw)
    except (binascii.Error, ValueError):
        raise DecryptionFailed("the JWE header is not base64url-encoded JSON") from None
    if not isinstance(header, dict):
        raise DecryptionFailed("the JWE header is not a JSON object")
    return header


def open_sealed(token: bytes, keys: Sequence[DecryptionKey]) -> bytes:
    """Decrypt a sealed envelope with the key its ``kid`` names.

    Refuses compression, any algorithm outside the allow-list, header parameters this
    network does not use (``crit``, ``jku``, ``x5u`` ...), and a ``kid`` that is not one of
    ``keys`` (the envelope was sealed for someone else).
    """
    header = _protected_header(token)
    if "zip" in header:
        raise DecryptionFailed("compressed JWE is refused")
    unexpected = set(header) - _ALLOWED_HEADER
    if unexpected:
        raise DecryptionFailed(f"unexpected JWE header parameters: {', '.join(sorted(unexpected))}")
    if header.get("alg") not in SealingAlgorithms.KEY_MANAGEMENT:
        raise DecryptionFailed(f"JWE key management {header.get('alg')!r} is not allowed")
    if header.get("enc") not in SealingAlgorithms.CONTENT:
        raise DecryptionFailed(f"JWE content encryption {header.get('enc')!r} is not allowed")
    kid = header.get("kid")
    # Without a kid no key is named: say so, rather than blame the recipient's keys.
    if not isinstance(kid, str) or not kid:
        raise DecryptionFailed("the JWE header names no key (kid is missing or not a string)")
    matching = [key for key in keys if key.kid == kid]
    if not matching:
        raise DecryptionFailed("the message was not encrypted for this institution's key")
    try:
        result = jwe.decrypt_compact(
            token,
            matching[0].jwk,
            registry=_registry([str(header["alg"]), _CONTENT_ENCRYPTION]),
        )
    except (JoseError, ValueError, InvalidTag):
        raise DecryptionFailed(
            "the message cannot be decrypted: it was altered or damaged"
        ) from None
    plaintext = result.plaintext
    # The result and its recipient refer to each other: left to the garbage collector, the
    # ciphertext the result holds (base64 and decoded) would outlive this call.
    result.recipient = None
    if plaintext is None:
        raise DecryptionFailed("the message has no content")
    return plaintext
