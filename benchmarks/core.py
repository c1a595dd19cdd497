"""Per-stage cost of the pure message path on this machine, for every example document.

Run: ``.venv/bin/python benchmarks/core.py [--rounds N] [--json FILE]``. Prints a table of
median microseconds per stage and writes the figures as JSON when asked, so runs can be
compared. Nothing here is judged by the tests; CI only checks that it runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gateway.codes import InstitutionId
from gateway.directory import Directory, decide, load_directory
from gateway.documents import SCHEMA_DIR, parse_untrusted, reparser, validate_document
from gateway.exchange import Credentials, open_inbound, prepare_outbound
from gateway.security import (
    KeyUse,
    init_authority,
    inspect_signature,
    issue_institution,
    load_certificate,
    open_sealed,
    seal,
    sign_enveloped,
    verify_signed,
)

EXAMPLE = "InsurancePeriodsReply"
SENDER, RECIPIENT = "DE:DRV70001", "FR:CNAV"


def _network(folder: Path) -> Directory:
    from typer.testing import CliRunner

    from gateway.cli import app

    init_authority(folder)
    for institution in (SENDER, RECIPIENT):
        issue_institution(folder, InstitutionId(institution))
    target = folder / "directory.xml"
    source = SCHEMA_DIR / "examples" / "Directory.xml"
    result = CliRunner().invoke(
        app, ["directory", "sign", str(source), "--pki", str(folder), "-o", str(target)]
    )
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return load_directory(target.read_bytes(), load_certificate(folder / "authority.pem"))


def _median_us(action: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        directory = _network(Path(folder))
        sender = Credentials.from_pki(Path(folder), InstitutionId(SENDER))
        recipient = Credentials.from_pki(Path(folder), InstitutionId(RECIPIENT))
    now = dt.datetime.now(dt.UTC)
    data = (SCHEMA_DIR / "examples" / f"{EXAMPLE}.xml").read_bytes()
    document = validate_document(data)
    outbound = prepare_outbound(
        document, credentials=sender, directory=directory, recipient=RECIPIENT, now=now
    )
    signed_root = parse_untrusted(outbound.signed_envelope).getroot()
    unsigned = parse_untrusted(outbound.signed_envelope).getroot()
    unsigned.remove(unsigned[-1])
    trusted = directory.certificates(InstitutionId(SENDER), KeyUse.SIGNING, now)
    encryption = directory.certificates(InstitutionId(RECIPIENT), KeyUse.ENCRYPTION, now)[0]

    stages: dict[str, Callable[[], object]] = {
        "parse": lambda: parse_untrusted(data),
        "parse + XSD + rules": lambda: validate_document(data),
        "policy": lambda: decide(
            directory,
            sender=SENDER,
            recipient=RECIPIENT,
            document_type=document.document_type,
            schema_version=document.schema_version,
            branches=document.branches,
            on=now.date(),
        ),
        "sign": lambda: sign_enveloped(unsigned, sender.signing),
        "verify": lambda: verify_signed(
            outbound.signed_envelope, inspect_signature(signed_root, trusted), parser=reparser()
        ),
        "encrypt": lambda: seal(outbound.signed_envelope, encryption),
        "decrypt": lambda: open_sealed(outbound.sealed, recipient.decryption),
        "whole outbound": lambda: prepare_outbound(
            document, credentials=sender, directory=directory, recipient=RECIPIENT, now=now
        ),
        "whole inbound": lambda: open_inbound(
            outbound.sealed, credentials=recipient, directory=directory, now=now
        ),
    }
    figures = {name: _median_us(action, args.rounds) for name, action in stages.items()}
    print(f"{EXAMPLE}: {len(data)} bytes, sealed {len(outbound.sealed)} bytes")
    print(f"{'stage':<22}{'median us':>12}")
    for name, micros in figures.items():
        print(f"{name:<22}{micros:>12.1f}")
    both = figures["whole outbound"] + figures["whole inbound"]
    print(f"one core: about {1e6 / both:,.0f} documents per second through both halves")
    if args.json:
        args.json.write_text(json.dumps({"document": EXAMPLE, "median_us": figures}, indent=2))


if __name__ == "__main__":
    main()
