"""Keys that never leave the institution: ``ssgw keys generate`` on the node, ``ssgw pki
sign-csr`` at the authority, ``ssgw keys install`` back on the node; each refusal one
``error:`` line and exit code 2, with nothing issued or installed."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner, Result

from gateway.cli import app
from gateway.codes import InstitutionId
from gateway.config import load_settings
from gateway.exchange import Credentials
from gateway.node import load_credentials
from gateway.security import KeyUse, load_certificate
from gateway.security._pki import institution_key_usage, institution_subject

runner = CliRunner()
DE = "DE:DRV70001"


def ssgw(*args: object, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
    return runner.invoke(app, [str(a) for a in args], env=env, input=stdin)


def refused(result: Result, *fragments: str) -> str:
    """The one line a refusal prints, having checked the exit code and its words."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ")
    for fragment in fragments:
        assert fragment in line, line
    return line


@pytest.fixture
def pki(tmp_path: Path) -> Path:
    folder = tmp_path / "pki"
    assert ssgw("pki", "init", folder).exit_code == 0
    return folder


@pytest.fixture
def node(tmp_path: Path) -> Path:
    folder = tmp_path / "node"
    result = ssgw("keys", "generate", folder, DE, "--name", "Deutsche Rentenversicherung")
    assert result.exit_code == 0, result.output
    return folder


def sign_csr(pki: Path, request: Path, use: str, institution: str = DE, *more: object) -> Result:
    return ssgw("pki", "sign-csr", pki, request, "--institution", institution, "--use", use, *more)


def issued(pki: Path, node: Path, out: Path) -> dict[str, Path]:
    """Both certificates of ``node``, issued by ``pki`` into ``out``."""
    certificates = {}
    for use in ("signing", "encryption"):
        certificates[use] = out / f"{use}.pem"
        result = sign_csr(pki, node / f"{use}.csr", use, DE, "-o", certificates[use])
        assert result.exit_code == 0, result.output
    return certificates


def test_keys_made_on_the_node_are_certified_and_installed_without_the_authority_seeing_them(
    pki: Path, node: Path, tmp_path: Path
) -> None:
    for use in ("signing", "encryption"):
        assert stat.S_IMODE((node / f"{use}.key").stat().st_mode) == 0o600
        request = x509.load_pem_x509_csr((node / f"{use}.csr").read_bytes())
        assert request.is_signature_valid
        assert request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == DE
    certificates = issued(pki, node, tmp_path)
    result = ssgw(
        "keys", "install", node, *certificates.values(), "--authority", pki / "authority.pem"
    )
    assert result.exit_code == 0, result.output
    assert "signing certificate installed" in result.stdout
    # The authority's folder holds its own key, and certificates only.
    assert sorted(p.name for p in pki.rglob("*.key")) == ["authority.key"]
    assert (pki / "institutions" / "DE_DRV70001" / "signing.pem").exists()
    credentials = Credentials.from_files(
        signing_key=node / "signing.key",
        signing_certificate=node / "signing.pem",
        encryption_keys=[(node / "encryption.key", node / "encryption.pem")],
    )
    assert credentials.institution == DE
    certificate = load_certificate(node / "encryption.pem")
    assert certificate.subject == institution_subject(
        InstitutionId(DE), "Deutsche Rentenversicherung"
    )
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_agreement and not usage.digital_signature


def test_generate_keeps_existing_keys_and_protects_them_with_a_passphrase(
    node: Path, tmp_path: Path
) -> None:
    before = (node / "signing.key").read_bytes()
    refused(ssgw("keys", "generate", node, DE), "already exist", "--force")
    assert (node / "signing.key").read_bytes() == before
    asked = tmp_path / "asked"
    result = ssgw("keys", "generate", asked, DE, "--ask-passphrase", stdin="horse\nhorse\n")
    assert result.exit_code == 0, result.output
    assert "horse" not in result.stdout
    mistyped = tmp_path / "mistyped"
    result = ssgw("keys", "generate", mistyped, DE, "--ask-passphrase", stdin="horse\nhorde\n")
    assert result.exit_code != 0
    assert not mistyped.exists()
    from_environment = tmp_path / "environment"
    result = ssgw("keys", "generate", from_environment, DE, env={"GATEWAY_KEY_PASSPHRASE": "x"})
    assert result.exit_code == 0, result.output
    for folder in (asked, from_environment):
        assert b"ENCRYPTED" in (folder / "signing.key").read_bytes()
    refused(ssgw("keys", "generate", tmp_path / "bad", "de:drv70001"), "de:drv70001")


def _request(
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    subject: x509.Name,
    extensions: list[x509.ExtensionType],
) -> x509.CertificateSigningRequest:
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject)
    for extension in extensions:
        builder = builder.add_extension(extension, critical=True)
    return builder.sign(key, hashes.SHA256())


def _p256() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


SIGNING_SUBJECT = institution_subject(InstitutionId(DE), "DRV")
SIGNING_USAGE = institution_key_usage(KeyUse.SIGNING)


def _tampered(node: Path) -> bytes:
    """The node's signing request with one bit of its signature flipped."""
    der = bytearray(
        x509.load_pem_x509_csr((node / "signing.csr").read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    )
    der[-3] ^= 0x01
    return bytes(der)


def _pem(request: x509.CertificateSigningRequest) -> bytes:
    return request.public_bytes(serialization.Encoding.PEM)


BAD_REQUESTS: dict[str, tuple[Callable[[Path], bytes], str, str, str]] = {
    # name: (the request's bytes, --use, --institution, what the refusal says)
    "wrong curve": (
        lambda _: _pem(
            _request(ec.generate_private_key(ec.SECP384R1()), SIGNING_SUBJECT, [SIGNING_USAGE])
        ),
        "signing",
        DE,
        "curve secp384r1; P-256 is required",
    ),
    "RSA key": (
        lambda _: _pem(
            _request(
                rsa.generate_private_key(public_exponent=65537, key_size=2048),
                SIGNING_SUBJECT,
                [SIGNING_USAGE],
            )
        ),
        "signing",
        DE,
        "its key is RSA",
    ),
    "wrong key usage": (
        lambda node: (node / "signing.csr").read_bytes(),
        "encryption",
        DE,
        "a key usage other than encryption's (keyAgreement)",
    ),
    "institution mismatch": (
        lambda node: (node / "signing.csr").read_bytes(),
        "signing",
        "FR:CNAV",
        "it asks for DE:DRV70001, not FR:CNAV",
    ),
    "tampered signature": (_tampered, "signing", DE, "its signature does not verify"),
    "no key usage": (
        lambda _: _pem(_request(_p256(), SIGNING_SUBJECT, [])),
        "signing",
        DE,
        "asks for no key usage",
    ),
    "a CA asked for": (
        lambda _: _pem(
            _request(
                _p256(),
                SIGNING_SUBJECT,
                [SIGNING_USAGE, x509.BasicConstraints(ca=True, path_length=None)],
            )
        ),
        "signing",
        DE,
        "extensions the authority does not grant: 2.5.29.19",
    ),
    "extra subject attribute": (
        lambda _: _pem(
            _request(
                _p256(),
                x509.Name(
                    [*SIGNING_SUBJECT, x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "IT")]
                ),
                [SIGNING_USAGE],
            )
        ),
        "signing",
        DE,
        "is not C=, O=, CN= once each",
    ),
    "common name not an id": (
        lambda _: _pem(
            _request(
                _p256(),
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DRV"),
                        x509.NameAttribute(NameOID.COMMON_NAME, "de:drv70001"),
                    ]
                ),
                [SIGNING_USAGE],
            )
        ),
        "signing",
        DE,
        "common name is not an institution id",
    ),
    "wrong country": (
        lambda _: _pem(
            _request(
                _p256(),
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DRV"),
                        x509.NameAttribute(NameOID.COMMON_NAME, DE),
                    ]
                ),
                [SIGNING_USAGE],
            )
        ),
        "signing",
        DE,
        "country is FR, not DE",
    ),
    # Algorithms are pinned, as for documents: SHA-1 cryptography would not even make.
    "SHA-512 signature": (
        lambda _: _pem(
            x509.CertificateSigningRequestBuilder()
            .subject_name(SIGNING_SUBJECT)
            .add_extension(SIGNING_USAGE, critical=True)
            .sign(_p256(), hashes.SHA512())
        ),
        "signing",
        DE,
        "not signed with SHA-256",
    ),
    "not a request": (
        lambda _: b"not a request",
        "signing",
        DE,
        "not a readable certificate signing request",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_the_authority_refuses_a_bad_request_in_one_line(
    case: str, pki: Path, node: Path, tmp_path: Path
) -> None:
    make, use, institution, words = BAD_REQUESTS[case]
    request = tmp_path / "request.csr"
    request.write_bytes(make(node))
    out = tmp_path / "issued.pem"
    refused(sign_csr(pki, request, use, institution, "-o", out), words)
    assert not out.exists()
    assert not (pki / "institutions").exists()


def test_the_authority_keeps_an_issued_certificate_unless_told(pki: Path, node: Path) -> None:
    assert sign_csr(pki, node / "signing.csr", "signing").exit_code == 0
    recorded = pki / "institutions" / "DE_DRV70001" / "signing.pem"
    before = recorded.read_bytes()
    refused(sign_csr(pki, node / "signing.csr", "signing"), "already; it is kept", "--force")
    assert recorded.read_bytes() == before
    assert sign_csr(pki, node / "signing.csr", "signing", DE, "--force").exit_code == 0
    assert recorded.read_bytes() != before


def test_install_refuses_a_certificate_of_another_key(
    pki: Path, node: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    assert ssgw("keys", "generate", other, DE).exit_code == 0
    certificate = tmp_path / "other-signing.pem"
    assert sign_csr(pki, other / "signing.csr", "signing", DE, "-o", certificate).exit_code == 0
    result = ssgw("keys", "install", node, certificate, "--authority", pki / "authority.pem")
    refused(result, "does not certify a key of", "nothing installed")
    assert not (node / "signing.pem").exists()


def test_install_refuses_a_certificate_from_another_authority(
    pki: Path, node: Path, tmp_path: Path
) -> None:
    rogue = tmp_path / "rogue"
    assert ssgw("pki", "init", rogue).exit_code == 0
    certificates = issued(rogue, node, tmp_path)
    result = ssgw(
        "keys", "install", node, *certificates.values(), "--authority", pki / "authority.pem"
    )
    refused(result, "not issued by the network authority", "nothing installed")
    assert not list(node.glob("*.pem"))


def test_install_refuses_a_certificate_for_another_institution(
    pki: Path, node: Path, tmp_path: Path
) -> None:
    # The node's own key, certified as another institution's: not what the node asked for.
    key = serialization.load_pem_private_key((node / "signing.key").read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    request = tmp_path / "as-cnav.csr"
    request.write_bytes(
        _pem(_request(key, institution_subject(InstitutionId("FR:CNAV"), "CNAV"), [SIGNING_USAGE]))
    )
    certificate = tmp_path / "cnav.pem"
    assert sign_csr(pki, request, "signing", "FR:CNAV", "-o", certificate).exit_code == 0
    result = ssgw("keys", "install", node, certificate, "--authority", pki / "authority.pem")
    refused(result, "names another subject", "nothing installed")


def test_install_installs_nothing_when_one_certificate_is_refused(
    pki: Path, node: Path, tmp_path: Path
) -> None:
    certificates = issued(pki, node, tmp_path)
    result = ssgw(
        "keys",
        "install",
        node,
        certificates["signing"],
        pki / "authority.pem",
        "--authority",
        pki / "authority.pem",
    )
    refused(result, "authority.pem does not certify a key of")
    assert not list(node.glob("*.pem"))


def test_install_takes_one_certificate_per_key(pki: Path, node: Path, tmp_path: Path) -> None:
    certificates = issued(pki, node, tmp_path)
    twice = [certificates["signing"], certificates["signing"]]
    result = ssgw("keys", "install", node, *twice, "--authority", pki / "authority.pem")
    refused(result, "a second signing certificate")
    assert not list(node.glob("*.pem"))


def test_install_with_protected_keys_needs_their_passphrase(pki: Path, tmp_path: Path) -> None:
    node = tmp_path / "protected"
    phrase = {"GATEWAY_KEY_PASSPHRASE": "correct horse"}
    assert ssgw("keys", "generate", node, DE, env=phrase).exit_code == 0
    certificates = issued(pki, node, tmp_path)
    install = [
        "keys",
        "install",
        node,
        *certificates.values(),
        "--authority",
        pki / "authority.pem",
    ]
    wrong = ssgw(*install, env={"GATEWAY_KEY_PASSPHRASE": "wrong"})
    refused(wrong, f"{node / 'signing.key'}", "wrong passphrase")
    assert not list(node.glob("*.pem"))
    assert ssgw(*install, env=phrase).exit_code == 0


def _node_config(tmp_path: Path, node: Path, pki: Path, passphrase_file: Path) -> Path:
    config = tmp_path / "node.toml"
    config.write_text(
        f'institution = "{DE}"\n'
        f'directory_file = "{tmp_path / "directory.xml"}"\n'
        f'authority_certificate = "{pki / "authority.pem"}"\n'
        f'signing_key = "{node / "signing.key"}"\n'
        f'signing_certificate = "{node / "signing.pem"}"\n'
        f'key_passphrase_file = "{passphrase_file}"\n'
        "[[encryption_keys]]\n"
        f'key = "{node / "encryption.key"}"\n'
        f'certificate = "{node / "encryption.pem"}"\n'
    )
    return config


def test_a_node_starts_with_protected_keys_or_names_the_file_that_stops_it(
    pki: Path, tmp_path: Path
) -> None:
    node = tmp_path / "protected"
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse\n")
    assert ssgw("keys", "generate", node, DE, "--passphrase-file", passphrase).exit_code == 0
    certificates = issued(pki, node, tmp_path)
    install = [
        "keys",
        "install",
        node,
        *certificates.values(),
        "--authority",
        pki / "authority.pem",
    ]
    assert ssgw(*install, "--passphrase-file", passphrase).exit_code == 0
    config = _node_config(tmp_path, node, pki, passphrase)
    assert load_credentials(load_settings(config)).institution == DE

    passphrase.write_text("wrong\n")
    refused(ssgw("run", "--config", config), str(node / "signing.key"), "wrong passphrase")
    passphrase.unlink()
    refused(ssgw("run", "--config", config), f"key_passphrase_file {passphrase}")
    passphrase.write_text("correct horse\n")
    (node / "encryption.key").unlink()
    refused(ssgw("run", "--config", config), f"cannot read private key {node / 'encryption.key'}")


def test_pki_issue_says_it_is_a_shortcut_for_test_networks() -> None:
    result = ssgw("pki", "issue", "--help")
    assert result.exit_code == 0
    assert "test" in result.stdout and "networks" in result.stdout
    assert "ssgw keys generate" in " ".join(result.stdout.split())
