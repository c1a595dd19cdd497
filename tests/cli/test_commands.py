"""The ssgw commands: right answers, one clear line for every mistake, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from gateway.cli import app
from support import EXAMPLES

runner = CliRunner()


def ssgw(*args: str | Path) -> Result:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def institution(pki_dir: Path, name: str) -> Path:
    return pki_dir / "institutions" / name


def test_validate_reports_valid_and_invalid_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(
        (EXAMPLES / "InsurancePeriodsRequest.xml")
        .read_bytes()
        .replace(b">old-age<", b">old-aged<", 1)
    )
    result = ssgw(
        "validate", EXAMPLES / "InsurancePeriodsRequest.xml", broken, tmp_path / "none.xml"
    )
    assert result.exit_code == 1
    assert "InsurancePeriodsRequest.xml: valid InsurancePeriodsRequest 1.0" in result.output
    assert "broken.xml: invalid" in result.output
    assert "[schema." in result.output and "old-aged" in result.output
    assert "none.xml: cannot read" in result.output


def test_validate_succeeds_on_every_example() -> None:
    files = sorted(p for p in EXAMPLES.glob("*.xml") if p.stem != "Directory")
    result = ssgw("validate", *files)
    assert result.exit_code == 0, result.output
    assert result.output.count(": valid ") == len(files)


def test_sign_verify_encrypt_decrypt(
    tmp_path: Path, pki_dir: Path, directory_options: list[str]
) -> None:
    de = institution(pki_dir, "DE_DRV70001")
    fr = institution(pki_dir, "FR_CNAV")
    signed, sealed, opened = (
        tmp_path / "signed.xml",
        tmp_path / "sealed.jwe",
        tmp_path / "opened.xml",
    )

    result = ssgw(
        "sign",
        EXAMPLES / "InsurancePeriodsReply.xml",
        "--key",
        de / "signing.key",
        "--cert",
        de / "signing.pem",
        "--to",
        "FR:CNAV",
        "-o",
        signed,
    )
    assert result.exit_code == 0, result.output

    result = ssgw("verify", signed, *directory_options)
    assert result.exit_code == 0, result.output
    assert "valid signature by DE:DRV70001 on InsurancePeriodsReply" in result.output

    result = ssgw("encrypt", signed, "--to", "FR:CNAV", *directory_options, "-o", sealed)
    assert result.exit_code == 0, result.output
    assert b"<" not in sealed.read_bytes()

    result = ssgw(
        "decrypt",
        sealed,
        "--key",
        fr / "encryption.key",
        "--cert",
        fr / "encryption.pem",
        "-o",
        opened,
    )
    assert result.exit_code == 0, result.output
    assert opened.read_bytes() == signed.read_bytes()

    result = ssgw(
        "decrypt", sealed, "--key", de / "encryption.key", "--cert", de / "encryption.pem"
    )
    assert result.exit_code == 1
    assert result.output.strip().startswith("error: ")


def test_verify_refuses_a_tampered_envelope(
    tmp_path: Path, pki_dir: Path, directory_options: list[str]
) -> None:
    de = institution(pki_dir, "DE_DRV70001")
    signed = tmp_path / "signed.xml"
    ssgw(
        "sign",
        EXAMPLES / "BenefitClaim.xml",
        "--key",
        de / "signing.key",
        "--cert",
        de / "signing.pem",
        "--to",
        "FR:CNAV",
        "-o",
        signed,
    )
    signed.write_bytes(
        signed.read_bytes().replace(b"FR:CNAV</env:Recipient>", b"IN:EPFO</env:Recipient>")
    )
    result = ssgw("verify", signed, *directory_options)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "signature" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "fr:cnav"], "not an institution id"),
        (["--to", "FR:CNAV", "--case-id", "not-a-uuid"], "not a UUID"),
    ],
)
def test_sign_refuses_bad_options(args: list[str], message: str, pki_dir: Path) -> None:
    de = institution(pki_dir, "DE_DRV70001")
    result = ssgw(
        "sign",
        EXAMPLES / "BenefitClaim.xml",
        "--key",
        de / "signing.key",
        "--cert",
        de / "signing.pem",
        *args,
    )
    assert result.exit_code == 2
    assert message in result.output


def test_sign_refuses_a_missing_key(tmp_path: Path, pki_dir: Path) -> None:
    result = ssgw(
        "sign",
        EXAMPLES / "BenefitClaim.xml",
        "--key",
        tmp_path / "nope.key",
        "--cert",
        institution(pki_dir, "DE_DRV70001") / "signing.pem",
        "--to",
        "FR:CNAV",
    )
    assert result.exit_code == 2
    assert "cannot read private key" in result.output


def test_encrypt_needs_exactly_one_way_to_find_the_recipient(tmp_path: Path) -> None:
    envelope = tmp_path / "x.xml"
    envelope.write_bytes(b"<x/>")
    assert ssgw("encrypt", envelope).exit_code == 2
    assert ssgw("encrypt", envelope, "--to", "FR:CNAV").exit_code == 2


def test_pki_commands(tmp_path: Path) -> None:
    folder = tmp_path / "pki"
    assert ssgw("pki", "init", folder).exit_code == 0
    again = ssgw("pki", "init", folder)
    assert again.exit_code == 2 and "--force" in again.output
    assert ssgw("pki", "issue", folder, "TN:CNSS", "--name", "CNSS").exit_code == 0
    bad = ssgw("pki", "issue", folder, "tn:cnss")
    assert bad.exit_code == 2 and "not an institution id" in bad.output
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("s3cret\n")
    protected = ssgw("pki", "issue", folder, "NL:SVB01", "--passphrase-file", passphrase)
    assert protected.exit_code == 0
    assert b"ENCRYPTED" in (folder / "institutions" / "NL_SVB01" / "signing.key").read_bytes()


def test_directory_verify_and_policy_check(
    directory_options: list[str], signed_directory_file: Path
) -> None:
    authority = directory_options[-1]
    result = ssgw("directory", "verify", signed_directory_file, "--authority", authority)
    assert result.exit_code == 0
    assert "18 institutions, 8 agreements" in result.output

    refused = ssgw(
        "policy",
        "check",
        "--from",
        "IN:EPFO",
        "--to",
        "DE:DRV70001",
        "--type",
        "BenefitClaim",
        "--branch",
        "invalidity",
        *directory_options,
    )
    assert refused.exit_code == 1
    assert "refused [branch-not-covered]" in refused.output

    permitted = ssgw(
        "policy",
        "check",
        "--from",
        "IN:EPFO",
        "--to",
        "DE:DRV70001",
        "--type",
        "BenefitClaim",
        "--branch",
        "old-age",
        *directory_options,
    )
    assert permitted.exit_code == 0 and "permitted under IN-DE" in permitted.output

    unknown = ssgw(
        "policy",
        "check",
        "--from",
        "IN:EPFO",
        "--to",
        "DE:DRV70001",
        "--type",
        "Letter",
        *directory_options,
    )
    assert unknown.exit_code == 2 and "unknown document type" in unknown.output


def test_directory_sign_refuses_something_else(tmp_path: Path, pki_dir: Path) -> None:
    result = ssgw("directory", "sign", EXAMPLES / "BenefitClaim.xml", "--pki", pki_dir)
    assert result.exit_code == 1
    assert "not a network directory" in result.output


def test_a_bad_date_for_validate_is_one_clear_line() -> None:
    result = ssgw("validate", EXAMPLES / "BenefitClaim.xml", "--today", "garbage")
    assert result.exit_code == 2
    assert "not an ISO date" in result.output


def test_the_passphrase_variable_protects_issued_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_KEY_PASSPHRASE", "from the environment")
    folder = tmp_path / "pki"
    assert ssgw("pki", "init", folder).exit_code == 0
    assert ssgw("pki", "issue", folder, "TN:CNSS").exit_code == 0
    key = folder / "institutions" / "TN_CNSS" / "signing.key"
    assert b"ENCRYPTED" in key.read_bytes()


def test_broker_definitions_fence_every_institution(
    tmp_path: Path, directory_options: list[str]
) -> None:
    result = ssgw("broker", "definitions", *directory_options, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    definitions = json.loads((tmp_path / "definitions.json").read_text())
    assert len(definitions["users"]) == 18
    india = next(p for p in definitions["permissions"] if p["user"] == "in.epfo")
    assert india["configure"] == "^$" and india["read"] == r"^(ssgw\.in\.epfo)$"
    topics = next(p for p in definitions["topic_permissions"] if p["user"] == "in.epfo")
    assert topics["write"] == r"^(de\.ba0001|de\.drv70001)$"
    password = tmp_path / "passwords" / "in.epfo"
    assert oct(password.stat().st_mode & 0o777) == "0o600"
    assert password.read_text() not in json.dumps(definitions)


def test_convert_writes_a_1_0_document_as_2_0(tmp_path: Path) -> None:
    out = tmp_path / "claim-2.0.xml"
    result = ssgw("convert", EXAMPLES / "BenefitClaim.xml", "-o", out, "--today", "2026-11-25")
    assert result.exit_code == 0, result.output
    assert b'schemaVersion="2.0"' in out.read_bytes()
    checked = ssgw("validate", out, "--today", "2026-11-25")
    assert "valid BenefitClaim 2.0" in checked.output
    as_json = ssgw("convert", out, "--json", "--to", "1.0", "--today", "2026-11-25")
    assert as_json.exit_code == 0, as_json.output
    form = json.loads(as_json.stdout)
    assert (form["documentType"], form["schemaVersion"]) == ("BenefitClaim", "1.0")
    source = tmp_path / "claim.json"
    source.write_text(as_json.stdout)
    again = ssgw("convert", source, "--today", "2026-11-25")
    assert again.exit_code == 0 and 'schemaVersion="2.0"' in again.stdout


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'{"documentType": ', "is not valid JSON"),
        (b"<not-closed>", "xml."),
        (b'{"documentType": "Nope", "schemaVersion": "2.0", "document": {}}', "json.unknown"),
    ],
)
def test_convert_refuses_bad_input_in_one_line(tmp_path: Path, content: bytes, words: str) -> None:
    source = tmp_path / "in"
    source.write_bytes(content)
    out = tmp_path / "out.xml"
    result = ssgw("convert", source, "-o", out)
    assert result.exit_code in (1, 2)
    assert words in result.output
    assert not out.exists()


def test_convert_to_an_unknown_version_is_refused(tmp_path: Path) -> None:
    result = ssgw("convert", EXAMPLES / "BenefitClaim.xml", "--to", "9.9")
    assert result.exit_code == 1
    assert "convert.unsupported-version" in result.output
