"""ssgw sed import | export: a SED file in, our document out, and back, losses on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from gateway.cli import app
from gateway.documents import SCHEMA_DIR

SEDS = SCHEMA_DIR / "examples" / "sed"
runner = CliRunner()


def ssgw(*args: str | Path) -> Result:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_a_sed_goes_in_and_comes_back_out(tmp_path: Path) -> None:
    document = tmp_path / "claim.xml"
    imported = ssgw("sed", "import", SEDS / "P2000.json", "-o", document, "--today", "2026-11-25")
    assert imported.exit_code == 0, imported.output
    assert b'schemaVersion="2.0"' in document.read_bytes()
    assert "loss: /nav/eessisak/0/saksnummer:" in imported.stderr
    exported = ssgw("sed", "export", document, "--today", "2026-11-25")
    assert exported.exit_code == 0, exported.output
    sed = json.loads(exported.stdout)
    assert (sed["sed"], sed["sedGVer"], sed["sedVer"]) == ("P2000", "4", "2")
    as_json = ssgw("sed", "import", SEDS / "P2000.json", "--json", "--today", "2026-11-25")
    assert json.loads(as_json.stdout)["schemaVersion"] == "2.0"


def test_what_the_sed_leaves_to_the_exchange_comes_from_the_options(tmp_path: Path) -> None:
    without = ssgw("sed", "import", SEDS / "U002.json", "--today", "2026-11-25")
    assert without.exit_code == 1
    assert without.stderr.count("error:") == 2 and "[sed.exchange]" in without.stderr
    document = tmp_path / "periods.xml"
    given = ssgw(
        "sed",
        "import",
        SEDS / "U002.json",
        "--sender",
        "AT:AMS0001",
        "--sent-on",
        "2026-11-20",
        "--today",
        "2026-11-25",
        "-o",
        document,
    )
    assert given.exit_code == 0, given.output
    assert b"<p:Institution>AT:AMS0001</p:Institution>" in document.read_bytes()
    back = ssgw("sed", "export", document, "--sender", "AT:AMS0001", "--today", "2026-11-25")
    assert back.exit_code == 0 and "/Institution" not in back.stderr
    elsewhere = ssgw("sed", "export", document, "--today", "2026-11-25")
    assert "/document/Periods/InsurancePeriod/0/Institution:" in elsewhere.stderr


@pytest.mark.parametrize(
    ("content", "options", "code", "words"),
    [
        (b"{nope", (), 2, "is not valid JSON"),
        (b"[" * 2_000 + b"]" * 2_000, (), 2, "levels deep"),
        (b'{"sed": "X001"}', (), 1, "[sed.unknown-type]"),
        (b"[]", (), 1, "[sed.malformed]"),
        (b"{}", ("--sender", "at:ams"), 2, "--sender: 'at:ams' is not an institution id"),
        (b"{}", ("--sent-on", "2026-11-20"), 2, "--sent-on goes with --sender"),
    ],
)
def test_bad_input_is_one_line_each_and_writes_nothing(
    tmp_path: Path, content: bytes, options: tuple[str, ...], code: int, words: str
) -> None:
    source = tmp_path / "in.json"
    source.write_bytes(content)
    out = tmp_path / "out.xml"
    result = ssgw("sed", "import", source, "-o", out, *options)
    assert result.exit_code == code, result.output
    assert words in result.stderr
    assert not out.exists()


def test_export_refuses_a_sed_type_of_another_document(tmp_path: Path) -> None:
    result = ssgw("sed", "export", SCHEMA_DIR / "examples" / "BenefitClaim.xml", "--sed", "A009")
    assert result.exit_code == 1
    assert "[sed.wrong-type]" in result.stderr
