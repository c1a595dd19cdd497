"""Submitting: a back-office document, or this node's answer to a delivery, made ready to send
and stored with its copy sealed at rest; the relay sends it."""

from __future__ import annotations

import datetime as dt
import uuid

from cryptography import x509
from lxml import etree

from gateway.documents import (
    CaseType,
    DocumentAction,
    EnvelopeHeader,
    ValidatedDocument,
    validate_document,
    validate_element,
)
from gateway.exchange import (
    Direction,
    MessageStatus,
    OutboundMessage,
    PersonKey,
    address_outbound,
    prepare_outbound,
    seal_outbound,
    sealing_certificate,
)
from gateway.node._idempotency import Idempotency
from gateway.node._parts import NodeParts, message_record
from gateway.security import seal
from gateway.store import IdempotencyRecord, MessageRecord, Trace

__all__ = ["Outbound"]


class Outbound:
    """What a node sends: checked, sealed for its recipient, and kept sealed to itself."""

    def __init__(self, node: NodeParts) -> None:
        self._node = node
        # At rest a message is sealed to this node's own newest certificate, as the directory
        # listed it when the node started.
        self.own_certificate: x509.Certificate = sealing_certificate(
            node.directory, node.credentials.institution, node.clock()
        )

    def submit(
        self,
        document: bytes | ValidatedDocument,
        *,
        recipient: str,
        case_id: uuid.UUID | None,
        in_reply_to: uuid.UUID | None,
        document_set_id: uuid.UUID | None,
        document_version: int,
        action: DocumentAction,
        protected_person: bool,
        case_type: CaseType | None,
        idempotency: Idempotency | None = None,
    ) -> MessageRecord:
        """See :meth:`gateway.node.Node.submit`."""
        node, now = self._node, self._node.clock()
        validated = self._validated(document, now)
        # The case as stored, read once: it names the case type when the caller did not, and
        # the case check replays it.
        history = None if case_id is None else node.cases.history(case_id)
        address = address_outbound(
            validated,
            credentials=node.credentials,
            directory=node.directory,
            recipient=recipient,
            now=now,
            case_id=case_id,
            case_type=case_type or (history.case_type if history else None),
            in_reply_to=in_reply_to,
            document_set_id=document_set_id,
            document_version=document_version,
            action=action,
            protected_person=protected_person,
            time_to_live=self._time_to_live(),
            timer=node.metrics.stage,
        )
        # Before anything is signed or encrypted: a step the case refuses costs no keys.
        with node.metrics.stage("case"):
            node.cases.check(address.header, validated.root, receiving=False, history=history)
        persons = node.persons.keys_of(validated.root)  # the blind index, stored with it
        outbound = seal_outbound(
            validated,
            address,
            signing=node.credentials.signing,
            timer=node.metrics.stage,
            # A document validated here is this call's own: the envelope takes its tree.
            adopt_document=validated is not document,
        )
        record = self._unsealed_record(outbound, now)
        signed, traces = outbound.signed_envelope, _submitted_traces(outbound)
        # The document's tree (the envelope's, twice the document's size) is not needed to
        # seal at rest, nor the signed envelope by the store write, which takes memory of its
        # own for the sealed copies.
        del validated, address, outbound
        self._seal_at_rest(record, signed)
        del signed
        kept = None if idempotency is None else self._kept_answer(idempotency, record, now)
        return self._store_submitted(record, traces, now, protected_person, kept, persons)

    def _validated(
        self, document: bytes | ValidatedDocument, now: dt.datetime
    ) -> ValidatedDocument:
        with self._node.metrics.stage("validate"):
            if isinstance(document, ValidatedDocument):
                return document
            return validate_document(document, today=now.date())

    def _store_submitted(
        self,
        record: MessageRecord,
        traces: list[Trace],
        now: dt.datetime,
        protected_person: bool,
        kept: IdempotencyRecord | None,
        persons: list[PersonKey],
    ) -> MessageRecord:
        node = self._node
        with node.metrics.stage("database"):
            node.store.add_message(
                record,
                traces=traces,
                now=now,
                protected_person=protected_person,
                outbox_due=now,
                idempotency=kept,
                persons=persons,
            )
        node.metrics.message("out", record.document_type, record.recipient, "accepted")
        return record

    def answer(
        self, document: etree._Element, header: EnvelopeHeader, now: dt.datetime
    ) -> MessageRecord:
        """This node's receipt or rejection for the message of ``header``, sealed, not stored."""
        node = self._node
        with node.metrics.stage("validate"):
            validated = validate_element(document, today=now.date())
        outbound = prepare_outbound(
            validated,
            credentials=node.credentials,
            directory=node.directory,
            recipient=header.sender,
            now=now,
            case_id=header.case_id,
            case_type=header.case_type,
            in_reply_to=header.message_id,
            time_to_live=self._time_to_live(),
            timer=node.metrics.stage,
            adopt_document=True,
        )
        record = self._unsealed_record(outbound, now)
        self._seal_at_rest(record, outbound.signed_envelope)
        return record

    def _time_to_live(self) -> dt.timedelta:
        return dt.timedelta(hours=self._node.settings.message_time_to_live_hours)

    def _unsealed_record(self, outbound: OutboundMessage, now: dt.datetime) -> MessageRecord:
        """The record of an outbound message, without its copy at rest."""
        record = message_record(
            outbound.header,
            Direction.OUT,
            MessageStatus.ACCEPTED,
            sealed=outbound.sealed,
            digest=outbound.digest,
            now=now,
        )
        record.agreement_id = outbound.agreement_id
        return record

    def _kept_answer(
        self, idempotency: Idempotency, record: MessageRecord, now: dt.datetime
    ) -> IdempotencyRecord:
        """The key of a submit and its answer, to store with its message."""
        answer, key = idempotency.answer(record), idempotency.key
        with self._node.metrics.stage("encrypt"):
            body = seal(answer.body, self.own_certificate)
        hours = self._node.settings.idempotency_key_hours
        return IdempotencyRecord(
            client_id=key.client,
            key=key.key,
            digest=key.digest,
            status=answer.status,
            location=answer.location,
            body=body,
            created_at=now,
            expires_at=now + dt.timedelta(hours=hours),
        )

    def _seal_at_rest(self, record: MessageRecord, signed: bytes) -> None:
        # At rest the signed envelope is sealed to this node's own key: the store holds
        # no readable personal data, yet the node can show what it sent.
        with self._node.metrics.stage("encrypt"):
            record.at_rest = seal(signed, self.own_certificate)


def _submitted_traces(outbound: OutboundMessage) -> list[Trace]:
    header = outbound.header
    return [
        Trace("accepted", f"validated {header.document_type.root_name}"),
        Trace("authorised", f"under {outbound.agreement_id}" if outbound.agreement_id else ""),
        Trace("sealed", f"{len(outbound.sealed)} bytes for {header.recipient}"),
    ]
