"""Keys made by the institution, certificates issued from its requests: the authority never
holds an institution's private key, so it cannot sign or open anything as the institution.

The three steps, each on its own machine::

    node       generate_institution_keys  two key pairs and a request (PKCS#10) for each
    authority  sign_certificate_request   checks a request, issues and records the certificate
    node       install_certificates       checks each certificate against its key and the
                                          authority, then puts it beside the key

A node's key folder has the layout of :class:`InstitutionFiles`: ``signing.key``,
``signing.csr``, ``signing.pem`` and the same for ``encryption``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from gateway.codes import InstitutionId, InvalidIdentifier, parse_institution_id
from gateway.errors import CertificateUntrusted, KeyMaterialError
from gateway.security._keys import load_private_key, private_key_pem, write_file_atomically
from gateway.security._pki import (
    InstitutionFiles,
    KeyUse,
    certificate_pem,
    institution_files,
    institution_key_usage,
    institution_subject,
    iso_country,
    issue_certificate,
    load_authority,
    refuse_existing,
)
from gateway.security._trust import check_institution_certificate

__all__ = [
    "IssuedCertificate",
    "generate_institution_keys",
    "install_certificates",
    "read_certificate_request",
    "sign_certificate_request",
]

#: The attributes of an institution's subject, in the order the network writes them.
_SUBJECT = (NameOID.COUNTRY_NAME, NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME)


def generate_institution_keys(
    folder: Path,
    institution: InstitutionId,
    *,
    name: str | None = None,
    passphrase: bytes | None = None,
    force: bool = False,
) -> InstitutionFiles:
    """Make the signing and the encryption key pair (EC P-256) in ``folder``, each with a
    certificate signing request naming the institution and asking for that use only."""
    files = InstitutionFiles(folder)
    if not force:
        refuse_existing(
            [path for use in KeyUse for path in (files.key(use), files.request(use))],
            f"keys already exist in {folder}; they are kept (use --force to replace them)",
        )
    subject = institution_subject(institution, name or institution)
    for use in KeyUse:
        key = ec.generate_private_key(ec.SECP256R1())
        request = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(subject)
            .add_extension(institution_key_usage(use), critical=True)
            .sign(key, hashes.SHA256())
        )
        write_file_atomically(
            files.key(use), private_key_pem(key, passphrase), mode=0o600, overwrite=force
        )
        write_file_atomically(
            files.request(use),
            request.public_bytes(serialization.Encoding.PEM),
            mode=0o644,
            overwrite=True,
        )
    return files


def read_certificate_request(data: bytes, source: str) -> x509.CertificateSigningRequest:
    """Parse a PEM or DER certificate signing request."""
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_csr(data)
        return x509.load_der_x509_csr(data)
    except ValueError:
        raise KeyMaterialError(f"{source} is not a readable certificate signing request") from None


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A certificate the authority issued, and where it keeps it for the directory."""

    certificate: x509.Certificate
    recorded: Path


def sign_certificate_request(
    pki_dir: Path,
    request: x509.CertificateSigningRequest,
    *,
    institution: InstitutionId,
    use: KeyUse,
    source: str,
    authority_passphrase: bytes | None = None,
    valid_days: int = 730,
    force: bool = False,
) -> IssuedCertificate:
    """Issue ``institution``'s ``use`` certificate from its request, after checking the
    request (:func:`_checked_key`); the authority keeps it in ``pki_dir`` where
    ``ssgw directory sign`` finds it. Refused: :class:`KeyMaterialError`, nothing issued."""
    public_key = _checked_key(request, institution, use)
    if isinstance(public_key, str):
        raise KeyMaterialError(f"{source}: {public_key}; nothing issued")
    recorded = institution_files(pki_dir, institution).certificate(use)
    if not force:
        refuse_existing(
            [recorded],
            f"{recorded} holds a {use.value} certificate of {institution} already; it is kept "
            "(use --force to replace it)",
        )
    authority_key, authority_certificate = load_authority(pki_dir, authority_passphrase)
    certificate = issue_certificate(
        institution=institution,
        name=str(request.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value),
        use=use,
        public_key=public_key,
        authority_key=authority_key,
        authority_certificate=authority_certificate,
        valid_days=valid_days,
    )
    write_file_atomically(recorded, certificate_pem(certificate), mode=0o644, overwrite=True)
    return IssuedCertificate(certificate, recorded)


def _checked_key(
    request: x509.CertificateSigningRequest, institution: InstitutionId, use: KeyUse
) -> ec.EllipticCurvePublicKey | str:
    """The key to certify as ``institution``'s ``use`` key, or what keeps the authority from
    certifying it: the request's own signature (proof that the requester holds the key), the
    key (EC P-256, as the network's keys are), the subject and the key usage asked for."""
    if not request.is_signature_valid:
        return "its signature does not verify (altered, or not signed with its own key)"
    if not isinstance(request.signature_hash_algorithm, hashes.SHA256):
        return "it is not signed with SHA-256"
    key = request.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "its key is RSA; institution keys are EC P-256 ('ssgw keys generate' makes them)"
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return "its key is neither EC nor RSA; institution keys are EC P-256"
    if not isinstance(key.curve, ec.SECP256R1):
        return f"its key is on the curve {key.curve.name}; P-256 is required"
    return _subject_problem(request.subject, institution) or _usage_problem(request, use) or key


def _subject_problem(subject: x509.Name, institution: InstitutionId) -> str | None:
    """The subject must be C, O and CN once each, CN this institution's id as the network
    writes it, C its country; anything more would be certified without being checked."""
    oids = [attribute.oid for attribute in subject]
    if sorted(oid.dotted_string for oid in oids) != sorted(oid.dotted_string for oid in _SUBJECT):
        return f"its subject {subject.rfc4514_string()!r} is not C=, O=, CN= once each"
    common_name = str(subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
    try:
        named = parse_institution_id(common_name)
    except InvalidIdentifier as error:
        return f"its subject's common name is not an institution id: {error}"
    if named != institution:
        return f"it asks for {named}, not {institution}"
    country = str(subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value)
    if country != iso_country(institution):
        return f"its subject's country is {country}, not {iso_country(institution)}"
    if not str(subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value).strip():
        return "its subject's organisation name is empty"
    return None


def _usage_problem(request: x509.CertificateSigningRequest, use: KeyUse) -> str | None:
    """It must ask for exactly the key usage of ``use``, and for no other extension."""
    extensions = list(request.extensions)
    try:
        usage = request.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return f"it asks for no key usage; {use.value} needs {_usages(use)}"
    if usage != institution_key_usage(use):
        return f"it asks for a key usage other than {use.value}'s ({_usages(use)})"
    others = sorted(
        e.oid.dotted_string for e in extensions if not isinstance(e.value, x509.KeyUsage)
    )
    if others:
        return f"it asks for extensions the authority does not grant: {', '.join(others)}"
    return None


def _usages(use: KeyUse) -> str:
    return "digitalSignature, contentCommitment" if use is KeyUse.SIGNING else "keyAgreement"


def install_certificates(
    folder: Path,
    certificates: Sequence[tuple[str, x509.Certificate]],
    *,
    authority: x509.Certificate,
    passphrase: bytes | None = None,
    at: dt.datetime | None = None,
) -> list[tuple[KeyUse, Path]]:
    """Put each certificate (named by its source) beside the key in ``folder`` it belongs to,
    after checking them all: it certifies that key, for that key's use, for the institution
    the requests named, and was issued by ``authority`` and valid now. Nothing is written
    unless every one passes; a refusal is a :class:`KeyMaterialError`."""
    files = InstitutionFiles(folder)
    moment = at or dt.datetime.now(dt.UTC)
    placed: dict[KeyUse, x509.Certificate] = {}
    for source, certificate in certificates:
        use = _matching_use(files, certificate, passphrase, source)
        if use in placed:
            raise KeyMaterialError(f"{source}: a second {use.value} certificate; give one per key")
        institution = _requested_institution(files, use)
        try:
            check_institution_certificate(
                certificate, institution=institution, use=use, authority=authority, at=moment
            )
        except CertificateUntrusted as error:
            raise KeyMaterialError(f"{source}: {error.detail}; nothing installed") from None
        placed[use] = certificate
    for use, certificate in placed.items():
        write_file_atomically(
            files.certificate(use), certificate_pem(certificate), mode=0o644, overwrite=True
        )
    return [(use, files.certificate(use)) for use in placed]


def _matching_use(
    files: InstitutionFiles, certificate: x509.Certificate, passphrase: bytes | None, source: str
) -> KeyUse:
    """The use of the private key in ``files`` that ``certificate`` certifies."""
    present = [use for use in KeyUse if files.key(use).exists()]
    if not present:
        raise KeyMaterialError(f"no keys in {files.folder}; run 'ssgw keys generate' first")
    wanted = _public_bytes(certificate.public_key())
    for use in present:
        key = load_private_key(files.key(use), passphrase)
        if _public_bytes(key.public_key()) == wanted:
            return use
    names = " or ".join(files.key(use).name for use in present)
    raise KeyMaterialError(
        f"{source} does not certify a key of {files.folder} ({names}); nothing installed"
    )


def _requested_institution(files: InstitutionFiles, use: KeyUse) -> InstitutionId:
    """The institution the key's request named: what the node asked to be certified as."""
    path = files.request(use)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise KeyMaterialError(f"cannot read the request {path}: {error.strerror}") from None
    names = read_certificate_request(data, str(path)).subject.get_attributes_for_oid(
        NameOID.COMMON_NAME
    )
    try:
        return parse_institution_id(str(names[0].value) if names else "")
    except InvalidIdentifier:
        raise KeyMaterialError(f"the request {path} names no institution") from None


def _public_bytes(key: object) -> bytes:
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return b""
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
