"""Whether a certificate may speak for an institution at a given moment."""

from __future__ import annotations

import datetime as dt
import functools

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from gateway.errors import CertificateUntrusted
from gateway.security._keys import certificate_fingerprint
from gateway.security._pki import KeyUse

__all__ = ["check_authority", "check_institution_certificate"]


def _check_validity(certificate: x509.Certificate, at: dt.datetime, what: str) -> None:
    if at < certificate.not_valid_before_utc:
        start = certificate.not_valid_before_utc
        raise CertificateUntrusted(
            f"{what} is not yet valid (valid from {start:%Y-%m-%d %H:%M} UTC)"
        )
    if at > certificate.not_valid_after_utc:
        raise CertificateUntrusted(
            f"{what} expired on {certificate.not_valid_after_utc:%Y-%m-%d %H:%M} UTC"
        )


def check_authority(authority: x509.Certificate, at: dt.datetime) -> None:
    """The network authority's certificate is the trust anchor; it must be a valid CA."""
    _check_validity(authority, at, "the network authority certificate")
    try:
        constraints = authority.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise CertificateUntrusted("the network authority certificate is not a CA certificate")


def check_institution_certificate(
    certificate: x509.Certificate,
    *,
    institution: str,
    use: KeyUse,
    authority: x509.Certificate,
    at: dt.datetime,
    revoked: frozenset[str] = frozenset(),
) -> None:
    """Raise :class:`CertificateUntrusted` unless ``certificate`` is ``institution``'s ``use``
    certificate, issued by ``authority``, valid at ``at`` and not revoked."""
    what = f"the {use.value} certificate of {institution}"
    if certificate_fingerprint(certificate) in revoked:
        raise CertificateUntrusted(f"{what} is revoked")
    _check_validity(certificate, at, what)
    check_authority(authority, at)
    problem = _binding_problem(certificate, institution, use, authority)
    if problem is not None:
        raise CertificateUntrusted(f"{what} {problem}")


@functools.lru_cache(maxsize=4096)
def _binding_problem(
    certificate: x509.Certificate, institution: str, use: KeyUse, authority: x509.Certificate
) -> str | None:
    """What is wrong with the parts of the check that do not depend on time, or None.

    Every message checks its partner's certificates, and these parts (a signature
    verification among them) give the same answer for the same certificates every time.
    """
    try:
        certificate.verify_directly_issued_by(authority)
    except (ValueError, TypeError, InvalidSignature):
        return "was not issued by the network authority"
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(names) != 1 or names[0].value != institution:
        return "names another subject"
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return "has no key usage"
    key = certificate.public_key()
    if use is KeyUse.SIGNING:
        allowed = usage.digital_signature
    else:
        # ECDH-ES agrees a key; RSA-OAEP enciphers one.
        allowed = (
            usage.key_encipherment if isinstance(key, rsa.RSAPublicKey) else usage.key_agreement
        )
    if not allowed:
        return f"is not made for {use.value}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP256R1):
            return f"uses the curve {key.curve.name}; P-256 is required"
    elif not (isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048):
        return "has a key type the network does not accept"
    return None
