"""Receiving: a delivery from the bus taken in once, checked, answered with a signed receipt or
rejection, or dead-lettered; a receipt closes the message it answers."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import hashlib
import logging
import uuid
from dataclasses import dataclass

from gateway.codes import InvalidIdentifier, parse_institution_id
from gateway.documents import DEFAULT_LIMITS, EnvelopeHeader
from gateway.errors import GatewayError
from gateway.exchange import (
    Acknowledgement,
    AuthenticatedEnvelope,
    BusHeaders,
    Direction,
    InboundMessage,
    MessageStatus,
    PersonKey,
    admit,
    authenticate,
    build_receipt,
    build_rejection,
    read_acknowledgement,
    rejection_reason,
)
from gateway.node._outbound import Outbound
from gateway.node._parts import TECHNICAL, NodeParts, message_record
from gateway.store import DeadLetter, DuplicateMessage, MessageRecord, ReceiptRecord, Trace

__all__ = ["Arrival", "Inbound", "Outcome", "Verdict"]

log = logging.getLogger("gateway.node")

_ENVELOPE_ALLOWANCE = 64 * 1024


@dataclass(frozen=True, slots=True)
class Arrival:
    """A delivery from the bus, as the runtime hands it over; nothing in it is trusted yet."""

    body: bytes
    message_id: str
    sender: str
    recipient: str
    case_id: str | None = None
    document_type: str | None = None


class Verdict(enum.Enum):
    """What the runtime must do with the delivery once the service returned."""

    ACK = "ack"
    DEAD_LETTER = "dead-letter"


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    reason: str = ""


class Inbound:
    """What a node takes in from the bus, and its inbox's life until the back-office took it."""

    def __init__(self, node: NodeParts, outbound: Outbound) -> None:
        self._node = node
        self._outbound = outbound
        # What arrives from the bus is bounded like what the back-office submits, plus room
        # for the envelope's header and signature.
        self._inbound_limits = dataclasses.replace(
            DEFAULT_LIMITS, max_bytes=node.settings.max_document_bytes + _ENVELOPE_ALLOWANCE
        )

    def receive(self, arrival: Arrival) -> Outcome:
        """See :meth:`gateway.node.Node.receive`."""
        node = self._node
        now = node.clock()
        digest = hashlib.sha256(arrival.body).hexdigest()
        duplicate = self._duplicate(arrival, digest, now)
        if duplicate is not None:
            return duplicate
        try:
            envelope = authenticate(
                arrival.body,
                credentials=node.credentials,
                directory=node.directory,
                now=now,
                limits=self._inbound_limits,
                timer=node.metrics.stage,
            )
        except GatewayError as error:
            return self._dead_letter(arrival, digest, error.code, error.detail, now)
        header = envelope.header
        if header.sender != arrival.sender or str(header.message_id) != arrival.message_id:
            # The signed header is the truth; dedupe again on it before anything else.
            signed = Arrival(arrival.body, str(header.message_id), header.sender, arrival.recipient)
            again = self._duplicate(signed, digest, now)
            if again is not None:
                return again
        try:
            message = self._admitted(envelope, arrival, now)
        except GatewayError as error:
            return self._refuse(envelope, arrival, digest, error, now)
        if message.header.document_type in TECHNICAL:
            return self._acknowledgement(message, arrival, digest, now)
        agreement_id = message.agreement_id
        persons = self._node.persons.keys_of(message.document.root)  # the blind index
        # What is stored is the sealed bytes as they came: the verified envelope's tree and the
        # document's, each as large as the document, are not held through the store write.
        del envelope, message
        return self._accept(header, agreement_id, arrival, digest, now, persons)

    def _admitted(
        self, envelope: AuthenticatedEnvelope, arrival: Arrival, now: dt.datetime
    ) -> InboundMessage:
        """The message of an authentic envelope, once its header, document, policy and case
        hold; raises the :class:`GatewayError` of the first check that fails."""
        node = self._node
        message = admit(
            envelope,
            credentials=node.credentials,
            directory=node.directory,
            now=now,
            bus=BusHeaders(
                arrival.message_id,
                arrival.sender,
                arrival.recipient,
                arrival.case_id,
                arrival.document_type,
            ),
            timer=node.metrics.stage,
        )
        header = message.header
        if header.document_type not in TECHNICAL:
            with node.metrics.stage("case"):
                history = node.cases.history(header.case_id)
                node.cases.check(header, message.document.root, receiving=True, history=history)
        return message

    def _duplicate(self, arrival: Arrival, digest: str, now: dt.datetime) -> Outcome | None:
        try:
            sender = parse_institution_id(arrival.sender)
            message_id = uuid.UUID(arrival.message_id)
        except (InvalidIdentifier, ValueError):
            return None
        store, metrics = self._node.store, self._node.metrics
        with metrics.stage("database"):
            existing = store.find_message(Direction.IN, sender, message_id)
        if existing is None:
            return None
        metrics.duplicates.inc()
        if existing.digest != digest:
            # Same sender and id, other content: a replay with altered content or a broken
            # sender. Never take it in; raise it where operators look.
            store.note(
                existing,
                Trace("security-alert", "a different message arrived with this id"),
                now,
            )
            metrics.security_alerts.inc()
            log.error("replay with a different digest", extra={"message_id": str(message_id)})
            return self._dead_letter(
                arrival, digest, "replay", "the id was received before with other content", now
            )
        answer = store.receipt_sent_for(existing)
        if answer is not None and answer.id is not None:
            # The sender missed our receipt: send the same one again.
            store.schedule(answer.id, due_at=now, trace=Trace("resend", "for a duplicate"))
        store.note(existing, Trace("duplicate", "redelivered or resent; acknowledged"), now)
        return Outcome(Verdict.ACK)

    def _raced_duplicate(self) -> Outcome:
        # Two copies were taken in at once and the other one committed first.
        self._node.metrics.duplicates.inc()
        return Outcome(Verdict.ACK)

    def _dead_letter(
        self, arrival: Arrival, digest: str, code: str, detail: str, now: dt.datetime
    ) -> Outcome:
        self._node.store.add_dead_letter(
            DeadLetter(
                at=now,
                reason_code=code,
                detail=detail[:2000],
                bus_message_id=arrival.message_id[:100],
                bus_sender=arrival.sender[:100],
                size=len(arrival.body),
                digest=digest,
            )
        )
        self._node.metrics.dead_letters.labels(reason=code).inc()
        log.warning(
            "dead-lettered", extra={"reason": code, "bus_message_id": arrival.message_id[:100]}
        )
        return Outcome(Verdict.DEAD_LETTER, f"{code}: {detail}")

    def _inbound_record(
        self,
        header: EnvelopeHeader,
        arrival: Arrival,
        digest: str,
        status: MessageStatus,
        now: dt.datetime,
    ) -> MessageRecord:
        return message_record(
            header, Direction.IN, status, sealed=arrival.body, digest=digest, now=now
        )

    def _accept(
        self,
        header: EnvelopeHeader,
        agreement_id: str | None,
        arrival: Arrival,
        digest: str,
        now: dt.datetime,
        persons: list[PersonKey],
    ) -> Outcome:
        record = self._inbound_record(header, arrival, digest, MessageStatus.RECEIVED, now)
        record.agreement_id = agreement_id
        receipt = self._outbound.answer(build_receipt(header.message_id, digest, now), header, now)
        try:
            with self._node.metrics.stage("database"):
                self._node.store.add_message(
                    record,
                    traces=[
                        Trace("received", f"from {header.sender}"),
                        Trace("verified", "signature, envelope, document and policy checked"),
                        Trace("in-inbox", "waiting for the back-office"),
                    ],
                    now=now,
                    protected_person=header.protected_person,
                    also=[(receipt, [Trace("receipt", "signed receipt queued")], now)],
                    persons=persons,
                )
        except DuplicateMessage:
            return self._raced_duplicate()
        self._node.inbox_changed()
        self._node.metrics.message("in", record.document_type, record.sender, "received")
        return Outcome(Verdict.ACK)

    def _refuse(
        self,
        envelope: AuthenticatedEnvelope,
        arrival: Arrival,
        digest: str,
        error: GatewayError,
        now: dt.datetime,
    ) -> Outcome:
        """An authentic sender's message failed a check: keep it as refused, answer with a
        signed rejection (never for a technical document, so two nodes cannot loop)."""
        record = self._inbound_record(envelope.header, arrival, digest, MessageStatus.REFUSED, now)
        record.error_code = rejection_reason(error)
        record.error_detail = _safe_detail(error)
        also = []
        if envelope.header.document_type not in TECHNICAL:
            try:
                rejection = self._outbound.answer(
                    build_rejection(envelope.header.message_id, digest, now, error),
                    envelope.header,
                    now,
                )
            except GatewayError as answer_error:
                log.warning("cannot answer with a rejection", extra={"code": answer_error.code})
            else:
                also.append((rejection, [Trace("rejection", "signed rejection queued")], now))
        try:
            self._node.store.add_message(
                record,
                traces=[
                    Trace("received", f"from {envelope.header.sender}"),
                    Trace("refused", f"{error.code}: {_safe_detail(error)}"),
                ],
                now=now,
                also=also,
            )
        except DuplicateMessage:
            return self._raced_duplicate()
        self._node.metrics.message("in", record.document_type, record.sender, "refused")
        return Outcome(Verdict.ACK)

    def _acknowledgement(
        self, message: InboundMessage, arrival: Arrival, digest: str, now: dt.datetime
    ) -> Outcome:
        acknowledgement = read_acknowledgement(message.document.root)
        record = self._inbound_record(
            message.header, arrival, digest, MessageStatus.ACKNOWLEDGED, now
        )
        with self._node.metrics.stage("database"):
            sent = self._node.store.sent_message(acknowledgement.message_id)
        problem = None
        if sent is None or sent.recipient != message.header.sender:
            problem = "it answers no message this node sent to its sender"
        elif acknowledgement.accepted and acknowledgement.digest != sent.digest:
            problem = "its digest differs from the digest of what was sent"
        if problem is not None:
            record.status = MessageStatus.REFUSED
            record.error_code, record.error_detail = "receipt-mismatch", problem
            with contextlib.suppress(DuplicateMessage):
                self._node.store.add_message(record, traces=[Trace("refused", problem)], now=now)
            self._node.metrics.security_alerts.inc()
            return Outcome(Verdict.ACK)
        assert sent is not None and sent.id is not None
        status = MessageStatus.DELIVERED if acknowledgement.accepted else MessageStatus.REJECTED
        try:
            with self._node.metrics.stage("database"):
                self._close(sent, record, message, acknowledgement, status, now)
        except DuplicateMessage:
            return self._raced_duplicate()
        self._node.metrics.message("out", sent.document_type, sent.recipient, status.value)
        self._node.metrics.observe_delivery(sent, now)
        return Outcome(Verdict.ACK)

    def _close(
        self,
        sent: MessageRecord,
        record: MessageRecord,
        message: InboundMessage,
        acknowledgement: Acknowledgement,
        status: MessageStatus,
        now: dt.datetime,
    ) -> None:
        """Store the receipt or rejection and close the sent message, in one transaction."""
        assert sent.id is not None
        self._node.store.add_receipt(
            sent,
            ReceiptRecord(
                message_pk=sent.id,
                receipt_message_id=message.header.message_id,
                received_at=now,
                outcome="accepted" if acknowledgement.accepted else "rejected",
                digest=acknowledgement.digest or "",
                signed_envelope=message.signed_envelope,
            ),
            status,
            now=now,
            trace=Trace(status.value, f"signed {message.header.document_type.root_name} received"),
            error_code=None if acknowledgement.accepted else "rejected",
            error_detail=None
            if acknowledgement.accepted
            else "; ".join(acknowledgement.reasons)[:2000],
            received=(record, [Trace("received", message.header.document_type.root_name)]),
        )

    def acknowledge(self, record: MessageRecord) -> MessageRecord:
        """See :meth:`gateway.node.Node.acknowledge`."""
        assert record.id is not None
        return self._node.store.change_status(
            record.id,
            MessageStatus.ACKNOWLEDGED,
            now=self._node.clock(),
            trace=Trace("acknowledged", "taken by the back-office"),
        )


def _safe_detail(error: GatewayError) -> str:
    # Trace events hold no personal data: schema messages may quote values, so keep codes only.
    issues = getattr(error, "issues", ())
    if issues:
        return ", ".join(f"{issue.code} at {issue.path}" for issue in issues[:10])
    return error.detail[:500]
