"""Certificates from requests: what the node asks for is what the authority's profile gives,
and the authority's folder never receives a private key."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.codes import InstitutionId
from gateway.errors import KeyMaterialError
from gateway.security import (
    KeyUse,
    check_institution_certificate,
    generate_institution_keys,
    init_authority,
    install_certificates,
    issue_institution,
    load_certificate,
    read_certificate_request,
    sign_certificate_request,
)
from gateway.security._pki import institution_key_usage, institution_subject

EL = InstitutionId("EL:EFKA0001")


def _request(path: Path) -> x509.CertificateSigningRequest:
    return read_certificate_request(path.read_bytes(), str(path))


def test_requests_ask_for_one_use_each_and_name_the_institution(tmp_path: Path) -> None:
    files = generate_institution_keys(tmp_path, EL, name="e-EFKA", passphrase=b"horse")
    for use in KeyUse:
        assert stat.S_IMODE(files.key(use).stat().st_mode) == 0o600
        assert b"ENCRYPTED" in files.key(use).read_bytes()
        request = _request(files.request(use))
        assert request.is_signature_valid
        assert request.subject.rfc4514_string() == "CN=EL:EFKA0001,O=e-EFKA,C=GR"
        usage = request.extensions.get_extension_for_class(x509.KeyUsage)
        assert usage.critical
        assert usage.value.digital_signature is (use is KeyUse.SIGNING)
        assert usage.value.key_agreement is (use is KeyUse.ENCRYPTION)


def test_a_certificate_from_a_request_has_the_profile_of_an_issued_one(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    init_authority(pki)
    shortcut = issue_institution(pki, InstitutionId("GR:OTHER"), name="e-EFKA")
    files = generate_institution_keys(tmp_path / "node", EL, name="e-EFKA")
    issued = sign_certificate_request(
        pki,
        _request(files.request(KeyUse.SIGNING)),
        institution=EL,
        use=KeyUse.SIGNING,
        source="signing.csr",
    )
    assert issued.recorded == pki / "institutions" / "EL_EFKA0001" / "signing.pem"
    assert load_certificate(issued.recorded) == issued.certificate
    assert not list(issued.recorded.parent.glob("*.key"))
    profile = load_certificate(shortcut.certificate(KeyUse.SIGNING))
    extensions = {e.oid: e.critical for e in issued.certificate.extensions}
    assert extensions == {e.oid: e.critical for e in profile.extensions}
    assert issued.certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == _request(files.request(KeyUse.SIGNING)).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    check_institution_certificate(
        issued.certificate,
        institution=EL,
        use=KeyUse.SIGNING,
        authority=load_certificate(pki / "authority.pem"),
        at=dt.datetime.now(dt.UTC),
    )


def test_generating_again_keeps_the_keys_unless_forced(tmp_path: Path) -> None:
    files = generate_institution_keys(tmp_path, EL)
    before = files.key(KeyUse.ENCRYPTION).read_bytes()
    with pytest.raises(KeyMaterialError, match="--force"):
        generate_institution_keys(tmp_path, EL)
    assert files.key(KeyUse.ENCRYPTION).read_bytes() == before
    generate_institution_keys(tmp_path, EL, force=True)
    assert files.key(KeyUse.ENCRYPTION).read_bytes() != before


def test_a_certificate_for_the_wrong_use_of_the_right_key_is_not_installed(
    tmp_path: Path,
) -> None:
    """The encryption key certified for signing, from a request made by hand: the authority
    cannot tell which of the node's keys it is, the node can."""
    pki = tmp_path / "pki"
    init_authority(pki)
    node = generate_institution_keys(tmp_path / "node", EL)
    key = serialization.load_pem_private_key(node.key(KeyUse.ENCRYPTION).read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(institution_subject(EL, "e-EFKA"))
        .add_extension(institution_key_usage(KeyUse.SIGNING), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate = sign_certificate_request(
        pki, request, institution=EL, use=KeyUse.SIGNING, source="by-hand.csr"
    ).certificate
    with pytest.raises(KeyMaterialError, match="is not made for encryption; nothing installed"):
        install_certificates(
            node.folder,
            [("by-hand.pem", certificate)],
            authority=load_certificate(pki / "authority.pem"),
        )
    assert not node.certificate(KeyUse.ENCRYPTION).exists()
    assert not node.certificate(KeyUse.SIGNING).exists()
