"""Evidence bundles: exported by either end of an exchange, checked offline, and any tampering
named by the check that fails."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from sqlalchemy import update
from sqlmodel import col

from gateway.errors import EvidenceMalformed, EvidenceUnavailable
from gateway.evidence import EvidenceBundle, export_evidence, verify_bundle
from gateway.exchange import Direction
from gateway.node import Node
from gateway.security import init_authority, load_certificate
from gateway.store import MessageRecord
from support import Clock, arrival, deliver, example_bytes, relay

CHECKS = [
    "authority",
    "envelope signature",
    "envelope header",
    "sender certificate",
    "envelope digest",
    "sealed message",
    "receipt signature",
    "receiver certificate",
    "receipt",
    "chain proof",
]


@dataclasses.dataclass(frozen=True)
class Exchange:
    france: Node
    germany: Node
    sent: MessageRecord
    other: MessageRecord


@pytest.fixture
def exchange(make_node: Callable[[str], Node]) -> Exchange:
    """France sent two requests to Germany, and both were receipted."""
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    sent = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    other = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    deliver(germany, france)
    return Exchange(france, germany, sent, other)


@pytest.fixture
def root(pki_dir: Path) -> x509.Certificate:
    return load_certificate(pki_dir / "authority.pem")


def failed(bundle: EvidenceBundle, root: x509.Certificate) -> dict[str, str]:
    checks = verify_bundle(bundle, root=root)
    assert [c.name for c in checks] == CHECKS
    return {c.name: c.detail for c in checks if not c.ok}


def test_the_sender_s_bundle_verifies_offline(exchange: Exchange, root: x509.Certificate) -> None:
    bundle = export_evidence(exchange.france, exchange.sent)
    again = EvidenceBundle.from_json(bundle.to_json())
    assert again == bundle
    checks = verify_bundle(again, root=root)
    assert all(c.ok for c in checks), checks
    details = {c.name: c.detail for c in checks}
    assert "pinned by the given root" in details["authority"]
    assert f"Receipt of message {exchange.sent.message_id}" in details["receipt"]
    assert "accepted" in details["receipt"]
    assert "accepted, authorised, sealed, sent, delivered" in details["chain proof"]
    assert bundle.direction == "out" and bundle.digest == exchange.sent.digest


def test_the_receiver_s_bundle_verifies_offline(exchange: Exchange, root: x509.Certificate) -> None:
    received = exchange.germany.store.received_message(exchange.sent.message_id)
    assert received is not None and received.direction is Direction.IN
    bundle = export_evidence(exchange.germany, received)
    assert failed(bundle, root) == {}
    ours = export_evidence(exchange.france, exchange.sent)
    # Both ends hold the same signed envelope and sealed bytes, and the same receipt.
    assert (bundle.envelope, bundle.sealed) == (ours.envelope, ours.sealed)
    assert bundle.receipt == ours.receipt
    assert [e.fields["stage"] for e in bundle.chain.events] == ["received", "verified", "in-inbox"]


def test_without_a_root_the_result_says_it_is_not_pinned(exchange: Exchange) -> None:
    checks = verify_bundle(export_evidence(exchange.france, exchange.sent))
    assert all(c.ok for c in checks)
    assert "not pinned" in checks[0].detail


def test_another_root_is_refused(exchange: Exchange, tmp_path: Path) -> None:
    init_authority(tmp_path)
    other = load_certificate(tmp_path / "authority.pem")
    problems = failed(export_evidence(exchange.france, exchange.sent), other)
    assert list(problems) == ["authority", "sender certificate", "receiver certificate"]
    assert "not the root" in problems["authority"]


def test_an_edited_envelope_fails_its_signature(exchange: Exchange, root: x509.Certificate) -> None:
    bundle = export_evidence(exchange.france, exchange.sent)
    assert bundle.envelope is not None
    edited = bundle.envelope.replace(b"1961-03-14", b"1961-03-15", 1)
    assert edited != bundle.envelope
    problems = failed(dataclasses.replace(bundle, envelope=edited), root)
    assert list(problems) == [
        "envelope signature",
        "envelope header",
        "sender certificate",
        "envelope digest",
    ]
    assert "altered" in problems["envelope signature"]


def test_a_swapped_receipt_is_caught(exchange: Exchange, root: x509.Certificate) -> None:
    bundle = export_evidence(exchange.france, exchange.sent)
    other = export_evidence(exchange.france, exchange.other)
    problems = failed(dataclasses.replace(bundle, receipt=other.receipt), root)
    assert list(problems) == ["receipt"]
    assert f"acknowledges message {exchange.other.message_id}, not this one" in problems["receipt"]


def test_swapped_sealed_bytes_are_caught(exchange: Exchange, root: x509.Certificate) -> None:
    bundle = export_evidence(exchange.france, exchange.sent)
    other = export_evidence(exchange.france, exchange.other)
    problems = failed(dataclasses.replace(bundle, sealed=other.sealed), root)
    assert list(problems) == ["sealed message", "receipt"]


def test_an_edited_trace_event_is_caught(exchange: Exchange, root: x509.Certificate) -> None:
    bundle = export_evidence(exchange.france, exchange.sent)
    events = list(bundle.chain.events)
    events[3] = dataclasses.replace(events[3], fields={**events[3].fields, "stage": "failed"})
    chain = dataclasses.replace(bundle.chain, events=tuple(events))
    problems = failed(dataclasses.replace(bundle, chain=chain), root)
    number = events[3].fields["id"]
    assert problems == {"chain proof": f"trace event {number} does not hash to its recorded hash"}


def test_there_is_nothing_to_bundle_before_the_receipt(
    make_node: Callable[[str], Node],
) -> None:
    france = make_node("FR:CNAV")
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    with pytest.raises(EvidenceUnavailable, match="no signed receipt"):
        export_evidence(france, record)


def test_a_receipt_or_a_purged_payload_has_no_bundle(exchange: Exchange) -> None:
    (receipt,) = exchange.france.store.receipts(exchange.sent.id or 0)
    receipted = exchange.france.store.received_message(receipt.receipt_message_id)
    assert receipted is not None
    with pytest.raises(EvidenceUnavailable, match="export the message it answers"):
        export_evidence(exchange.france, receipted)
    with exchange.france.store.engine.begin() as connection:
        connection.execute(
            update(MessageRecord)
            .where(col(MessageRecord.id) == exchange.sent.id)
            .values(at_rest=None)
        )
    purged = exchange.france.store.message(exchange.sent.id or 0)
    assert purged is not None
    with pytest.raises(EvidenceUnavailable, match="no longer kept"):
        export_evidence(exchange.france, purged)


@pytest.mark.parametrize(
    "data",
    [b"not json", b"[]", b'{"format": "something else"}', b'{"format": "ssgw-evidence/1"}'],
)
def test_a_file_that_is_not_a_bundle_is_refused(data: bytes) -> None:
    with pytest.raises(EvidenceMalformed):
        EvidenceBundle.from_json(data)


def test_bad_base64_is_refused(exchange: Exchange) -> None:
    text = export_evidence(exchange.france, exchange.sent).to_json()
    document = text.replace(b'"envelope": "', b'"envelope": "!', 1)
    assert document != text
    with pytest.raises(EvidenceMalformed, match="not readable"):
        EvidenceBundle.from_json(document)


def test_a_rejection_is_evidence_too(
    make_node: Callable[[str], Node], clock: Clock, root: x509.Certificate
) -> None:
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    (late,) = relay(france)
    clock.advance(france.settings.message_time_to_live_hours * 3600 + 1)
    germany.receive(arrival(late))  # expired on arrival: Germany signs a rejection
    deliver(germany, france)
    bundle = export_evidence(france, record)
    checks = {c.name: c for c in verify_bundle(bundle, root=root)}
    assert all(c.ok for c in checks.values()), checks
    assert checks["receipt"].detail.startswith(f"Rejection of message {record.message_id}")
    assert "rejected: expired" in checks["receipt"].detail


REDACTED_CHECKS = [name for name in CHECKS if not name.startswith(("envelope ", "sender "))]


def test_a_bundle_without_the_document_verifies_and_keeps_its_digest(
    exchange: Exchange, root: x509.Certificate
) -> None:
    full = export_evidence(exchange.france, exchange.sent)
    redacted = export_evidence(exchange.france, exchange.sent, redacted=True)
    again = EvidenceBundle.from_json(redacted.to_json())
    assert again == redacted and again.redacted and again.envelope is None
    assert b"1961-03-14" not in again.to_json()
    assert again.envelope_digest == full.envelope_digest
    checks = verify_bundle(again, root=root)
    assert [c.name for c in checks] == ["authority", "envelope", *REDACTED_CHECKS[1:]]
    assert all(c.ok for c in checks), checks
    assert full.envelope_digest in checks[1].detail


def test_a_tampered_bundle_without_the_document_fails(
    exchange: Exchange, root: x509.Certificate
) -> None:
    redacted = export_evidence(exchange.france, exchange.sent, redacted=True)
    flipped = bytes([redacted.sealed[0] ^ 1]) + redacted.sealed[1:]
    checks = verify_bundle(dataclasses.replace(redacted, sealed=flipped), root=root)
    assert [c.name for c in checks if not c.ok] == ["sealed message", "receipt"]


def test_a_full_bundle_whose_stated_digest_was_changed_fails(
    exchange: Exchange, root: x509.Certificate
) -> None:
    bundle = export_evidence(exchange.france, exchange.sent)
    problems = failed(dataclasses.replace(bundle, envelope_digest="0" * 64), root)
    assert list(problems) == ["envelope digest"]
