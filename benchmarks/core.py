"""Per-stage cost of the pure message path on this machine, for every example document.

Run: ``.venv/bin/python benchmarks/core.py [--rounds N] [--example NAME] [--version V]
[--json FILE]``. ``NAME`` is a file of ``schemas/examples`` without ``.xml`` (``v2/...`` for a
2.0 example); ``--version`` converts it first, so one document can be timed as 1.0 and as 2.0.
Prints a table of median microseconds per stage and writes the figures as JSON when asked, so
runs can be compared. Nothing here is judged by the tests; CI only checks that it runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gateway.codes import InstitutionId
from gateway.directory import Directory, decide, load_directory
from gateway.documents import (
    SCHEMA_DIR,
    ValidatedDocument,
    convert_document,
    parse_untrusted,
    reparser,
    validate_document,
)
from gateway.exchange import Credentials, OutboundMessage, open_inbound, prepare_outbound
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


def _network(folder: Path, institutions: tuple[str, str]) -> Directory:
    from typer.testing import CliRunner

    from gateway.cli import app

    init_authority(folder)
    for institution in institutions:
        issue_institution(folder, InstitutionId(institution))
    target = folder / "directory.xml"
    source = SCHEMA_DIR / "examples" / "Directory.xml"
    result = CliRunner().invoke(
        app, ["directory", "sign", str(source), "--pki", str(folder), "-o", str(target)]
    )
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return load_directory(target.read_bytes(), load_certificate(folder / "authority.pem"))


def median_us(action: Callable[[], object], rounds: int) -> float:
    """The median time of ``action`` over ``rounds`` calls, in microseconds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--example", default=EXAMPLE, help="a file of schemas/examples")
    parser.add_argument("--version", help="convert the example to this schema version first")
    parser.add_argument("--sender", default=SENDER, help="the sending institution")
    parser.add_argument("--recipient", default=RECIPIENT, help="the receiving institution")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    return parser.parse_args()


def _document(args: argparse.Namespace) -> ValidatedDocument:
    name = str(args.example).removesuffix(".xml")
    path = SCHEMA_DIR / "examples" / f"{name}.xml"
    if not path.is_file():
        sys.stderr.write(f"error: --example: no example {name!r} in {path.parent}\n")
        raise SystemExit(2)
    document = validate_document(path.read_bytes())
    return convert_document(document, args.version) if args.version else document


def _stages(
    args: argparse.Namespace,
    document: ValidatedDocument,
    sender: Credentials,
    recipient: Credentials,
    directory: Directory,
) -> tuple[dict[str, Callable[[], object]], OutboundMessage]:
    now = dt.datetime.now(dt.UTC)
    data = document.to_bytes()
    outbound = prepare_outbound(
        document, credentials=sender, directory=directory, recipient=args.recipient, now=now
    )
    signed_root = parse_untrusted(outbound.signed_envelope).getroot()
    unsigned = parse_untrusted(outbound.signed_envelope).getroot()
    unsigned.remove(unsigned[-1])
    trusted = directory.certificates(InstitutionId(args.sender), KeyUse.SIGNING, now)
    encryption = directory.certificates(InstitutionId(args.recipient), KeyUse.ENCRYPTION, now)[0]
    stages: dict[str, Callable[[], object]] = {
        "parse": lambda: parse_untrusted(data),
        "parse + XSD + rules": lambda: validate_document(data),
        "policy": lambda: decide(
            directory,
            sender=args.sender,
            recipient=args.recipient,
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
            document, credentials=sender, directory=directory, recipient=args.recipient, now=now
        ),
        "whole inbound": lambda: open_inbound(
            outbound.sealed, credentials=recipient, directory=directory, now=now
        ),
    }
    return stages, outbound


def main() -> None:
    args = _arguments()
    with tempfile.TemporaryDirectory() as folder:
        directory = _network(Path(folder), (args.sender, args.recipient))
        sender = Credentials.from_pki(Path(folder), InstitutionId(args.sender))
        recipient = Credentials.from_pki(Path(folder), InstitutionId(args.recipient))
    document = _document(args)
    stages, outbound = _stages(args, document, sender, recipient, directory)
    figures = {name: median_us(action, args.rounds) for name, action in stages.items()}
    size = len(document.to_bytes())
    print(f"{args.example} {document.schema_version}: {size} bytes, sealed {len(outbound.sealed)}")
    print(f"{'stage':<22}{'median us':>12}")
    for name, micros in figures.items():
        print(f"{name:<22}{micros:>12.1f}")
    both = figures["whole outbound"] + figures["whole inbound"]
    print(f"one core: about {1e6 / both:,.0f} documents per second through both halves")
    if args.json:
        summary = {
            "document": args.example,
            "schema_version": document.schema_version,
            "bytes": size,
            "sealed_bytes": len(outbound.sealed),
            "median_us": figures,
        }
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
