"""A small PKI for one network: the authority, and each institution's two key pairs.

Layout of a PKI folder::

    authority.key  authority.pem                 the network authority (signs certificates
                                                 and the directory)
    institutions/DE_DRV70001/signing.key|.pem    the institution's signing pair
    institutions/DE_DRV70001/encryption.key|.pem its encryption pair

Private keys are written with mode 0600 and never replace an existing file unless asked.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway.codes import InstitutionId
from gateway.errors import KeyMaterialError
from gateway.security._keys import (
    PrivateKey,
    load_certificate,
    load_private_key,
    private_key_pem,
    write_file_atomically,
)

__all__ = [
    "AuthorityFiles",
    "InstitutionFiles",
    "KeyUse",
    "authority_files",
    "init_authority",
    "institution_files",
    "issue_certificate",
    "issue_institution",
]


class KeyUse(enum.StrEnum):
    """What an institution key is for. Signing and encryption keys are always separate."""

    SIGNING = "signing"
    ENCRYPTION = "encryption"


@dataclass(frozen=True, slots=True)
class AuthorityFiles:
    key: Path
    certificate: Path


@dataclass(frozen=True, slots=True)
class InstitutionFiles:
    folder: Path

    def key(self, use: KeyUse) -> Path:
        return self.folder / f"{use.value}.key"

    def certificate(self, use: KeyUse) -> Path:
        return self.folder / f"{use.value}.pem"


def authority_files(pki_dir: Path) -> AuthorityFiles:
    return AuthorityFiles(pki_dir / "authority.key", pki_dir / "authority.pem")


def institution_files(pki_dir: Path, institution: InstitutionId) -> InstitutionFiles:
    return InstitutionFiles(pki_dir / "institutions" / institution.replace(":", "_"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def init_authority(
    pki_dir: Path,
    *,
    name: str = "Social Security Network Authority",
    passphrase: bytes | None = None,
    valid_days: int = 3650,
    force: bool = False,
) -> AuthorityFiles:
    """Make the network authority's key and self-signed certificate in ``pki_dir``."""
    files = authority_files(pki_dir)
    if not force and (files.key.exists() or files.certificate.exists()):
        raise KeyMaterialError(
            f"an authority already exists in {pki_dir}; it is kept (use --force to replace it)"
        )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = _now() - dt.timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_file_atomically(files.key, private_key_pem(key, passphrase), mode=0o600, overwrite=force)
    write_file_atomically(files.certificate, _pem(certificate), mode=0o644, overwrite=True)
    return files


def issue_certificate(
    *,
    institution: InstitutionId,
    name: str,
    use: KeyUse,
    public_key: ec.EllipticCurvePublicKey,
    authority_key: PrivateKey,
    authority_certificate: x509.Certificate,
    not_before: dt.datetime | None = None,
    valid_days: int = 730,
) -> x509.Certificate:
    """An institution certificate for one key use, issued by the network authority.

    The subject's common name is the institution id: that binds the key to the id, and a
    verifier checks it against the header's sender.
    """
    start = not_before or (_now() - dt.timedelta(minutes=5))
    usage = x509.KeyUsage(
        digital_signature=use is KeyUse.SIGNING,
        content_commitment=use is KeyUse.SIGNING,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=use is KeyUse.ENCRYPTION,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, _iso_country(institution)),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, institution),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(authority_certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                authority_certificate.public_key()  # type: ignore[arg-type]
            ),
            critical=False,
        )
        .sign(authority_key, hashes.SHA256())
    )


def _iso_country(institution: InstitutionId) -> str:
    # X.509 country names are ISO 3166: EESSI's EL and UK are GR and GB there.
    country = institution.split(":", 1)[0]
    return {"EL": "GR", "UK": "GB"}.get(country, country)


def issue_institution(
    pki_dir: Path,
    institution: InstitutionId,
    *,
    name: str | None = None,
    authority_passphrase: bytes | None = None,
    passphrase: bytes | None = None,
    valid_days: int = 730,
    force: bool = False,
) -> InstitutionFiles:
    """Make an institution's signing and encryption key pairs and certificates."""
    authority = authority_files(pki_dir)
    if not authority.key.exists():
        raise KeyMaterialError(f"no authority in {pki_dir}; run 'ssgw pki init {pki_dir}' first")
    authority_key = load_private_key(authority.key, authority_passphrase)
    authority_certificate = load_certificate(authority.certificate)
    files = institution_files(pki_dir, institution)
    if not force:
        existing = [
            path
            for use in KeyUse
            for path in (files.key(use), files.certificate(use))
            if path.exists()
        ]
        if existing:
            raise KeyMaterialError(
                f"keys for {institution} already exist in {files.folder}; "
                "they are kept (use --force to replace them)"
            )
    for use in KeyUse:
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = issue_certificate(
            institution=institution,
            name=name or institution,
            use=use,
            public_key=key.public_key(),
            authority_key=authority_key,
            authority_certificate=authority_certificate,
            valid_days=valid_days,
        )
        write_file_atomically(
            files.key(use), private_key_pem(key, passphrase), mode=0o600, overwrite=force
        )
        write_file_atomically(files.certificate(use), _pem(certificate), mode=0o644, overwrite=True)
    return files
