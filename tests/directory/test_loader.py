"""The directory is read only when the network authority signed it, and read faithfully."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree
from signed_directories import D, add_certificate, authority_identity, resign, unsigned_copy

from gateway.codes import Branch, InstitutionId
from gateway.directory import (
    AgreementStage,
    Directory,
    NetworkKind,
    load_directory,
)
from gateway.errors import CertificateUntrusted, DirectoryError, UnknownInstitution
from gateway.security import (
    KeyUse,
    SigningIdentity,
    certificate_fingerprint,
    init_authority,
    issue_certificate,
    load_certificate,
    load_private_key,
    sign_enveloped,
)


def test_the_sample_directory_is_read_completely(directory: Directory) -> None:
    assert directory.network is NetworkKind.PRODUCTION
    assert len(directory.institutions) == 18
    assert {a.id for a in directory.agreements} == {
        "EU-883-2004",
        "AR-CL",
        "CA-NL",
        "FR-TN",
        "IN-DE",
        "AU-KR",
        "US-DE",
        "MERCOSUR",
    }
    india_germany = next(a for a in directory.agreements if a.id == "IN-DE")
    assert india_germany.stage is AgreementStage.IN_FORCE
    assert india_germany.scopes["DE"] == frozenset({Branch.OLD_AGE})
    assert india_germany.scopes["IN"] == frozenset(
        {Branch.OLD_AGE, Branch.SURVIVORS, Branch.INVALIDITY}
    )
    assert india_germany.in_force_from == dt.date(2017, 5, 1)
    eu = next(a for a in directory.agreements if a.id == "EU-883-2004")
    assert len(eu.parties) == 31 and eu.posting_limit_months == 24
    assert directory.institution("DE:DRV70001").routing_key == "de.drv70001"


def test_every_issued_institution_has_both_certificates(directory: Directory) -> None:
    now = dt.datetime.now(dt.UTC)
    for use in KeyUse:
        assert len(directory.certificates(InstitutionId("IN:EPFO"), use, now)) == 1


def test_a_tampered_directory_is_refused(signed_directory_file: Path, pki_dir: Path) -> None:
    data = signed_directory_file.read_bytes().replace(
        b"<Branch>old-age</Branch>", b"<Branch>family</Branch>", 1
    )
    with pytest.raises(DirectoryError, match="signature"):
        load_directory(data, load_certificate(pki_dir / "authority.pem"))


def test_a_directory_signed_by_another_authority_is_refused(
    signed_directory_file: Path, tmp_path: Path
) -> None:
    rogue = init_authority(tmp_path / "rogue")
    rogue_identity = SigningIdentity(
        load_private_key(rogue.key), load_certificate(rogue.certificate)
    )
    data = etree.tostring(sign_enveloped(unsigned_copy(signed_directory_file), rogue_identity))
    with pytest.raises(DirectoryError, match="signature"):
        load_directory(data, load_certificate(signed_directory_file.parent / "authority.pem"))


def test_an_unsigned_directory_is_refused(signed_directory_file: Path, pki_dir: Path) -> None:
    data = etree.tostring(unsigned_copy(signed_directory_file))
    with pytest.raises(DirectoryError, match="not signed"):
        load_directory(data, load_certificate(pki_dir / "authority.pem"))


def test_a_signed_but_schema_invalid_directory_is_refused(
    signed_directory_file: Path, pki_dir: Path
) -> None:
    root = unsigned_copy(signed_directory_file)
    institution = root.find(f"{D}Institutions/{D}Institution")
    assert institution is not None
    institution.set("routingKey", "Not A Key!")
    with pytest.raises(DirectoryError, match="schema"):
        load_directory(resign(root, pki_dir), load_certificate(pki_dir / "authority.pem"))


def test_a_country_that_contradicts_the_id_is_refused(
    signed_directory_file: Path, pki_dir: Path
) -> None:
    root = unsigned_copy(signed_directory_file)
    institution = root.find(f"{D}Institutions/{D}Institution")
    assert institution is not None
    institution.set("country", "AT")
    with pytest.raises(DirectoryError, match="differs from its id"):
        load_directory(resign(root, pki_dir), load_certificate(pki_dir / "authority.pem"))


def test_garbage_is_refused(pki_dir: Path) -> None:
    with pytest.raises(DirectoryError, match="not readable"):
        load_directory(b"\x00\x01garbage", load_certificate(pki_dir / "authority.pem"))


def test_an_unknown_institution_is_named(directory: Directory) -> None:
    with pytest.raises(UnknownInstitution, match="XX:NOBODY"):
        directory.institution("XX:NOBODY")


def test_rotation_overlap_then_revocation(signed_directory_file: Path, pki_dir: Path) -> None:
    """During an overlap both signing certificates are trusted; a revoked one never is."""
    identity = authority_identity(pki_dir)
    now = dt.datetime.now(dt.UTC)
    new_key = ec.generate_private_key(ec.SECP256R1())
    new_certificate = issue_certificate(
        institution=InstitutionId("DE:DRV70001"),
        name="Deutsche Rentenversicherung Bund",
        use=KeyUse.SIGNING,
        public_key=new_key.public_key(),
        authority_key=identity.key,
        authority_certificate=identity.certificate,
    )
    root = unsigned_copy(signed_directory_file)
    add_certificate(
        root,
        "DE:DRV70001",
        new_certificate.public_bytes(serialization.Encoding.DER),
        KeyUse.SIGNING,
    )
    rotated = load_directory(resign(root, pki_dir), identity.certificate)
    trusted = rotated.certificates(InstitutionId("DE:DRV70001"), KeyUse.SIGNING, now)
    assert len(trusted) == 2 and new_certificate in trusted

    old = next(c for c in trusted if c != new_certificate)
    revoked = etree.SubElement(root, f"{D}RevokedCertificates")
    etree.SubElement(
        revoked, f"{D}Revoked", sha256=certificate_fingerprint(old), since=now.isoformat()
    )
    after = load_directory(resign(root, pki_dir), identity.certificate)
    assert after.certificates(InstitutionId("DE:DRV70001"), KeyUse.SIGNING, now) == (
        new_certificate,
    )
    assert after.revoked == frozenset({certificate_fingerprint(old)})


def test_a_certificate_for_another_institution_is_not_trusted(
    signed_directory_file: Path, pki_dir: Path
) -> None:
    identity = authority_identity(pki_dir)
    french = load_certificate(pki_dir / "institutions" / "FR_CNAV" / "signing.pem")
    root = unsigned_copy(signed_directory_file)
    for node in root.iterfind(f"{D}Institutions/{D}Institution"):
        if node.get("id") == "DE:DRV70001":
            for certificate in node.findall(f"{D}Certificate"):
                node.remove(certificate)
    add_certificate(
        root, "DE:DRV70001", french.public_bytes(serialization.Encoding.DER), KeyUse.SIGNING
    )
    swapped = load_directory(resign(root, pki_dir), identity.certificate)
    with pytest.raises(CertificateUntrusted, match="another subject"):
        swapped.certificates(InstitutionId("DE:DRV70001"), KeyUse.SIGNING, dt.datetime.now(dt.UTC))


def _add_institution(
    root: etree._Element, institution_id: str, routing_key: str, *versions: str
) -> None:
    institutions = root.find(f"{D}Institutions")
    assert institutions is not None
    entry = etree.SubElement(
        institutions,
        f"{D}Institution",
        id=institution_id,
        country=institution_id[:2],
        routingKey=routing_key,
    )
    etree.SubElement(entry, f"{D}Name").text = "EFKA"
    branches = etree.SubElement(entry, f"{D}Branches")
    etree.SubElement(branches, f"{D}Branch").text = "old-age"
    cases = etree.SubElement(entry, f"{D}CaseTypes")
    etree.SubElement(cases, f"{D}CaseType").text = "benefit-claim"
    if versions:
        listed = etree.SubElement(entry, f"{D}SchemaVersions")
        for version in versions:
            etree.SubElement(listed, f"{D}Version").text = version


def test_one_institution_under_two_spellings_is_refused(
    signed_directory_file: Path, pki_dir: Path
) -> None:
    root = unsigned_copy(signed_directory_file)
    for spelling in ("GR:EFKA0001", "EL:EFKA0001"):
        _add_institution(root, spelling, spelling.lower().replace(":", "."))
    with pytest.raises(DirectoryError, match="listed twice"):
        load_directory(resign(root, pki_dir), load_certificate(pki_dir / "authority.pem"))


def test_an_id_keeps_the_case_the_network_writes(
    signed_directory_file: Path, pki_dir: Path
) -> None:
    root = unsigned_copy(signed_directory_file)
    _add_institution(root, "DE:GZDKoStEU", "de.gzdkosteu", "1.0", "2.0")
    loaded = load_directory(resign(root, pki_dir), load_certificate(pki_dir / "authority.pem"))
    institution = loaded.institution("DE:GZDKoStEU")
    assert institution.schema_versions == {"1.0", "2.0"}
    assert institution.takes("2.0")
    assert loaded.institution("IN:EPFO").schema_versions == {"1.0"}
    with pytest.raises(UnknownInstitution):
        loaded.institution("DE:GZDKOSTEU")


def test_two_ids_differing_only_in_case_are_refused(
    signed_directory_file: Path, pki_dir: Path
) -> None:
    root = unsigned_copy(signed_directory_file)
    _add_institution(root, "DE:GZDKoStEU", "de.gzdkosteu.a")
    _add_institution(root, "DE:GZDKOSTEU", "de.gzdkosteu.b")
    with pytest.raises(DirectoryError, match="differ only in the case of letters"):
        load_directory(resign(root, pki_dir), load_certificate(pki_dir / "authority.pem"))


@pytest.mark.parametrize("versions", [("3.0",), ("2.0", "2.0")])
def test_unknown_or_repeated_schema_versions_are_refused(
    signed_directory_file: Path, pki_dir: Path, versions: tuple[str, ...]
) -> None:
    root = unsigned_copy(signed_directory_file)
    _add_institution(root, "DE:GZDKoStEU", "de.gzdkosteu", *versions)
    with pytest.raises(DirectoryError, match="does not match its schema"):
        load_directory(resign(root, pki_dir), load_certificate(pki_dir / "authority.pem"))


def test_look_alike_letters_in_an_id_are_still_refused(
    signed_directory_file: Path, pki_dir: Path
) -> None:
    root = unsigned_copy(signed_directory_file)
    _add_institution(root, "DE:GZDK\u043eStEU", "de.gzdkosteu")  # a Cyrillic o
    with pytest.raises(DirectoryError):
        load_directory(resign(root, pki_dir), load_certificate(pki_dir / "authority.pem"))


def test_partners_are_those_an_agreement_binds(directory: Directory) -> None:
    day = dt.date(2026, 11, 25)
    assert directory.partners("IN:EPFO", day) == {"DE:DRV70001", "DE:BA0001"}
    french = directory.partners("FR:CNAV", day)
    assert {"DE:DRV70001", "FR:URSSAF", "TN:CNSS", "NL:SVB01"} <= french
    assert "IN:EPFO" not in french and "FR:CNAV" not in french
    assert directory.partners("IN:EPFO", dt.date(2016, 1, 1)) == frozenset()
