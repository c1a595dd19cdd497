"""The poison messages of the fault-injection suite (``faults.py``): messages put straight on
the bus that the receiving node must refuse, each kind of its own, with new message ids."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import uuid
from pathlib import Path

from cryptography import x509
from fault_traffic import DOCUMENT, RECEIVER, SENDER
from lxml import etree

from gateway.codes import InstitutionId
from gateway.demo import node_keys
from gateway.directory import Directory
from gateway.documents import SCHEMA_DIR, ValidatedDocument, build_envelope, validate_document
from gateway.errors import GatewayError
from gateway.exchange import Credentials, OutboundMessage, prepare_outbound
from gateway.security import KeyUse, seal, sign_enveloped
from gateway.transport import BusMessage

__all__ = ["MAX_DOCUMENT_BYTES", "POISON_KINDS", "STRANGER", "poison_messages"]

#: An institution the PKI knows but the directory does not list.
STRANGER = "FR:NOBODY01"
MAX_DOCUMENT_BYTES = 1048576
POISON_KINDS = (
    "garbage",
    "unknown-sender",
    "bad-signature",
    "wrong-recipient",
    "expired",
    "oversized",
)


def poison_messages(
    pki: Path, directory: Directory, routing_key: str, copies: int
) -> list[BusMessage]:
    """Messages the receiver must refuse, each of ``POISON_KINDS`` ``copies`` times, in that
    order, with new ids; ``pki`` holds the sender's and the stranger's keys."""
    poison = _Poison.made(pki, directory, routing_key)
    elsewhere = poison.another_recipient()
    made: list[BusMessage] = []
    for _ in range(copies):
        # One authentic message, whose header the stranger reuses and whose envelope is altered.
        fine = poison.outbound()
        made += [
            poison.garbage(),
            poison.unknown_sender(fine),
            poison.bad_signature(fine),
            poison.wrong_recipient(elsewhere),
            poison.expired(),
            poison.oversized(),
        ]
    return made


@dataclasses.dataclass(frozen=True)
class _Poison:
    """What the poison is made of: the sender's document, keys and directory, at one time."""

    directory: Directory
    routing_key: str
    sender: Credentials
    stranger: Credentials
    document: ValidatedDocument
    recipient_certificate: x509.Certificate
    now: dt.datetime

    @classmethod
    def made(cls, pki: Path, directory: Directory, routing_key: str) -> _Poison:
        now = dt.datetime.now(dt.UTC)
        (recipient_certificate, *_) = directory.certificates(RECEIVER, KeyUse.ENCRYPTION, now)
        return cls(
            directory=directory,
            routing_key=routing_key,
            # The sender's keys are its node's own (the demo network enrols by requests); the
            # stranger is only known to the authority, which issued its keys directly.
            sender=Credentials.from_institution_files(node_keys(pki.parent, SENDER)),
            stranger=Credentials.from_pki(pki, InstitutionId(STRANGER)),
            document=validate_document((SCHEMA_DIR / "examples" / f"{DOCUMENT}.xml").read_bytes()),
            recipient_certificate=recipient_certificate,
            now=now,
        )

    def outbound(
        self, to: str = RECEIVER, at: dt.datetime | None = None, ttl: float = 3600.0
    ) -> OutboundMessage:
        return prepare_outbound(
            self.document,
            credentials=self.sender,
            directory=self.directory,
            recipient=to,
            now=self.now if at is None else at,
            time_to_live=dt.timedelta(seconds=ttl),
        )

    def message(
        self,
        body: bytes,
        message_id: uuid.UUID,
        sender_id: str = SENDER,
        case_id: uuid.UUID | None = None,
    ) -> BusMessage:
        return BusMessage(
            body=body,
            message_id=str(message_id),
            correlation_id=str(case_id or uuid.uuid4()),
            type=DOCUMENT,
            sender=sender_id,
            recipient=RECEIVER,
            routing_key=self.routing_key,
        )

    def sealed(self, envelope: bytes, outbound: OutboundMessage) -> BusMessage:
        """``envelope`` sealed for the receiver, sent as ``outbound``'s message."""
        return self.message(
            seal(envelope, self.recipient_certificate),
            outbound.header.message_id,
            case_id=outbound.header.case_id,
        )

    def garbage(self) -> BusMessage:
        return self.message(os.urandom(2000), uuid.uuid4())

    def unknown_sender(self, fine: OutboundMessage) -> BusMessage:
        """A well-formed envelope from an institution the directory does not list."""
        header = dataclasses.replace(
            fine.header, sender=InstitutionId(STRANGER), message_id=uuid.uuid4()
        )
        signed = sign_enveloped(build_envelope(header, self.document.root), self.stranger.signing)
        return self.message(
            seal(etree.tostring(signed), self.recipient_certificate),
            header.message_id,
            STRANGER,
            header.case_id,
        )

    def bad_signature(self, fine: OutboundMessage) -> BusMessage:
        """Signed by the sender, then altered."""
        tampered = etree.fromstring(fine.signed_envelope)
        text = next(e for e in tampered.iter() if e.text and e.text.strip())
        text.text = (text.text or "") + "x"
        return self.sealed(etree.tostring(tampered), fine)

    def wrong_recipient(self, elsewhere: str) -> BusMessage:
        """Authentic, but signed for another institution."""
        other = self.outbound(to=elsewhere)
        return self.sealed(other.signed_envelope, other)

    def expired(self) -> BusMessage:
        """Authentic, but expired before it arrives."""
        old = self.outbound(at=self.now - dt.timedelta(seconds=10), ttl=1.0)
        return self.sealed(old.signed_envelope, old)

    def oversized(self) -> BusMessage:
        return self.message(os.urandom(MAX_DOCUMENT_BYTES * 4 // 3 + 8192), uuid.uuid4())

    def another_recipient(self) -> str:
        """An institution the sender may send the document to, other than the receiver."""
        for institution in sorted(self.directory.institutions):
            if institution in (SENDER, RECEIVER, STRANGER):
                continue
            try:
                self.outbound(to=institution)
            except GatewayError:
                continue
            return institution
        raise RuntimeError("the directory lists no other institution the sender may address")
