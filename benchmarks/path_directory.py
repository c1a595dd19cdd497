"""The directory at scale, for the whole-path benchmark (``path.py``): a signed directory of many
institutions and agreements, how long loading and verifying it takes, and one policy decision."""

from __future__ import annotations

import base64
import datetime as dt
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from path_plan import EXAMPLES, RECIPIENT, SENDER

from gateway.codes import COUNTRY_CODES, InstitutionId
from gateway.demo import prepare_network
from gateway.directory import Directory, decide, load_directory, sign_directory
from gateway.documents import parse_untrusted, validate_document
from gateway.security import (
    KeyUse,
    SigningIdentity,
    authority_files,
    institution_files,
    load_certificate,
    load_private_key,
)

__all__ = ["directory_scale"]


def directory_scale(folder: Path, institutions: int, agreements: int) -> dict[str, Any]:
    """A signed directory of many institutions and agreements: load+verify and policy time.

    Each made-up institution carries the two certificates of one real institution, so the
    snapshot has the size and the parsing work of a real one without issuing thousands of keys.
    """
    pki = folder / "sqlite" / "pki"
    if not pki.exists():
        prepare_network(folder / "sqlite", (SENDER, RECIPIENT))
    source = parse_untrusted((EXAMPLES / "Directory.xml").read_bytes()).getroot()
    d = f"{{{source.nsmap[None]}}}"
    listed = source.find(f"{d}Institutions")
    treaties = source.find(f"{d}Agreements")
    assert listed is not None and treaties is not None
    files = institution_files(pki, InstitutionId(SENDER))
    certificates = {
        use: load_certificate(files.certificate(use)).public_bytes(Encoding.DER) for use in KeyUse
    }
    # Spread over every country, so that, as in the world, two countries share one or two
    # agreements rather than dozens.
    countries = sorted(COUNTRY_CODES)
    for index in range(institutions):
        _add_institution(listed, d, countries[index % len(countries)], index, certificates)
    pairs = [(a, b) for a in countries for b in countries if a < b]
    for index in range(agreements):
        _add_agreement(treaties, d, pairs[index % len(pairs)], index)
    authority = authority_files(pki)
    identity = SigningIdentity(
        load_private_key(authority.key), load_certificate(authority.certificate)
    )
    signed = sign_directory(etree.tostring(source), authority=identity)
    started = time.perf_counter()
    directory = load_directory(signed, identity.certificate)
    load_seconds = time.perf_counter() - started
    return {
        "institutions": len(directory.institutions),
        "agreements": agreements,
        "signed_bytes": len(signed),
        "load_and_verify_seconds": load_seconds,
        "policy_decision_us": _decision_micros(directory),
    }


def _add_institution(
    listed: etree._Element,
    d: str,
    country: str,
    index: int,
    certificates: Mapping[KeyUse, bytes],
) -> None:
    """A made-up institution of ``country`` for pensions, with one real institution's
    certificates (``d`` is the directory's namespace in braces)."""
    entry = etree.SubElement(
        listed,
        f"{d}Institution",
        id=f"{country}:B{index:05d}",
        country=country,
        routingKey=f"{country.lower()}.b{index:05d}",
    )
    etree.SubElement(entry, f"{d}Name").text = f"Benchmark institution {index}"
    branches = etree.SubElement(entry, f"{d}Branches")
    for branch in ("old-age", "invalidity", "survivors"):
        etree.SubElement(branches, f"{d}Branch").text = branch
    case_types = etree.SubElement(entry, f"{d}CaseTypes")
    for case_type in ("insurance-periods", "benefit-claim"):
        etree.SubElement(case_types, f"{d}CaseType").text = case_type
    for use, der in certificates.items():
        certificate = etree.SubElement(entry, f"{d}Certificate", use=use.value)
        certificate.text = base64.b64encode(der).decode("ascii")


def _add_agreement(
    treaties: etree._Element, d: str, countries: tuple[str, str], index: int
) -> None:
    """A made-up agreement in force between two countries, for old age."""
    agreement = etree.SubElement(
        treaties, f"{d}Agreement", id=f"BENCH-{index:04d}", stage="in-force"
    )
    etree.SubElement(agreement, f"{d}Title").text = f"Benchmark agreement {index}"
    for country in countries:
        party = etree.SubElement(agreement, f"{d}Party", country=country)
        etree.SubElement(party, f"{d}Branch").text = "old-age"
    etree.SubElement(agreement, f"{d}Principle").text = "totalization"
    etree.SubElement(agreement, f"{d}InForce", attrib={"from": "2000-01-01"})


def _decision_micros(directory: Directory) -> float:
    """Mean microseconds of one policy decision on a claim from the sender to the recipient."""
    document = validate_document((EXAMPLES / "BenefitClaim.xml").read_bytes())
    today = dt.date.today()
    rounds = 2000
    started = time.perf_counter()
    for _ in range(rounds):
        decide(
            directory,
            sender=InstitutionId(SENDER),
            recipient=InstitutionId(RECIPIENT),
            document_type=document.document_type,
            schema_version=document.schema_version,
            branches=document.branches,
            on=today,
        )
    return (time.perf_counter() - started) / rounds * 1e6
