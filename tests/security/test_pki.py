"""The PKI: keys private to their owner, never silently replaced, certificates fit for one use."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.codes import InstitutionId
from gateway.errors import CertificateUntrusted, KeyMaterialError
from gateway.security import (
    KeyUse,
    check_institution_certificate,
    init_authority,
    institution_files,
    issue_institution,
    load_certificate,
    load_private_key,
)

DE = InstitutionId("DE:DRV70001")


@pytest.fixture
def pki(tmp_path: Path) -> Path:
    init_authority(tmp_path)
    return tmp_path


def test_private_keys_are_written_0600(pki: Path) -> None:
    files = issue_institution(pki, DE)
    for path in (pki / "authority.key", files.key(KeyUse.SIGNING), files.key(KeyUse.ENCRYPTION)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_nothing_is_overwritten_without_force(pki: Path) -> None:
    files = issue_institution(pki, DE)
    before = files.key(KeyUse.SIGNING).read_bytes()
    with pytest.raises(KeyMaterialError, match="--force"):
        issue_institution(pki, DE)
    with pytest.raises(KeyMaterialError, match="--force"):
        init_authority(pki)
    assert files.key(KeyUse.SIGNING).read_bytes() == before
    issue_institution(pki, DE, force=True)
    assert files.key(KeyUse.SIGNING).read_bytes() != before
    assert not [p for p in files.folder.iterdir() if p.name.startswith(".")]


def test_passphrase_protected_keys(pki: Path) -> None:
    files = issue_institution(pki, DE, passphrase=b"correct horse")
    key = files.key(KeyUse.SIGNING)
    assert b"ENCRYPTED" in key.read_bytes()
    assert isinstance(load_private_key(key, b"correct horse"), ec.EllipticCurvePrivateKey)
    with pytest.raises(KeyMaterialError, match="wrong passphrase"):
        load_private_key(key, b"wrong")
    with pytest.raises(KeyMaterialError, match="none was given"):
        load_private_key(key)


def test_issuing_needs_an_authority(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialError, match="pki init"):
        issue_institution(tmp_path, DE)


def test_unreadable_key_files_get_clear_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.key"
    with pytest.raises(KeyMaterialError, match="cannot read"):
        load_private_key(missing)
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"not a key")
    with pytest.raises(KeyMaterialError):
        load_private_key(garbage)
    with pytest.raises(KeyMaterialError, match=r"not a readable X\.509"):
        load_certificate(garbage)


def test_certificates_are_bound_to_the_institution_and_one_use(pki: Path) -> None:
    files = issue_institution(pki, DE)
    authority = load_certificate(pki / "authority.pem")
    signing = load_certificate(files.certificate(KeyUse.SIGNING))
    encryption = load_certificate(files.certificate(KeyUse.ENCRYPTION))
    now = dt.datetime.now(dt.UTC)
    check_institution_certificate(
        signing, institution=DE, use=KeyUse.SIGNING, authority=authority, at=now
    )
    check_institution_certificate(
        encryption, institution=DE, use=KeyUse.ENCRYPTION, authority=authority, at=now
    )
    with pytest.raises(CertificateUntrusted, match="not made for signing"):
        check_institution_certificate(
            encryption, institution=DE, use=KeyUse.SIGNING, authority=authority, at=now
        )
    with pytest.raises(CertificateUntrusted, match="another subject"):
        check_institution_certificate(
            signing, institution="FR:CNAV", use=KeyUse.SIGNING, authority=authority, at=now
        )
    usage = signing.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_agreement


def test_a_certificate_from_another_authority_is_not_trusted(pki: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    init_authority(other)
    files = issue_institution(other, DE)
    with pytest.raises(CertificateUntrusted, match="not issued by the network authority"):
        check_institution_certificate(
            load_certificate(files.certificate(KeyUse.SIGNING)),
            institution=DE,
            use=KeyUse.SIGNING,
            authority=load_certificate(pki / "authority.pem"),
            at=dt.datetime.now(dt.UTC),
        )


def test_greek_and_british_ids_use_iso_country_names_in_certificates(pki: Path) -> None:
    files = issue_institution(pki, InstitutionId("EL:EFKA0001"))
    certificate = load_certificate(files.certificate(KeyUse.SIGNING))
    assert "C=GR" in certificate.subject.rfc4514_string()
    assert institution_files(pki, InstitutionId("EL:EFKA0001")).folder.name == "EL_EFKA0001"
