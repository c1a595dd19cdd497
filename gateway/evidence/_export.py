"""Putting together the evidence bundle of one stored message."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from gateway.errors import EvidenceUnavailable, GatewayError
from gateway.evidence._bundle import AnchorProof, ChainProof, EvidenceBundle, ProvenEvent
from gateway.exchange import Direction, authenticate_signed
from gateway.node import Node
from gateway.security import KeyUse, certificate_fingerprint, load_certificate
from gateway.store import MessageRecord, TraceEvent, trace_fields

__all__ = ["export_evidence"]

_TECHNICAL = ("Receipt", "Rejection")


def _pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _signer(node: Node, signed: bytes, at: dt.datetime, what: str) -> x509.Certificate:
    """The directory's certificate that verifies ``signed``, as trusted at ``at``."""

    def certificates(sender: str) -> Sequence[x509.Certificate]:
        return node.directory.certificates(sender, KeyUse.SIGNING, at)

    try:
        return authenticate_signed(signed, certificates=certificates).signer
    except GatewayError as error:
        raise EvidenceUnavailable(f"the {what} does not verify any more: {error.detail}") from None


def _receipt(node: Node, record: MessageRecord) -> tuple[bytes, dt.datetime]:
    """The signed receipt or rejection of a message, and when it was made."""
    assert record.id is not None
    reading = node.reading
    if record.direction is Direction.OUT:
        receipts = reading.receipts(record.id)
        if not receipts:
            raise EvidenceUnavailable("no signed receipt has come for this message yet")
        # A duplicate receipt may follow the first; the one that confirms the digest counts.
        chosen = next((r for r in receipts if r.digest == record.digest), receipts[0])
        # receipts.signed_envelope keeps what the signature covers, without the signature;
        # the receipt message as it arrived still has it.
        arrived = reading.received_message(chosen.receipt_message_id)
        signed = reading.kept_envelope(arrived) if arrived is not None else None
        if signed is None:
            raise EvidenceUnavailable("the signed receipt is no longer kept")
        return signed, chosen.received_at
    answer = reading.receipt_sent_for(record)
    if answer is None:
        raise EvidenceUnavailable("this node sent no receipt for this message")
    signed = reading.kept_envelope(answer)
    if signed is None:
        raise EvidenceUnavailable("the receipt this node sent is no longer kept")
    return signed, answer.created_at


def _proof(node: Node, record: MessageRecord) -> ChainProof:
    events = node.reading.trace(record.message_id)
    # Read after the events: the head covers every one of them (they commit together).
    head = node.reading.trace_chain_head()
    if head is None:
        raise EvidenceUnavailable("the trace chain has no head: run ssgw audit verify")
    return ChainProof(
        events=tuple(_proven(event) for event in events),
        head_length=head.length,
        head_hash=head.head_hash,
    )


def _anchor(node: Node, proof: ChainProof) -> AnchorProof | None:
    """The oldest anchor past the message's newest trace event, with the TSA's CA
    certificate; None while no anchor covers them, or without anchoring."""
    vouching = node.settings.tsa_certificate
    newest = max((int(e.fields["id"] or 0) for e in proof.events), default=0)
    anchor = node.reading.anchor_covering(newest) if vouching is not None else None
    if anchor is None or vouching is None:
        return None
    return AnchorProof(anchor.statement, anchor.token, _pem(load_certificate(vouching)))


def _proven(event: TraceEvent) -> ProvenEvent:
    return ProvenEvent(fields=trace_fields(event), prev_hash=event.prev_hash, hash=event.hash)


def export_evidence(node: Node, record: MessageRecord, *, redacted: bool = False) -> EvidenceBundle:
    """The evidence bundle of a business message this node sent or received; ``redacted``
    leaves the signed envelope out and keeps its SHA-256 (a bundle for operators, without
    personal data).

    Raises :class:`EvidenceUnavailable` when there is nothing to bundle: a receipt or
    rejection itself, no signed receipt yet, or a payload no longer kept.
    """
    if record.document_type in _TECHNICAL:
        raise EvidenceUnavailable(
            "a receipt or rejection has no bundle of its own: export the message it answers"
        )
    envelope = node.reading.kept_envelope(record)
    if envelope is None:
        raise EvidenceUnavailable("the message's payload is no longer kept")
    receipt, receipted_at = _receipt(node, record)
    now = node.clock()
    proof = _proof(node, record)
    return EvidenceBundle(
        message_id=record.message_id,
        direction=record.direction.value,
        sender=record.sender,
        recipient=record.recipient,
        digest=record.digest,
        sealed=record.sealed,
        envelope=None if redacted else envelope,
        envelope_digest=hashlib.sha256(envelope).hexdigest(),
        receipt=receipt,
        sender_certificate=_pem(_signer(node, envelope, record.created_at, "envelope")),
        receiver_certificate=_pem(_signer(node, receipt, receipted_at, "receipt")),
        authority_certificate=_pem(node.directory.authority),
        authority_fingerprint=certificate_fingerprint(node.directory.authority),
        chain=proof,
        exported_at=now,
        exported_by=node.institution,
        anchor=_anchor(node, proof),
    )
