"""The node service on the real store: exactly once in effect, receipts close the loop."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.x509 import Certificate
from lxml import etree
from sqlalchemy import delete, text

from gateway.directory import sign_directory
from gateway.documents import DIRECTORY_NAMESPACE, CaseType, build_envelope
from gateway.errors import (
    CaseStateError,
    DirectoryError,
    NotPermitted,
    StoreUnavailable,
    ValidationFailed,
)
from gateway.exchange import Direction, MessageStatus, prepare_outbound, sealing_certificate
from gateway.node import Arrival, Node, Verdict
from gateway.node._cases import CaseHistory
from gateway.security import (
    SigningIdentity,
    certificate_fingerprint,
    load_certificate,
    load_private_key,
    seal,
    sign_enveloped,
)
from gateway.store import MessageRecord, OutboxEntry, Trace
from support import Clock, arrival, deliver, example, example_bytes, relay


def encryption_certificate(node: Node) -> Certificate:
    """The certificate a sender seals for ``node``, as the directory lists it."""
    return sealing_certificate(node.directory, node.institution, node.clock())


def status(node: Node, record: MessageRecord) -> MessageStatus:
    assert record.id is not None
    found = node.store.message(record.id)
    assert found is not None
    return found.status


@pytest.fixture
def france(make_node: Callable[[str], Node]) -> Node:
    return make_node("FR:CNAV")


@pytest.fixture
def germany(make_node: Callable[[str], Node]) -> Node:
    return make_node("DE:DRV70001")


def test_a_request_is_delivered_and_receipted(france: Node, germany: Node) -> None:
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    assert record.status is MessageStatus.ACCEPTED
    assert b"<" not in record.sealed
    assert record.at_rest is not None and b"<" not in record.at_rest

    assert deliver(france, germany) == [Verdict.ACK]
    assert status(france, record) is MessageStatus.SENT
    inbox = germany.store.inbox(after=0, limit=10)
    assert [m.message_id for m in inbox] == [record.message_id]
    assert germany.document_of(inbox[0]) == france.document_of(record)

    assert deliver(germany, france) == [Verdict.ACK]  # the signed receipt travels back
    assert status(france, record) is MessageStatus.DELIVERED
    receipts = france.store.receipts(record.id or 0)
    assert len(receipts) == 1 and receipts[0].digest == record.digest
    assert [e.stage for e in france.store.trace(record.message_id)][-1] == "delivered"
    assert france.store.outbox_depth() == 0 and germany.store.outbox_depth() == 0


def test_the_same_delivery_twice_is_stored_once_and_receipted_again(
    france: Node, germany: Node
) -> None:
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    (dispatch,) = relay(france)
    assert germany.receive(arrival(dispatch)).verdict is Verdict.ACK
    first_receipts = relay(germany)
    assert germany.receive(arrival(dispatch)).verdict is Verdict.ACK
    assert len(germany.store.inbox(after=0, limit=10)) == 1
    again = relay(germany)
    assert [d.message_id for d in again] == [d.message_id for d in first_receipts]
    assert [d.body for d in again] == [d.body for d in first_receipts]
    for receipt in again + first_receipts:
        france.receive(arrival(receipt))
    assert status(france, record) is MessageStatus.DELIVERED
    assert germany.metrics.duplicates._value.get() == 1


def test_the_same_id_with_other_content_is_a_security_alert(france: Node, germany: Node) -> None:
    france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    (dispatch,) = relay(france)
    germany.receive(arrival(dispatch))
    forged = dataclasses.replace(dispatch, body=dispatch.body[:-10] + b"AAAAAAAAAA")
    outcome = germany.receive(arrival(forged))
    assert outcome.verdict is Verdict.DEAD_LETTER and outcome.reason.startswith("replay")
    assert germany.metrics.security_alerts._value.get() == 1
    assert len(germany.store.inbox(after=0, limit=10)) == 1
    assert [d.reason_code for d in germany.store.dead_letters()] == ["replay"]


@pytest.mark.parametrize(
    ("body", "sender", "reason"),
    [
        (b"\x00garbage\xff", "FR:CNAV", "decryption-failed"),
        (b"a.b.c.d.e", "XX:NOBODY", "decryption-failed"),
    ],
)
def test_poison_goes_to_the_dead_letters_with_its_reason(
    germany: Node, body: bytes, sender: str, reason: str
) -> None:
    outcome = germany.receive(
        Arrival(body, "0b9d7c1e-3f55-4c1b-9c57-6a1f4c1d2e3f", sender, "DE:DRV70001")
    )
    assert outcome.verdict is Verdict.DEAD_LETTER
    (letter,) = germany.store.dead_letters()
    assert letter.reason_code == reason
    assert germany.store.inbox(after=0, limit=10) == []


def test_a_message_encrypted_for_another_institution_is_dead_lettered(
    france: Node, make_node: Callable[[str], Node]
) -> None:
    india = make_node("IN:EPFO")
    france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    (dispatch,) = relay(france)
    outcome = india.receive(arrival(dispatch))
    assert outcome.verdict is Verdict.DEAD_LETTER
    assert "not encrypted for this institution" in outcome.reason


def _signed_and_sealed(
    sender: Node, receiver: Node, document: etree._Element, **header: object
) -> tuple[bytes, str]:
    """Bypass the sender's own checks, as a faulty or hostile sender would."""
    outbound = prepare_outbound(
        example("InsurancePeriodsRequest"),
        credentials=sender.credentials,
        directory=sender.directory,
        recipient=receiver.institution,
        now=sender.clock(),
    )
    forged = dataclasses.replace(outbound.header, **header)  # type: ignore[arg-type]
    signed = sign_enveloped(build_envelope(forged, document), sender.credentials.signing)
    return seal(etree.tostring(signed), encryption_certificate(receiver)), str(forged.message_id)


def test_an_authentic_but_invalid_document_is_refused_with_a_signed_rejection(
    france: Node, germany: Node
) -> None:
    document = example("InsurancePeriodsRequest").root
    for element in document.iter("{urn:ssgw:common:1}BirthDate"):
        element.text = "2099-01-01"
    sealed, message_id = _signed_and_sealed(france, germany, document)
    outcome = germany.receive(Arrival(sealed, message_id, "FR:CNAV", "DE:DRV70001"))
    assert outcome.verdict is Verdict.ACK
    assert germany.store.inbox(after=0, limit=10, include_acknowledged=True) == []
    refused = germany.store.received_message(uuid.UUID(message_id))
    assert refused is not None and refused.status is MessageStatus.REFUSED
    assert refused.error_code == "business-rule"
    (rejection,) = relay(germany)
    assert rejection.document_type == "Rejection"
    assert rejection.recipient == "FR:CNAV"


def test_bus_headers_that_disagree_with_the_signed_header_are_refused(
    france: Node, germany: Node
) -> None:
    france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    (dispatch,) = relay(france)
    lying = dataclasses.replace(dispatch, message_id="0b9d7c1e-3f55-4c1b-9c57-6a1f4c1d2e3f")
    assert germany.receive(arrival(lying)).verdict is Verdict.ACK
    assert germany.store.inbox(after=0, limit=10) == []
    (rejection,) = relay(germany)
    assert rejection.document_type == "Rejection"


def test_no_receipt_means_resends_with_the_same_id_then_failed(france: Node, clock: Clock) -> None:
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    bodies = []
    for expected_wait in (10, 20, 40):
        (dispatch,) = relay(france)
        bodies.append((dispatch.message_id, dispatch.body))
        clock.advance(expected_wait - 1)
        assert france.due() == []
        clock.advance(1)
    assert len(set(bodies)) == 1  # the same id and the same bytes every time
    assert france.due() == []
    assert status(france, record) is MessageStatus.FAILED
    failed = france.store.message(record.id or 0)
    assert failed is not None and failed.error_code == "no-receipt" and failed.attempts == 3


def test_due_messages_are_leased_to_one_worker_until_the_lease_ends(
    france: Node, clock: Clock
) -> None:
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    (claimed,) = france.due()
    assert claimed.message_id == str(record.message_id)
    assert france.due() == []  # another worker finds nothing while the lease runs
    clock.advance(france.settings.relay_lease_seconds - 1)
    assert france.due() == []
    clock.advance(1)
    # The first worker died without reporting: the entry is due again, with the same bytes.
    (again,) = france.due()
    assert (again.message_id, again.body) == (claimed.message_id, claimed.body)
    france.published(again)
    assert status(france, record) is MessageStatus.SENT


def test_a_batch_of_confirmed_publishes_is_recorded_at_once(france: Node, clock: Clock) -> None:
    sent = [
        france.submit(example_bytes(name), recipient="DE:DRV70001")
        for name in ("InsurancePeriodsRequest", "BenefitClaim", "BenefitClaim-survivors")
    ]
    dispatches = france.due()
    assert len(dispatches) == 3
    settled = sent[2]
    assert settled.id is not None
    # Failed by an operator between the publish and its confirm: it stays failed.
    france.store.change_status(
        settled.id, MessageStatus.FAILED, now=clock.now, trace=Trace("failed", "by hand")
    )
    france.published(*dispatches)
    for record in sent[:2]:
        assert status(france, record) is MessageStatus.SENT
        stages = [e.stage for e in france.store.trace(record.message_id)]
        assert stages.count("sent") == 1
    assert status(france, settled) is MessageStatus.FAILED
    assert "sent" not in [e.stage for e in france.store.trace(settled.message_id)]
    assert france.due() == []
    clock.advance(france.settings.receipt_timeout_seconds)
    assert sorted(d.message_id for d in france.due()) == sorted(str(r.message_id) for r in sent[:2])


def test_a_message_that_expires_before_it_is_sent_fails(france: Node, clock: Clock) -> None:
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    clock.advance(france.settings.message_time_to_live_hours * 3600)
    assert france.due() == []
    assert status(france, record) is MessageStatus.FAILED


def test_an_expired_message_is_refused_by_the_receiver(
    france: Node, germany: Node, clock: Clock
) -> None:
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    (dispatch,) = relay(france)
    clock.advance(france.settings.message_time_to_live_hours * 3600 + 1)
    assert germany.receive(arrival(dispatch)).verdict is Verdict.ACK
    assert germany.store.inbox(after=0, limit=10) == []
    refused = germany.store.received_message(record.message_id)
    assert refused is not None and refused.status is MessageStatus.REFUSED
    assert refused.error_code == "expired"
    (rejection,) = relay(germany)
    assert france.receive(arrival(rejection)).verdict is Verdict.ACK
    assert status(france, record) is MessageStatus.REJECTED


def test_submission_refused_by_policy_or_validation_stores_nothing(france: Node) -> None:
    with pytest.raises(NotPermitted):
        france.submit(example_bytes("InsurancePeriodsRequest"), recipient="IN:EPFO")
    with pytest.raises(ValidationFailed):
        france.submit(b"<not-a-document/>", recipient="DE:DRV70001")
    assert france.due() == [] and france.store.outbox_depth() == 0


def test_a_receipt_the_store_could_not_take_is_taken_whole_when_it_comes_again(
    france: Node, germany: Node
) -> None:
    """The receipt and the closing of the message it answers are one transaction: a store
    failure between them once left the receipt stored and the message open for ever, as
    every later copy of the receipt was dropped as a duplicate."""
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    (receipt,) = relay(germany)
    with france.store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE receipts RENAME TO receipts_away"))
    with pytest.raises(StoreUnavailable):
        france.receive(arrival(receipt))
    with france.store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE receipts_away RENAME TO receipts"))
    assert status(france, record) is MessageStatus.SENT
    assert france.receive(arrival(receipt)).verdict is Verdict.ACK  # redelivered by the broker
    assert status(france, record) is MessageStatus.DELIVERED
    assert france.receive(arrival(receipt)).verdict is Verdict.ACK  # and once more: a duplicate
    assert len(france.store.receipts(record.id or 0)) == 1


def test_an_acknowledged_inbox_item_leaves_the_inbox(france: Node, germany: Node) -> None:
    france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    (item,) = germany.store.inbox(after=0, limit=10)
    germany.acknowledge(item)
    assert germany.store.inbox(after=0, limit=10) == []
    assert item.direction is Direction.IN


def test_the_reconciler_restores_a_lost_outbox_entry_and_counts_the_overdue(
    france: Node, germany: Node, clock: Clock
) -> None:
    record = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    with france.store.engine.begin() as connection:
        connection.execute(delete(OutboxEntry))  # as if a bug or an operator lost it
    assert france.due() == []
    result = france.reconcile()
    assert result.restored == 1
    (dispatch,) = relay(france)
    assert dispatch.message_id == str(record.message_id)
    assert "reconciled" in [e.stage for e in france.store.trace(record.message_id)]

    assert germany.receive(arrival(dispatch)).verdict is Verdict.ACK
    clock.advance(germany.settings.max_dwell_inbox_hours * 3600 + 1)
    assert germany.reconcile().overdue[MessageStatus.RECEIVED] == 1
    assert france.reconcile().overdue[MessageStatus.SENT] == 1


def test_a_signature_by_another_key_is_dead_lettered(
    france: Node, germany: Node, make_node: Callable[..., Node]
) -> None:
    india = make_node("IN:EPFO")
    document = example("InsurancePeriodsRequest").root
    # Signed with India's key but claiming to come from France.
    outbound = prepare_outbound(
        example("InsurancePeriodsRequest"),
        credentials=france.credentials,
        directory=france.directory,
        recipient="DE:DRV70001",
        now=france.clock(),
    )
    signed = sign_enveloped(build_envelope(outbound.header, document), india.credentials.signing)
    sealed = seal(etree.tostring(signed), encryption_certificate(germany))
    outcome = germany.receive(
        Arrival(sealed, str(outbound.header.message_id), "FR:CNAV", "DE:DRV70001")
    )
    assert outcome.verdict is Verdict.DEAD_LETTER
    assert outcome.reason.startswith("certificate-untrusted")
    assert germany.store.inbox(after=0, limit=10) == []


def test_a_delivery_larger_than_the_document_limit_allows_is_dead_lettered_unopened(
    make_node: Callable[..., Node],
) -> None:
    germany = make_node("DE:DRV70001", max_document_bytes=4096)
    limit = 4096 + 64 * 1024  # the document limit plus room for the envelope
    body = b"A" * (limit * 4 // 3 + 4096 + 1)
    outcome = germany.receive(Arrival(body, str(uuid.uuid4()), "FR:CNAV", "DE:DRV70001"))
    assert outcome.verdict is Verdict.DEAD_LETTER
    assert outcome.reason.startswith("decryption-failed") and "larger" in outcome.reason
    (letter,) = germany.store.dead_letters()
    assert letter.size == len(body)


def test_a_message_for_another_institution_is_refused_with_a_rejection(
    france: Node, make_node: Callable[..., Node]
) -> None:
    india = make_node("IN:EPFO")
    outbound = prepare_outbound(
        example("InsurancePeriodsRequest"),
        credentials=france.credentials,
        directory=france.directory,
        recipient="DE:DRV70001",
        now=france.clock(),
    )
    # The signed header names DE:DRV70001, the envelope is sealed to India's key.
    sealed = seal(outbound.signed_envelope, encryption_certificate(india))
    message_id = str(outbound.header.message_id)
    outcome = india.receive(Arrival(sealed, message_id, "FR:CNAV", "IN:EPFO"))
    assert outcome.verdict is Verdict.ACK
    refused = india.store.received_message(uuid.UUID(message_id))
    assert refused is not None and refused.error_code == "wrong-recipient"
    (rejection,) = relay(india)
    assert rejection.recipient == "FR:CNAV" and rejection.document_type == "Rejection"


def test_a_newer_directory_revokes_a_certificate_from_its_version_on(
    france: Node, germany: Node, pki_dir: Path, signed_directory_file: Path
) -> None:
    authority = SigningIdentity(
        load_private_key(pki_dir / "authority.key"), load_certificate(pki_dir / "authority.pem")
    )
    source = signed_directory_file.read_bytes()
    french_signing = france.credentials.signing.certificate
    root = etree.fromstring(source)
    root.remove(root[-1])  # the old signature
    revoked = etree.SubElement(root, f"{{{DIRECTORY_NAMESPACE}}}RevokedCertificates")
    etree.SubElement(
        revoked,
        f"{{{DIRECTORY_NAMESPACE}}}Revoked",
        sha256=certificate_fingerprint(french_signing),
        since=germany.clock().isoformat(),
    )
    newer = sign_directory(etree.tostring(root), authority=authority, version=2)
    older = sign_directory(etree.tostring(root), authority=authority, version=1)

    france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    (dispatch,) = relay(france)
    assert germany.reload_directory(older) is False  # not newer: ignored
    assert germany.reload_directory(newer) is True
    assert germany.directory.version == 2
    outcome = germany.receive(arrival(dispatch))
    assert outcome.verdict is Verdict.DEAD_LETTER
    assert outcome.reason.startswith("certificate-untrusted") and "revoked" in outcome.reason
    with pytest.raises(DirectoryError):
        germany.reload_directory(b"<not-a-directory/>")
    assert germany.directory.version == 2


def test_a_reply_without_a_request_is_refused_before_it_is_sent(france: Node) -> None:
    with pytest.raises(CaseStateError) as caught:
        france.submit(example_bytes("InsurancePeriodsReply"), recipient="DE:DRV70001")
    assert caught.value.reason == "case.first-document"
    assert france.store.outbox_depth() == 0


def test_a_step_the_case_refuses_is_never_signed_nor_encrypted(france: Node) -> None:
    with pytest.raises(CaseStateError):
        france.submit(example_bytes("InsurancePeriodsReply"), recipient="DE:DRV70001")
    registry = france.metrics.registry
    for stage in ("sign", "encrypt"):
        assert registry.get_sample_value("ssgw_stage_seconds_count", {"stage": stage}) is None


def test_a_case_named_without_its_type_is_read_once(
    france: Node, germany: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = germany.submit(example_bytes("InsurancePeriodsRequest"), recipient="FR:CNAV")
    deliver(germany, france)
    read: list[uuid.UUID] = []
    history = france.cases.history

    def counted(case_id: uuid.UUID) -> CaseHistory | None:
        read.append(case_id)
        return history(case_id)

    monkeypatch.setattr(france.cases, "history", counted)
    reply = france.submit(
        example_bytes("InsurancePeriodsReply"),
        recipient="DE:DRV70001",
        case_id=request.case_id,
        in_reply_to=request.message_id,
    )
    assert reply.case_type == "insurance-periods"
    assert read == [request.case_id]


def test_a_reply_to_a_request_never_sent_is_refused_by_the_receiver(
    france: Node, germany: Node
) -> None:
    # France's node believes it answers a request; Germany never asked anything.
    request = germany.submit(example_bytes("InsurancePeriodsRequest"), recipient="FR:CNAV")
    deliver(germany, france)
    deliver(france, germany)  # the receipt
    other_case = prepare_outbound(
        example("InsurancePeriodsReply"),
        credentials=france.credentials,
        directory=france.directory,
        recipient="DE:DRV70001",
        now=france.clock(),
        case_id=request.case_id,
        in_reply_to=uuid.uuid4(),
    )
    sealed = seal(other_case.signed_envelope, encryption_certificate(germany))
    outcome = germany.receive(
        Arrival(sealed, str(other_case.header.message_id), "FR:CNAV", "DE:DRV70001")
    )
    assert outcome.verdict is Verdict.ACK
    refused = germany.store.received_message(other_case.header.message_id)
    assert refused is not None and refused.status is MessageStatus.REFUSED
    assert refused.error_code == "case-state"
    (rejection,) = relay(germany)
    assert rejection.document_type == "Rejection"


def test_a_whole_case_in_order_and_a_reminder_once_the_reply_is_late(
    france: Node, germany: Node, clock: Clock
) -> None:
    request = france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    reminder_text = example_bytes("Reminder").replace(
        b"3f2a9c14-6b0e-4d7a-9e51-c2b8a7d40f63", str(request.message_id).encode()
    )
    with pytest.raises(CaseStateError):  # not late yet
        france.submit(reminder_text, recipient="DE:DRV70001", case_id=request.case_id)
    clock.advance(61 * 24 * 3600)
    reminder = france.submit(reminder_text, recipient="DE:DRV70001", case_id=request.case_id)
    assert reminder.case_type == "insurance-periods"
    deliver(france, germany)
    assert germany.store.received_message(reminder.message_id) is not None
    state = france.cases.state(request.case_id)
    assert state is not None and len(state.open_requests) == 1
    reply = germany.submit(
        example_bytes("InsurancePeriodsReply"),
        recipient="FR:CNAV",
        case_id=request.case_id,
        in_reply_to=request.message_id,
    )
    deliver(germany, france)
    received = france.store.received_message(reply.message_id)
    assert received is not None and received.status is MessageStatus.RECEIVED
    state = france.cases.state(request.case_id)
    assert state is not None and not state.open_requests


def test_overdue_requests_are_counted_in_the_metrics(
    france: Node, germany: Node, clock: Clock
) -> None:
    france.submit(example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001")
    deliver(france, germany)
    assert france.overdue_requests()[CaseType.INSURANCE_PERIODS] == 0
    clock.advance(61 * 24 * 3600)
    france.reconcile()
    assert france.overdue_requests()[CaseType.INSURANCE_PERIODS] == 1
    gauge = france.metrics.overdue_requests.labels(case_type="insurance-periods")
    assert gauge._value.get() == 1
