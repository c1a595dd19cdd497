"""A small PKI for one network: the authority, and each institution's two key pairs.

Layout of a PKI folder::

    authority.key  authority.pem                 the network authority (signs certificates
                                                 and the directory)
    institutions/DE_DRV70001/signing.key|.pem    the institution's signing pair
    institutions/DE_DRV70001/encryption.key|.pem its encryption pair

In a network run as it should be, the authority's folder holds no institution's private key:
each institution makes its keys on its node (``ssgw keys generate``, :mod:`gateway.security._csr`)
and the authority keeps only the certificates it issued from their requests, in the same
places. ``ssgw pki issue`` makes keys at the authority: a shortcut for test networks only.

Private keys are written with mode 0600 and never replace an existing file unless asked.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
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
    "certificate_pem",
    "init_authority",
    "institution_files",
    "institution_key_usage",
    "institution_subject",
    "iso_country",
    "issue_certificate",
    "issue_institution",
    "load_authority",
    "refuse_existing",
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
    """One institution's folder: its keys, their certificate signing requests and
    certificates, one of each per use. A node's key folder and the authority's record of
    an institution's certificates share this layout."""

    folder: Path

    def key(self, use: KeyUse) -> Path:
        return self.folder / f"{use.value}.key"

    def request(self, use: KeyUse) -> Path:
        return self.folder / f"{use.value}.csr"

    def certificate(self, use: KeyUse) -> Path:
        return self.folder / f"{use.value}.pem"


def authority_files(pki_dir: Path) -> AuthorityFiles:
    return AuthorityFiles(pki_dir / "authority.key", pki_dir / "authority.pem")


def institution_files(pki_dir: Path, institution: InstitutionId) -> InstitutionFiles:
    return InstitutionFiles(pki_dir / "institutions" / institution.replace(":", "_"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def certificate_pem(certificate: x509.Certificate) -> bytes:
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
    write_file_atomically(
        files.certificate, certificate_pem(certificate), mode=0o644, overwrite=True
    )
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
    return (
        x509.CertificateBuilder()
        .subject_name(institution_subject(institution, name))
        .issuer_name(authority_certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(institution_key_usage(use), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                authority_certificate.public_key()  # type: ignore[arg-type]
            ),
            critical=False,
        )
        .sign(authority_key, hashes.SHA256())
    )


def institution_subject(institution: InstitutionId, name: str) -> x509.Name:
    """``C=<ISO country>, O=<name>, CN=<institution id>``: the subject of an institution's
    certificates and of the requests for them."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, iso_country(institution)),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.COMMON_NAME, institution),
        ]
    )


def institution_key_usage(use: KeyUse) -> x509.KeyUsage:
    """What a key of one use may do: sign (and commit to what it signed), or agree keys."""
    return x509.KeyUsage(
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


def iso_country(institution: InstitutionId) -> str:
    """The institution's country as X.509 names write it."""
    # X.509 country names are ISO 3166: EESSI's EL and UK are GR and GB there.
    country = institution.split(":", 1)[0]
    return {"EL": "GR", "UK": "GB"}.get(country, country)


def refuse_existing(paths: Iterable[Path], refusal: str) -> None:
    """Refuse, saying ``refusal``, when any of ``paths`` exists: keys and certificates are
    never replaced unasked."""
    if any(path.exists() for path in paths):
        raise KeyMaterialError(refusal)


def load_authority(
    pki_dir: Path, passphrase: bytes | None = None
) -> tuple[PrivateKey, x509.Certificate]:
    """The authority's key and certificate from a folder made by :func:`init_authority`."""
    authority = authority_files(pki_dir)
    if not authority.key.exists():
        raise KeyMaterialError(f"no authority in {pki_dir}; run 'ssgw pki init {pki_dir}' first")
    return load_private_key(authority.key, passphrase), load_certificate(authority.certificate)


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
    """Make an institution's signing and encryption key pairs and certificates at the
    authority: a shortcut for test networks, where nobody minds that the authority could
    sign as the institution. A real institution makes its keys itself and sends requests
    (:func:`gateway.security.generate_institution_keys`)."""
    authority_key, authority_certificate = load_authority(pki_dir, authority_passphrase)
    files = institution_files(pki_dir, institution)
    if not force:
        refuse_existing(
            [path for use in KeyUse for path in (files.key(use), files.certificate(use))],
            f"keys for {institution} already exist in {files.folder}; "
            "they are kept (use --force to replace them)",
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
        write_file_atomically(
            files.certificate(use), certificate_pem(certificate), mode=0o644, overwrite=True
        )
    return files
