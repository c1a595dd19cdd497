"""A signing key rotation as a receiving node sees it: both certificates during the overlap,
only the new one once the old one has expired, and never one the directory revokes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from signed_directories import D, add_certificate, authority_identity, resign, unsigned_copy

from gateway.codes import InstitutionId
from gateway.directory import Directory, load_directory
from gateway.errors import CertificateUntrusted
from gateway.exchange import Credentials, InboundMessage, open_inbound, prepare_outbound
from gateway.security import KeyUse, SigningIdentity, certificate_fingerprint, issue_certificate
from support import example

SENDER, RECEIVER = "FR:CNAV", "DE:DRV70001"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _identity(pki_dir: Path, *, not_before: dt.datetime, valid_days: int) -> SigningIdentity:
    authority = authority_identity(pki_dir)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = issue_certificate(
        institution=InstitutionId(SENDER),
        name="Caisse nationale d'assurance vieillesse",
        use=KeyUse.SIGNING,
        public_key=key.public_key(),
        authority_key=authority.key,
        authority_certificate=authority.certificate,
        not_before=not_before,
        valid_days=valid_days,
    )
    return SigningIdentity(key, certificate)


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def rotation(pki_dir: Path) -> tuple[SigningIdentity, SigningIdentity]:
    """FR:CNAV's old signing identity, valid three more days, and the new one that follows."""
    old = _identity(pki_dir, not_before=NOW - dt.timedelta(days=700), valid_days=703)
    new = _identity(pki_dir, not_before=NOW - dt.timedelta(hours=1), valid_days=730)
    return old, new


def _directory(
    signed_directory_file: Path,
    pki_dir: Path,
    rotation: tuple[SigningIdentity, SigningIdentity],
    *,
    revoke_old: bool = False,
) -> Directory:
    """The network's directory listing both of FR:CNAV's signing certificates."""
    old, new = rotation
    root = unsigned_copy(signed_directory_file)
    for node in root.iterfind(f"{D}Institutions/{D}Institution"):
        if node.get("id") == SENDER:
            for listed in node.findall(f"{D}Certificate"):
                if listed.get("use") == KeyUse.SIGNING.value:
                    node.remove(listed)
    add_certificate(root, SENDER, _der(old.certificate), KeyUse.SIGNING)
    add_certificate(root, SENDER, _der(new.certificate), KeyUse.SIGNING)
    if revoke_old:
        revoked = etree.SubElement(root, f"{D}RevokedCertificates")
        etree.SubElement(
            revoked,
            f"{D}Revoked",
            sha256=certificate_fingerprint(old.certificate),
            since=(NOW - dt.timedelta(minutes=1)).isoformat(),
        )
    return load_directory(resign(root, pki_dir), authority_identity(pki_dir).certificate)


def _exchange(
    signing: SigningIdentity,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    at: dt.datetime,
) -> InboundMessage:
    """A periods request FR:CNAV signs with ``signing`` at ``at``, as DE:DRV70001 opens it."""
    sender = dataclasses.replace(credentials(SENDER), signing=signing)
    message = prepare_outbound(
        example("InsurancePeriodsRequest"),
        credentials=sender,
        directory=directory,
        recipient=RECEIVER,
        now=at,
        time_to_live=dt.timedelta(hours=1),
    )
    return open_inbound(
        message.sealed, credentials=credentials(RECEIVER), directory=directory, now=at
    )


def test_during_the_overlap_either_certificate_is_accepted(
    signed_directory_file: Path,
    pki_dir: Path,
    rotation: tuple[SigningIdentity, SigningIdentity],
    credentials: Callable[[str], Credentials],
) -> None:
    directory = _directory(signed_directory_file, pki_dir, rotation)
    for signing in rotation:
        opened = _exchange(signing, directory, credentials, NOW)
        assert opened.header.sender == SENDER


def test_once_the_old_certificate_expired_only_the_new_one_is(
    signed_directory_file: Path,
    pki_dir: Path,
    rotation: tuple[SigningIdentity, SigningIdentity],
    credentials: Callable[[str], Credentials],
) -> None:
    old, new = rotation
    directory = _directory(signed_directory_file, pki_dir, rotation)
    later = NOW + dt.timedelta(days=4)
    assert old.certificate.not_valid_after_utc < later < new.certificate.not_valid_after_utc
    assert _exchange(new, directory, credentials, later).header.sender == SENDER
    with pytest.raises(CertificateUntrusted):
        _exchange(old, directory, credentials, later)


def test_a_revoked_certificate_is_refused_from_the_directory_that_revokes_it(
    signed_directory_file: Path,
    pki_dir: Path,
    rotation: tuple[SigningIdentity, SigningIdentity],
    credentials: Callable[[str], Credentials],
) -> None:
    old, new = rotation
    directory = _directory(signed_directory_file, pki_dir, rotation, revoke_old=True)
    assert _exchange(new, directory, credentials, NOW).header.sender == SENDER
    with pytest.raises(CertificateUntrusted):
        _exchange(old, directory, credentials, NOW)
