"""Reading and writing keys and certificates, with errors translated at this seam."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.errors import KeyMaterialError

__all__ = [
    "PrivateKey",
    "certificate_fingerprint",
    "load_certificate",
    "load_private_key",
    "private_key_pem",
    "read_certificate",
    "write_file_atomically",
]

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """The SHA-256 of the certificate's DER encoding, lowercase hex: how the network names a
    certificate (``kid`` of encryption, revocation lists)."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def read_certificate(data: bytes, source: str = "certificate") -> x509.Certificate:
    """Parse a PEM or DER certificate."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as error:
        raise KeyMaterialError(f"{source} is not a readable X.509 certificate: {error}") from None


def load_certificate(path: Path) -> x509.Certificate:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeyMaterialError(f"cannot read certificate {path}: {error.strerror}") from None
    return read_certificate(data, str(path))


def load_private_key(path: Path, passphrase: bytes | None = None) -> PrivateKey:
    """Load a PEM private key (EC P-256 or RSA of at least 2048 bits) once, at start.

    Loading costs milliseconds, so the node keeps the loaded key rather than the file.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeyMaterialError(f"cannot read private key {path}: {error.strerror}") from None
    try:
        key = serialization.load_pem_private_key(data, password=passphrase)
    except TypeError:
        if passphrase is None:
            raise KeyMaterialError(
                f"private key {path} is protected by a passphrase; none was given"
            ) from None
        raise KeyMaterialError(
            f"private key {path} is not protected by a passphrase, but one was given"
        ) from None
    except ValueError:
        raise KeyMaterialError(
            f"private key {path} cannot be read: wrong passphrase or not a PEM private key"
        ) from None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise KeyMaterialError(f"private key {path} uses {key.curve.name}; P-256 is required")
        return key
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise KeyMaterialError(f"RSA key {path} has {key.key_size} bits; 2048 at least")
        return key
    raise KeyMaterialError(f"private key {path} is neither EC P-256 nor RSA")


def private_key_pem(key: PrivateKey, passphrase: bytes | None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def write_file_atomically(path: Path, data: bytes, *, mode: int, overwrite: bool) -> None:
    """Write ``data`` to ``path`` so that the file is either complete or absent.

    Without ``overwrite`` an existing file is never replaced, even by a concurrent writer:
    the final step is a hard link, which fails when the name exists.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise KeyMaterialError(
                    f"{path} exists; it is kept (use --force to replace it)"
                ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
