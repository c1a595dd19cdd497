"""The read side of a node: everything the API, the console, evidence and the command line
look at, in one place, and the one way to open what the store keeps sealed.

Nothing here changes the store. Every read is one read-only transaction of the store.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lxml import etree

from gateway.cases import (
    AgreementsBetween,
    CareersByAgreement,
    CaseState,
    InsurancePeriod,
    periods_from_reply,
    totalize_by_agreement,
)
from gateway.codes import parse_institution_id
from gateway.config import NodeSettings
from gateway.documents import DocumentAction, DocumentType, envelope_body, parse_untrusted
from gateway.errors import GatewayError, StoreUnavailable
from gateway.exchange import Direction, MessageStatus
from gateway.node._anchoring import AnchoringState, anchoring_state
from gateway.node._cases import CaseBook
from gateway.node._idempotency import Answer
from gateway.node._listing import (
    MessageFilter,
    MessagePage,
    MessageRow,
    case_rows,
    dead_letter_page,
    latest_change,
    list_messages,
    message_keys,
    replies,
)
from gateway.node._parts import TECHNICAL_NAMES
from gateway.security import DecryptionKey, open_sealed
from gateway.store import (
    Anchors,
    ApiClient,
    CaseRecord,
    ChainAnchor,
    ChainReport,
    DeadLetter,
    IdempotencyKey,
    IdempotencyKeys,
    MessageRecord,
    ReceiptRecord,
    Store,
    TraceChainHead,
    TraceEvent,
    chain_head,
    require_payload,
    verify_trace_chain,
)

__all__ = ["CasePeriods", "Reading", "case_periods"]

_IN_INBOX = (MessageStatus.RECEIVED, MessageStatus.ACKNOWLEDGED)
_REPLY = DocumentType.INSURANCE_PERIODS_REPLY.root_name


class Reading:
    """What a node's store holds, as those outside the node may see it."""

    def __init__(
        self,
        store: Store,
        settings: NodeSettings,
        decryption: Sequence[DecryptionKey],
        *,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._store = store
        self._decryption = decryption
        self._clock = clock
        self._idempotency_keys = IdempotencyKeys(store.engine)
        self._settings = settings
        self._anchors = Anchors(store.engine)
        #: The cases as this node knows them, rebuilt from the stored messages.
        self.cases = CaseBook(store, settings, self.document)

    # Messages ---------------------------------------------------------------------------

    def messages(self, f: MessageFilter) -> MessagePage:
        """One page of messages, newest first (see :func:`list_messages`)."""
        return list_messages(self._store.engine, f)

    def message(self, pk: int) -> MessageRecord | None:
        """A message by its row number."""
        return self._store.message(pk)

    def any_message(self, message_id: uuid.UUID) -> MessageRecord | None:
        """A sent message by id, else a received one."""
        return self._store.any_message(message_id)

    def sent_message(self, message_id: uuid.UUID) -> MessageRecord | None:
        return self._store.sent_message(message_id)

    def received_message(self, message_id: uuid.UUID) -> MessageRecord | None:
        return self._store.received_message(message_id)

    def message_keys(self, message_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, int]:
        """The row number of each stored message with one of these ids."""
        return message_keys(self._store.engine, message_ids)

    def replies(self, message_id: uuid.UUID) -> list[tuple[int, str, str, str]]:
        """The business messages answering a message (see :func:`replies`)."""
        return replies(self._store.engine, message_id)

    def trace(self, message_id: uuid.UUID) -> list[TraceEvent]:
        """A message's trace events, oldest first."""
        return self._store.trace(message_id)

    def receipts(self, pk: int) -> list[ReceiptRecord]:
        """The signed receipts and rejections that came for a sent message."""
        return self._store.receipts(pk)

    def receipt_sent_for(self, received: MessageRecord) -> MessageRecord | None:
        """The receipt or rejection this node sent for a received message."""
        return self._store.receipt_sent_for(received)

    def dead_letters(self, *, before: int | None, limit: int) -> list[DeadLetter]:
        """Dead letters, newest first, older than row ``before`` when given."""
        return dead_letter_page(self._store.engine, before=before, limit=limit)

    def latest_change(self) -> int:
        """A number that grows whenever a message is stored or changes."""
        return latest_change(self._store.engine)

    def outbox_depth(self) -> int:
        return self._store.outbox_depth()

    # Cases ------------------------------------------------------------------------------

    def case(self, case_id: uuid.UUID) -> tuple[CaseRecord | None, list[MessageRecord]]:
        """A case and its messages in the order they were stored; (None, []) for none."""
        return self._store.case_messages(case_id)

    def case_rows(self, case_id: uuid.UUID) -> tuple[CaseRecord | None, list[MessageRow]]:
        """A case and its messages as lists show them, in the order they were stored."""
        return case_rows(self._store.engine, case_id)

    def case_state(self, case_id: uuid.UUID) -> CaseState | None:
        """The case as this node knows it, or None when it joined part-way or has none."""
        return self.cases.state(case_id)

    def case_periods(
        self,
        case_id: uuid.UUID,
        state: CaseState | None,
        *,
        as_of: dt.date,
        agreements_between: AgreementsBetween,
    ) -> CasePeriods | None:
        """The periods of the case's replies totalized per agreement (see :func:`case_periods`),
        or None when the case has no reply. ``state`` is the case as :meth:`case_state` read it.
        """
        _, records = self.case(case_id)
        # The case owner's institution decides on the case, so its country totalizes the
        # periods; a case this node cannot judge is seen from its own country.
        deciding = state.owner if state else self._settings.institution_id
        return case_periods(
            records,
            self.document,
            as_of=as_of,
            competent_country=parse_institution_id(deciding).split(":", 1)[0],
            agreements_between=agreements_between,
        )

    def protected(self, case_id: uuid.UUID) -> bool:
        """Whether the case is marked as concerning a protected person."""
        with self._store.reading() as session:
            case = session.get(CaseRecord, case_id)
            return bool(case and case.protected_person)

    # The back-office --------------------------------------------------------------------

    def inbox(self, *, after: int, limit: int) -> list[MessageRecord]:
        """Received documents waiting for the back-office, in arrival order after a cursor."""
        return self._store.inbox(after=after, limit=limit)

    def inbox_message(self, message_id: uuid.UUID) -> MessageRecord | None:
        """A received document that reached the inbox: not a refused one, not a receipt."""
        record = self._store.received_message(message_id)
        if record is None or record.status not in _IN_INBOX:
            return None
        return None if record.document_type in TECHNICAL_NAMES else record

    def api_client(self, key: str) -> ApiClient | None:
        """The back-office client holding this API key, unless it is unknown or revoked."""
        return self._store.api_client_for(key)

    def api_clients(self) -> list[ApiClient]:
        """Every back-office client, revoked ones too, oldest first. Each holds the hash of
        its key: whoever shows them shows the other fields only."""
        return self._store.api_clients()

    def first_answer(self, key: IdempotencyKey) -> Answer | None:
        """The answer the first submit under this client's key got, while the key lives.

        Raises :class:`IdempotencyKeyReused` when that submit's request was another.
        """
        found = self._idempotency_keys.find(key, self._clock())
        if found is None:
            return None
        return Answer(found.status, found.location, open_sealed(found.body, self._decryption))

    def ping(self) -> None:
        """Raises :class:`StoreUnavailable` when the store does not answer."""
        self._store.ping()

    # Sealed payloads --------------------------------------------------------------------

    def kept_envelope(self, record: MessageRecord) -> bytes | None:
        """The signed envelope of a message as this node keeps it, opened with its own key: a
        received message's bytes as they came, a sent message's copy sealed at rest. None when
        retention removed them."""
        kept = record.sealed if record.direction is Direction.IN else record.at_rest
        if not record.sealed or not kept:
            return None
        return open_sealed(kept, self._decryption)

    def document(self, record: MessageRecord) -> bytes:
        """The verified document of a message, decrypted with this node's own key.

        Raises :class:`PayloadPurged` when retention removed it."""
        require_payload(record)
        signed = self.kept_envelope(record)
        if signed is None:
            raise StoreUnavailable("the sent document is no longer kept")
        root = parse_untrusted(signed).getroot()
        return etree.tostring(envelope_body(root), encoding="UTF-8", xml_declaration=True)

    # The trace chain --------------------------------------------------------------------

    def trace_chain_head(self) -> TraceChainHead | None:
        """The trace chain's head: its length and newest hash, covering every event read
        before."""
        with self._store.reading() as session:
            return chain_head(session)

    def verify_trace_chain(self) -> ChainReport:
        """Recompute every link of the trace chain, oldest first."""
        return verify_trace_chain(self._store.engine)

    # Anchors ----------------------------------------------------------------------------

    def anchoring(self) -> AnchoringState:
        """When the chains were last anchored, and how long evidence has waited since."""
        return anchoring_state(self._anchors, self._settings, self._clock())

    def anchor_covering(self, trace_row: int) -> ChainAnchor | None:
        """The oldest anchor that fixed the trace chain at or past row ``trace_row``."""
        return self._anchors.covering(trace_row)


# The periods of a case ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CasePeriods:
    """The periods of a case's replies and the careers they make, one per agreement."""

    periods: Sequence[InsurancePeriod]
    careers: CareersByAgreement
    #: How many replies were read, and how many could not be (their stored copy is gone, or
    #: it does not read as a reply).
    replies: int
    unreadable: int


def case_periods(
    records: Sequence[MessageRecord],
    read_document: Callable[[MessageRecord], bytes],
    *,
    as_of: dt.date,
    competent_country: str,
    agreements_between: AgreementsBetween,
) -> CasePeriods | None:
    """The periods of the replies among ``records``, or None when the case has no reply.

    Only the latest version of each reply's document set counts; an invalidated set counts no
    more. The person block of a reply is never read: a period holds a country, an institution,
    dates, a kind and branches, none of which names the person.

    They are totalized for ``competent_country`` (the country of the institution that decides),
    separately under each agreement ``agreements_between`` names for it and another country:
    countries bound to it by different agreements are never added together.
    """
    latest: dict[uuid.UUID, MessageRecord] = {}
    for record in records:
        if record.document_type != _REPLY or record.status is MessageStatus.REFUSED:
            continue
        held = latest.get(record.document_set_id)
        if held is None or record.document_version >= held.document_version:
            latest[record.document_set_id] = record
    replies = [r for r in latest.values() if r.action != DocumentAction.INVALIDATE.value]
    if not replies:
        return None
    periods: list[InsurancePeriod] = []
    unreadable = 0
    for record in replies:
        try:
            root = parse_untrusted(read_document(record)).getroot()
            periods.extend(periods_from_reply(root))
        except (GatewayError, ValueError):
            unreadable += 1
    return CasePeriods(
        periods=periods,
        careers=totalize_by_agreement(
            periods,
            competent_country=competent_country,
            agreements_between=agreements_between,
            as_of=as_of,
        ),
        replies=len(replies),
        unreadable=unreadable,
    )
