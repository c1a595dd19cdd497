"""What a node does with a submitted document, a delivery from the bus and a due message.

The service is synchronous and does no network I/O of its own: the runtime (``_runtime``)
feeds it deliveries and publishes what it hands back. Every change is one store transaction,
and the broker is acknowledged only after that transaction committed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from gateway.cases import CaseState, OpenRequest, overdue
from gateway.codes import InvalidIdentifier, parse_institution_id
from gateway.config import NodeSettings
from gateway.directory import Directory, load_directory
from gateway.documents import (
    DEFAULT_LIMITS,
    CaseType,
    DocumentAction,
    DocumentType,
    EnvelopeHeader,
    ValidatedDocument,
    envelope_body,
    parse_untrusted,
    validate_document,
    validate_element,
)
from gateway.errors import DirectoryError, GatewayError, StoreUnavailable
from gateway.exchange import (
    Acknowledgement,
    AuthenticatedEnvelope,
    BusHeaders,
    Credentials,
    Direction,
    InboundMessage,
    MessageStatus,
    OutboundMessage,
    admit,
    authenticate,
    build_receipt,
    build_rejection,
    prepare_outbound,
    read_acknowledgement,
    rejection_reason,
)
from gateway.node._cases import CaseBook
from gateway.node._metrics import NodeMetrics
from gateway.security import KeyUse, open_sealed, seal
from gateway.store import (
    Attempt,
    DeadLetter,
    DuplicateMessage,
    MessageRecord,
    ReceiptRecord,
    Reconciliation,
    Store,
    Trace,
    require_payload,
)

__all__ = ["Arrival", "Dispatch", "Node", "Outcome", "Verdict"]

log = logging.getLogger("gateway.node")

_TECHNICAL = frozenset({DocumentType.RECEIPT, DocumentType.REJECTION})
_TECHNICAL_NAMES = frozenset(t.root_name for t in _TECHNICAL)
_PUBLISH_RETRY_SECONDS = 5.0
_OVERDUE_HORIZON = dt.timedelta(days=365)
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


@dataclass(frozen=True, slots=True)
class Dispatch:
    """A message the relay should publish now; ``attempts`` is the number of its publishes
    confirmed before this one, as the claim found it."""

    pk: int
    body: bytes
    message_id: str
    case_id: str
    document_type: str
    sender: str
    recipient: str
    routing_key: str
    attempts: int = 0


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Node:
    """One institution's gateway node."""

    def __init__(
        self,
        settings: NodeSettings,
        *,
        credentials: Credentials,
        directory: Directory,
        store: Store,
        metrics: NodeMetrics | None = None,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.settings = settings
        self.credentials = credentials
        self.directory = directory
        self.store = store
        self.metrics = metrics or NodeMetrics()
        self.metrics.observe_certificates(credentials)
        self.clock = clock
        self._wake_relay: Callable[[], None] = lambda: None
        self.cases = CaseBook(store, settings, self.document_of)
        # What arrives from the bus is bounded like what the back-office submits, plus room
        # for the envelope's header and signature.
        self._inbound_limits = dataclasses.replace(
            DEFAULT_LIMITS, max_bytes=settings.max_document_bytes + _ENVELOPE_ALLOWANCE
        )
        self._own_encryption = max(
            directory.certificates(credentials.institution, KeyUse.ENCRYPTION, clock()),
            key=lambda c: c.not_valid_before_utc,
        )

    @property
    def institution(self) -> str:
        return self.credentials.institution

    def on_new_work(self, wake: Callable[[], None]) -> None:
        """Let the runtime's relay be woken as soon as something is queued."""
        self._wake_relay = wake

    def kick(self) -> None:
        self._wake_relay()

    # Submitting -------------------------------------------------------------------------

    def submit(
        self,
        document: bytes | ValidatedDocument,
        *,
        recipient: str,
        case_id: uuid.UUID | None = None,
        in_reply_to: uuid.UUID | None = None,
        document_set_id: uuid.UUID | None = None,
        document_version: int = 1,
        action: DocumentAction = DocumentAction.NEW,
        protected_person: bool = False,
        case_type: CaseType | None = None,
    ) -> MessageRecord:
        """Validate, authorise, seal and store a document for sending; the relay sends it.

        Raises :class:`ValidationFailed` or :class:`NotPermitted` with nothing stored.
        """
        now = self.clock()
        with self.metrics.stage("validate"):
            validated = (
                document
                if isinstance(document, ValidatedDocument)
                else validate_document(document, today=now.date())
            )
        if case_id is not None and case_type is None:
            case_type = self.cases.case_type_of(case_id)
        outbound = prepare_outbound(
            validated,
            credentials=self.credentials,
            directory=self.directory,
            recipient=recipient,
            now=now,
            case_id=case_id,
            case_type=case_type,
            in_reply_to=in_reply_to,
            document_set_id=document_set_id,
            document_version=document_version,
            action=action,
            protected_person=protected_person,
            time_to_live=dt.timedelta(hours=self.settings.message_time_to_live_hours),
            timer=self.metrics.stage,
            # A document validated here is this call's own: the envelope takes its tree.
            adopt_document=validated is not document,
        )
        with self.metrics.stage("case"):
            self.cases.check(
                outbound.header, validated.root, receiving=False, new_case=case_id is None
            )
        record = self._unsealed_record(outbound, now)
        signed = outbound.signed_envelope
        traces = [
            Trace("accepted", f"validated {validated.document_type.root_name}"),
            Trace("authorised", f"under {outbound.agreement_id}" if outbound.agreement_id else ""),
            Trace("sealed", f"{len(outbound.sealed)} bytes for {outbound.header.recipient}"),
        ]
        # The document's tree (the envelope's, twice the document's size) is not needed to
        # seal at rest, nor the signed envelope by the store write, which takes memory of its
        # own for the sealed copies.
        del validated, outbound
        self._seal_at_rest(record, signed)
        del signed
        with self.metrics.stage("database"):
            self.store.add_message(
                record, traces=traces, now=now, protected_person=protected_person, outbox_due=now
            )
        self.metrics.message("out", record.document_type, record.recipient, "accepted")
        return record

    def _outbound_record(self, outbound: OutboundMessage, now: dt.datetime) -> MessageRecord:
        record = self._unsealed_record(outbound, now)
        self._seal_at_rest(record, outbound.signed_envelope)
        return record

    def _unsealed_record(self, outbound: OutboundMessage, now: dt.datetime) -> MessageRecord:
        """The record of an outbound message, without its copy at rest."""
        record = _record(
            outbound.header,
            Direction.OUT,
            MessageStatus.ACCEPTED,
            sealed=outbound.sealed,
            digest=outbound.digest,
            now=now,
        )
        record.agreement_id = outbound.agreement_id
        return record

    def _seal_at_rest(self, record: MessageRecord, signed: bytes) -> None:
        # At rest the signed envelope is sealed to this node's own key: the store holds
        # no readable personal data, yet the node can show what it sent.
        with self.metrics.stage("encrypt"):
            record.at_rest = seal(signed, self._own_encryption)

    # Relaying ---------------------------------------------------------------------------

    def due(self, limit: int = 256) -> list[Dispatch]:
        """Messages to publish now, leased to this worker for ``relay_lease_seconds`` (see
        :meth:`Store.claim_due`). Expired or exhausted ones are failed here instead."""
        now = self.clock()
        dispatches: list[Dispatch] = []
        lease = dt.timedelta(seconds=self.settings.relay_lease_seconds)
        with self.metrics.stage("database"):
            due = self.store.claim_due(now, limit, lease=lease)
        for record in due:
            assert record.id is not None
            if now >= record.expires_at:
                self._fail(record, "expired", "the message expired before a receipt came", now)
                continue
            if record.attempts >= self.settings.max_attempts:
                self._fail(
                    record,
                    "no-receipt",
                    f"no receipt after {record.attempts} attempts",
                    now,
                )
                continue
            try:
                routing_key = self.directory.institution(record.recipient).routing_key
            except GatewayError as error:
                self._fail(record, error.code, error.detail, now)
                continue
            dispatches.append(
                Dispatch(
                    pk=record.id,
                    body=record.sealed,
                    message_id=str(record.message_id),
                    case_id=str(record.case_id),
                    document_type=record.document_type,
                    sender=record.sender,
                    recipient=record.recipient,
                    routing_key=routing_key,
                    attempts=record.attempts,
                )
            )
        return dispatches

    def _fail(self, record: MessageRecord, code: str, detail: str, now: dt.datetime) -> None:
        assert record.id is not None
        self.store.change_status(
            record.id,
            MessageStatus.FAILED,
            now=now,
            trace=Trace("failed", detail),
            error_code=code,
            error_detail=detail,
        )
        self.metrics.message("out", record.document_type, record.recipient, "failed")
        log.warning("message failed", extra={"message_id": str(record.message_id), "code": code})

    def backoff(self, attempts: int) -> dt.timedelta:
        """How long to wait for a receipt after the ``attempts``-th send."""
        seconds = self.settings.receipt_timeout_seconds * 2 ** max(attempts - 1, 0)
        return dt.timedelta(seconds=min(seconds, self.settings.retry_backoff_max_seconds))

    def published(self, *dispatches: Dispatch) -> None:
        """The broker confirmed these publishes: all are recorded in one transaction.

        Everything needed comes with the dispatches: reading the messages again would load
        their sealed copies too, twice the sealed size for each (which for a large document
        was the sending node's peak). The store counts the attempts itself and skips a
        message gone meanwhile.
        """
        now = self.clock()
        started = time.perf_counter()
        attempts = []
        for dispatch in dispatches:
            attempt = dispatch.attempts + 1
            # A receipt or rejection expects no receipt of its own: nothing to wait for.
            technical = dispatch.document_type in _TECHNICAL_NAMES
            attempts.append(
                Attempt(
                    dispatch.pk,
                    next_due=None if technical else now + self.backoff(attempt),
                    trace=Trace("sent", f"attempt {attempt}, confirmed by the broker"),
                )
            )
        self.store.record_attempts(attempts, now=now)
        self.metrics.observe_batch("database", time.perf_counter() - started, len(dispatches))
        for dispatch in dispatches:
            if dispatch.attempts == 0:
                self.metrics.message("out", dispatch.document_type, dispatch.recipient, "sent")
            else:
                self.metrics.resends.inc()

    def publish_failed(self, dispatch: Dispatch, reason: str) -> None:
        """The broker did not take a publish (it is away, or the recipient's queue is
        missing): try again after a pause rather than at every turn of the relay."""
        now = self.clock()
        self.store.postpone(
            dispatch.pk,
            due_at=now + dt.timedelta(seconds=_PUBLISH_RETRY_SECONDS),
            trace=Trace("publish-failed", reason),
            now=now,
        )

    # Receiving --------------------------------------------------------------------------

    def receive(self, arrival: Arrival) -> Outcome:
        """Take in one delivery. Returns what to do with it on the broker.

        Raises :class:`StoreUnavailable` when the store cannot be written: the runtime then
        requeues the delivery, and nothing was half-done.
        """
        now = self.clock()
        digest = _digest(arrival.body)
        duplicate = self._duplicate(arrival, digest, now)
        if duplicate is not None:
            return duplicate
        try:
            envelope = authenticate(
                arrival.body,
                credentials=self.credentials,
                directory=self.directory,
                now=now,
                limits=self._inbound_limits,
                timer=self.metrics.stage,
            )
        except GatewayError as error:
            return self._dead_letter(arrival, digest, error.code, error.detail, now)
        if envelope.header.sender != arrival.sender or str(envelope.header.message_id) != (
            arrival.message_id
        ):
            # The signed header is the truth; dedupe again on it before anything else.
            again = self._duplicate(
                Arrival(
                    arrival.body,
                    str(envelope.header.message_id),
                    envelope.header.sender,
                    arrival.recipient,
                ),
                digest,
                now,
            )
            if again is not None:
                return again
        try:
            message = admit(
                envelope,
                credentials=self.credentials,
                directory=self.directory,
                now=now,
                bus=BusHeaders(
                    arrival.message_id,
                    arrival.sender,
                    arrival.recipient,
                    arrival.case_id,
                    arrival.document_type,
                ),
                timer=self.metrics.stage,
            )
            if message.header.document_type not in _TECHNICAL:
                with self.metrics.stage("case"):
                    self.cases.check(message.header, message.document.root, receiving=True)
        except GatewayError as error:
            return self._refuse(envelope, arrival, digest, error, now)
        if message.header.document_type in _TECHNICAL:
            return self._acknowledgement(message, arrival, digest, now)
        header, agreement_id = message.header, message.agreement_id
        # What is stored is the sealed bytes as they came: the verified envelope's tree and the
        # document's, each as large as the document, are not held through the store write.
        del envelope, message
        return self._accept(header, agreement_id, arrival, digest, now)

    def _duplicate(self, arrival: Arrival, digest: str, now: dt.datetime) -> Outcome | None:
        try:
            sender = parse_institution_id(arrival.sender)
            message_id = uuid.UUID(arrival.message_id)
        except (InvalidIdentifier, ValueError):
            return None
        with self.metrics.stage("database"):
            existing = self.store.find_message(Direction.IN, sender, message_id)
        if existing is None:
            return None
        self.metrics.duplicates.inc()
        if existing.digest != digest:
            # Same sender and id, other content: a replay with altered content or a broken
            # sender. Never take it in; raise it where operators look.
            self.store.note(
                existing,
                Trace("security-alert", "a different message arrived with this id"),
                now,
            )
            self.metrics.security_alerts.inc()
            log.error("replay with a different digest", extra={"message_id": str(message_id)})
            return self._dead_letter(
                arrival, digest, "replay", "the id was received before with other content", now
            )
        answer = self.store.receipt_sent_for(existing)
        if answer is not None and answer.id is not None:
            # The sender missed our receipt: send the same one again.
            self.store.schedule(answer.id, due_at=now, trace=Trace("resend", "for a duplicate"))
        self.store.note(existing, Trace("duplicate", "redelivered or resent; acknowledged"), now)
        return Outcome(Verdict.ACK)

    def _raced_duplicate(self) -> Outcome:
        # Two copies were taken in at once and the other one committed first.
        self.metrics.duplicates.inc()
        return Outcome(Verdict.ACK)

    def _dead_letter(
        self, arrival: Arrival, digest: str, code: str, detail: str, now: dt.datetime
    ) -> Outcome:
        self.store.add_dead_letter(
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
        self.metrics.dead_letters.labels(reason=code).inc()
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
        return _record(header, Direction.IN, status, sealed=arrival.body, digest=digest, now=now)

    def _answer(
        self, document: etree._Element, header: EnvelopeHeader, now: dt.datetime
    ) -> MessageRecord:
        with self.metrics.stage("validate"):
            validated = validate_element(document, today=now.date())
        outbound = prepare_outbound(
            validated,
            credentials=self.credentials,
            directory=self.directory,
            recipient=header.sender,
            now=now,
            case_id=header.case_id,
            case_type=header.case_type,
            in_reply_to=header.message_id,
            time_to_live=dt.timedelta(hours=self.settings.message_time_to_live_hours),
            timer=self.metrics.stage,
            adopt_document=True,
        )
        return self._outbound_record(outbound, now)

    def _accept(
        self,
        header: EnvelopeHeader,
        agreement_id: str | None,
        arrival: Arrival,
        digest: str,
        now: dt.datetime,
    ) -> Outcome:
        record = self._inbound_record(header, arrival, digest, MessageStatus.RECEIVED, now)
        record.agreement_id = agreement_id
        receipt = self._answer(build_receipt(header.message_id, digest, now), header, now)
        try:
            with self.metrics.stage("database"):
                self.store.add_message(
                    record,
                    traces=[
                        Trace("received", f"from {header.sender}"),
                        Trace("verified", "signature, envelope, document and policy checked"),
                        Trace("in-inbox", "waiting for the back-office"),
                    ],
                    now=now,
                    protected_person=header.protected_person,
                    also=[(receipt, [Trace("receipt", "signed receipt queued")], now)],
                )
        except DuplicateMessage:
            return self._raced_duplicate()
        self.metrics.message("in", record.document_type, record.sender, "received")
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
        if envelope.header.document_type not in _TECHNICAL:
            try:
                rejection = self._answer(
                    build_rejection(envelope.header.message_id, digest, now, error),
                    envelope.header,
                    now,
                )
            except GatewayError as answer_error:
                log.warning("cannot answer with a rejection", extra={"code": answer_error.code})
            else:
                also.append((rejection, [Trace("rejection", "signed rejection queued")], now))
        try:
            self.store.add_message(
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
        self.metrics.message("in", record.document_type, record.sender, "refused")
        return Outcome(Verdict.ACK)

    def _acknowledgement(
        self, message: InboundMessage, arrival: Arrival, digest: str, now: dt.datetime
    ) -> Outcome:
        acknowledgement = read_acknowledgement(message.document.root)
        record = self._inbound_record(
            message.header, arrival, digest, MessageStatus.ACKNOWLEDGED, now
        )
        with self.metrics.stage("database"):
            sent = self.store.sent_message(acknowledgement.message_id)
        problem = None
        if sent is None or sent.recipient != message.header.sender:
            problem = "it answers no message this node sent to its sender"
        elif acknowledgement.accepted and acknowledgement.digest != sent.digest:
            problem = "its digest differs from the digest of what was sent"
        if problem is not None:
            record.status = MessageStatus.REFUSED
            record.error_code, record.error_detail = "receipt-mismatch", problem
            with contextlib.suppress(DuplicateMessage):
                self.store.add_message(record, traces=[Trace("refused", problem)], now=now)
            self.metrics.security_alerts.inc()
            return Outcome(Verdict.ACK)
        assert sent is not None and sent.id is not None
        status = MessageStatus.DELIVERED if acknowledgement.accepted else MessageStatus.REJECTED
        try:
            with self.metrics.stage("database"):
                self._close(sent, record, message, acknowledgement, status, now)
        except DuplicateMessage:
            return self._raced_duplicate()
        self.metrics.message("out", sent.document_type, sent.recipient, status.value)
        self.metrics.observe_delivery(sent, now)
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
        self.store.add_receipt(
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

    # The directory ----------------------------------------------------------------------

    def reload_directory(self, data: bytes) -> bool:
        """Take a newer signed directory snapshot; returns whether it replaced the current one.

        Only a snapshot signed by the network authority and with a higher version is taken,
        so an old snapshot can never be replayed to bring back a revoked certificate.
        Raises :class:`DirectoryError` for a snapshot that cannot be trusted.
        """
        snapshot = load_directory(data, self.directory.authority, at=self.clock())
        if snapshot.version <= self.directory.version:
            return False
        if self.credentials.institution not in snapshot.institutions:
            raise DirectoryError(
                f"directory version {snapshot.version} does not list this node's institution"
            )
        self.directory = snapshot
        log.info("directory version %s in force", snapshot.version)
        return True

    # Reconciling ------------------------------------------------------------------------

    def reconcile(self) -> Reconciliation:
        """Restore lost outbox entries and count messages overdue in their status."""
        settings = self.settings
        result = self.store.reconcile(
            self.clock(),
            {
                MessageStatus.ACCEPTED: dt.timedelta(seconds=settings.max_dwell_accepted_seconds),
                MessageStatus.SENT: dt.timedelta(seconds=settings.max_dwell_sent_seconds),
                MessageStatus.RECEIVED: dt.timedelta(hours=settings.max_dwell_inbox_hours),
            },
        )
        self.metrics.reconciled.inc(result.restored)
        for status, count in result.overdue.items():
            self.metrics.overdue.labels(status=status.value).set(count)
        for case_type, count in self.overdue_requests().items():
            self.metrics.overdue_requests.labels(case_type=case_type.value).set(count)
        if result.restored:
            log.warning("outbox entries restored", extra={"count": result.restored})
            self.kick()
        return result

    def overdue_requests(self) -> dict[CaseType, int]:
        """Open requests whose answer is late, per case type (see :meth:`late_requests`)."""
        counts = dict.fromkeys(CaseType, 0)
        for state, _ in self.late_requests():
            counts[state.case_type] += 1
        return counts

    def late_requests(self) -> list[tuple[CaseState, OpenRequest]]:
        """Each open request whose answer is late, with its case, over the cases this node
        touched within the last year (older cases are left to the console's case search);
        the longest overdue first."""
        now = self.clock()
        late: list[tuple[CaseState, OpenRequest]] = []
        # Every step of a case comes after the case was first stored, and a request is due
        # at the earliest one reply period after its step: younger cases cannot be late, and
        # reading them all at every reconciliation would cost more the more a node carries.
        shortest = min(self.settings.reply_due.values())
        for case_id in self.store.case_ids_since(
            now - _OVERDUE_HORIZON, created_before=now - shortest
        ):
            state = self.cases.state(case_id)
            if state is not None:
                late.extend((state, request) for request in overdue(state, now))
        return sorted(late, key=lambda item: (item[1].due_at, str(item[1].message_id)))

    # Reading ----------------------------------------------------------------------------

    def document_of(self, record: MessageRecord) -> bytes:
        """The verified document of a message, decrypted with this node's own key.

        Raises :class:`PayloadPurged` when retention removed it."""
        require_payload(record)
        if record.direction is Direction.IN:
            signed = open_sealed(record.sealed, self.credentials.decryption)
        else:
            if record.at_rest is None:
                raise StoreUnavailable("the sent document is no longer kept")
            signed = open_sealed(record.at_rest, self.credentials.decryption)
        root = parse_untrusted(signed).getroot()
        return etree.tostring(envelope_body(root), encoding="UTF-8", xml_declaration=True)

    def acknowledge(self, record: MessageRecord) -> MessageRecord:
        """The back-office took a received document."""
        assert record.id is not None
        return self.store.change_status(
            record.id,
            MessageStatus.ACKNOWLEDGED,
            now=self.clock(),
            trace=Trace("acknowledged", "taken by the back-office"),
        )


def _record(
    header: EnvelopeHeader,
    direction: Direction,
    status: MessageStatus,
    *,
    sealed: bytes,
    digest: str,
    now: dt.datetime,
) -> MessageRecord:
    """A message row from its signed header; ``partner`` is the other institution."""
    return MessageRecord(
        message_id=header.message_id,
        direction=direction,
        case_id=header.case_id,
        case_type=header.case_type.value,
        in_reply_to=header.in_reply_to,
        document_set_id=header.document_set_id,
        document_version=header.document_version,
        action=header.action.value,
        sender=header.sender,
        recipient=header.recipient,
        partner=header.recipient if direction is Direction.OUT else header.sender,
        document_type=header.document_type.root_name,
        schema_version=header.schema_version,
        status=status,
        created_at=now,
        updated_at=now,
        expires_at=header.expires,
        size=len(sealed),
        digest=digest,
        sealed=sealed,
    )


def _safe_detail(error: GatewayError) -> str:
    # Trace events hold no personal data: schema messages may quote values, so keep codes only.
    issues = getattr(error, "issues", ())
    if issues:
        return ", ".join(f"{issue.code} at {issue.path}" for issue in issues[:10])
    return error.detail[:500]
