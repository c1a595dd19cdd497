"""Checking an evidence bundle offline: no node, no database, no network.

Each check stands on its own and says what it found, so a tampered bundle names what was
tampered with. The signatures are checked by the same code that checks them on the bus
(:func:`gateway.exchange.authenticate_signed`), the certificates by the same trust rules
(:func:`gateway.security.check_institution_certificate`), the receipt is read as the node
reads it, and the chain's links are recomputed with :func:`gateway.security.chain_hash`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from cryptography import x509

from gateway.documents import DocumentType, envelope_body, validate_element
from gateway.errors import GatewayError
from gateway.evidence._anchor import check_anchor
from gateway.evidence._bundle import EvidenceBundle
from gateway.exchange import AuthenticatedEnvelope, authenticate_signed, read_acknowledgement
from gateway.security import (
    KeyUse,
    certificate_fingerprint,
    chain_hash,
    check_institution_certificate,
    read_certificate,
)

__all__ = ["Check", "verify_bundle"]

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Check:
    """One check of a bundle: what was checked, whether it holds, and what was found."""

    name: str
    ok: bool
    detail: str


class _Failed(Exception):
    """A check found the bundle wanting; the text says how."""


class _Checks:
    def __init__(self) -> None:
        self.done: list[Check] = []

    def run(self, name: str, step: Callable[[], tuple[_T, str]]) -> _T | None:
        try:
            value, detail = step()
        except GatewayError as error:
            self.done.append(Check(name, False, error.detail))
            return None
        except _Failed as error:
            self.done.append(Check(name, False, str(error)))
            return None
        self.done.append(Check(name, True, detail))
        return value

    def skip(self, name: str, why: str) -> None:
        self.done.append(Check(name, False, f"not checked: {why}"))


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def verify_bundle(
    bundle: EvidenceBundle,
    *,
    root: x509.Certificate | None = None,
    tsa_root: x509.Certificate | None = None,
) -> list[Check]:
    """Check a bundle; ``root`` is the network authority's certificate the reader trusts,
    ``tsa_root`` the CA certificate of the exporter's time-stamping authority (without
    them, the bundle's own copies are used and the result says so)."""
    checks = _Checks()
    digest = hashlib.sha256(bundle.sealed).hexdigest()
    anchor = checks.run("authority", lambda: _authority(bundle, root))
    if bundle.envelope is None:
        checks.run("envelope", lambda: _withheld(bundle))
    else:
        _check_envelope(checks, bundle, bundle.envelope, anchor)
    checks.run("sealed message", lambda: _sealed(bundle, digest))
    receipt = checks.run(
        "receipt signature", _signed(bundle.receipt, bundle.receiver_certificate, "receiver")
    )
    if receipt is None or anchor is None:
        checks.skip("receiver certificate", "the receipt or the authority did not verify")
    else:
        checks.run("receiver certificate", _certified(bundle.receiver_certificate, receipt, anchor))
    if receipt is None:
        checks.skip("receipt", "the receipt's signature did not verify")
    else:
        checks.run("receipt", lambda: _acknowledges(bundle, digest, receipt))
    checks.run("chain proof", lambda: _chain(bundle))
    if bundle.anchor is not None:
        proof = bundle.anchor
        checks.run("anchor", lambda: check_anchor(bundle, proof, tsa_root))
    return checks.done


def _check_envelope(
    checks: _Checks, bundle: EvidenceBundle, signed: bytes, anchor: x509.Certificate | None
) -> None:
    """The sender's side: the envelope's signature, header and certificate, and that it is
    the envelope whose SHA-256 the bundle states (what a bundle for operators keeps)."""
    envelope = checks.run(
        "envelope signature", _signed(signed, bundle.sender_certificate, "sender")
    )
    if envelope is None:
        checks.skip("envelope header", "the envelope's signature did not verify")
    else:
        checks.run("envelope header", lambda: _the_message(bundle, envelope))
    if envelope is None or anchor is None:
        checks.skip("sender certificate", "the envelope or the authority did not verify")
    else:
        checks.run("sender certificate", _certified(bundle.sender_certificate, envelope, anchor))
    checks.run("envelope digest", lambda: _envelope_digest(bundle, signed))


def _envelope_digest(bundle: EvidenceBundle, signed: bytes) -> tuple[None, str]:
    digest = hashlib.sha256(signed).hexdigest()
    if digest != bundle.envelope_digest:
        raise _Failed(
            f"the envelope hashes to {digest}, not to the stated {bundle.envelope_digest}"
        )
    return None, f"SHA-256 {digest}, as a bundle without the document states it"


def _withheld(bundle: EvidenceBundle) -> tuple[None, str]:
    return None, (
        f"withheld (a bundle without personal data): SHA-256 {bundle.envelope_digest}; the "
        "sender's signature is checked on the full bundle, whose envelope hashes to this"
    )


def _authority(
    bundle: EvidenceBundle, root: x509.Certificate | None
) -> tuple[x509.Certificate, str]:
    included = read_certificate(bundle.authority_certificate.encode(), "the authority")
    fingerprint = certificate_fingerprint(included)
    if fingerprint != bundle.authority_fingerprint:
        raise _Failed("the included certificate does not have the stated fingerprint")
    if root is None:
        return included, (
            f"{fingerprint} (the bundle's own copy, not pinned: compare the fingerprint "
            "with the network's, or give --root)"
        )
    pinned = certificate_fingerprint(root)
    if pinned != fingerprint:
        raise _Failed(f"the bundle names the authority {fingerprint}, not the root {pinned}")
    return root, f"{fingerprint} (pinned by the given root)"


def _signed(data: bytes, pem: str, who: str) -> Callable[[], tuple[AuthenticatedEnvelope, str]]:
    def step() -> tuple[AuthenticatedEnvelope, str]:
        certificate = read_certificate(pem.encode(), f"the {who}'s certificate")
        envelope = authenticate_signed(data, certificates=lambda _claimed: [certificate])
        header = envelope.header
        return envelope, (
            f"signed by {header.sender} for {header.recipient} at {_when(header.created)}, "
            f"message {header.message_id}"
        )

    return step


def _certified(
    pem: str, envelope: AuthenticatedEnvelope, anchor: x509.Certificate
) -> Callable[[], tuple[None, str]]:
    def step() -> tuple[None, str]:
        certificate = read_certificate(pem.encode(), "the certificate")
        header = envelope.header
        check_institution_certificate(
            certificate,
            institution=header.sender,
            use=KeyUse.SIGNING,
            authority=anchor,
            at=header.created,
        )
        return None, (
            f"{header.sender}'s signing certificate {certificate_fingerprint(certificate)} "
            f"was issued by the authority and valid at {_when(header.created)}"
        )

    return step


def _sealed(bundle: EvidenceBundle, digest: str) -> tuple[None, str]:
    if digest != bundle.digest:
        raise _Failed(f"the sealed bytes hash to {digest}, not to the stated {bundle.digest}")
    return None, f"{len(bundle.sealed)} bytes, SHA-256 {digest}"


def _the_message(bundle: EvidenceBundle, envelope: AuthenticatedEnvelope) -> tuple[None, str]:
    header = envelope.header
    stated = (bundle.message_id, bundle.sender, bundle.recipient)
    if (header.message_id, header.sender, header.recipient) != stated:
        raise _Failed(
            "the signed header names another message than the bundle: "
            f"{header.message_id} from {header.sender} to {header.recipient}"
        )
    return None, f"{header.document_type.root_name} {header.message_id}"


def _acknowledges(
    bundle: EvidenceBundle, digest: str, receipt: AuthenticatedEnvelope
) -> tuple[None, str]:
    header = receipt.header
    if header.document_type not in (DocumentType.RECEIPT, DocumentType.REJECTION):
        raise _Failed(f"the receipt is a {header.document_type.root_name}")
    if (header.sender, header.recipient) != (bundle.recipient, bundle.sender):
        raise _Failed(
            f"the receipt is from {header.sender} to {header.recipient}, not from the "
            f"message's recipient {bundle.recipient} to its sender {bundle.sender}"
        )
    document = validate_element(envelope_body(receipt.root), today=header.created.date())
    answer = read_acknowledgement(document.root)
    if answer.message_id != bundle.message_id or header.in_reply_to != bundle.message_id:
        raise _Failed(f"the receipt acknowledges message {answer.message_id}, not this one")
    if answer.digest != digest:
        raise _Failed(
            f"the receipt confirms the digest {answer.digest}, not the sealed bytes' {digest}"
        )
    outcome = "accepted" if answer.accepted else "rejected: " + "; ".join(answer.reasons)
    return None, (
        f"{header.document_type.root_name} of message {answer.message_id} with SHA-256 "
        f"{answer.digest}, {outcome}"
    )


def _chain(bundle: EvidenceBundle) -> tuple[None, str]:
    proof = bundle.chain
    if not proof.events:
        raise _Failed("the proof holds no trace events")
    last = 0
    for event in proof.events:
        number = event.fields.get("id")
        if not isinstance(number, int) or number <= last or number > proof.head_length:
            raise _Failed(f"trace event {number} is out of order or past the chain's head")
        if event.fields.get("message_id") != str(bundle.message_id):
            raise _Failed(f"trace event {number} belongs to another message")
        if chain_hash(event.prev_hash, event.fields) != event.hash:
            raise _Failed(f"trace event {number} does not hash to its recorded hash")
        if number == proof.head_length and event.hash != proof.head_hash:
            raise _Failed(f"trace event {number} is the newest but not the chain's head")
        last = number
    stages = ", ".join(str(e.fields.get("stage")) for e in proof.events)
    return None, (
        f"{len(proof.events)} trace events recompute ({stages}); the chain's head at "
        f"export: row {proof.head_length}, {proof.head_hash}"
    )
