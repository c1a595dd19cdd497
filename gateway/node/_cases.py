"""A node's view of its cases: the steps it sent and received, replayed through the machine."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from gateway.cases import (
    READ_DOCUMENTS,
    CaseState,
    CaseStep,
    DocumentValues,
    apply_step,
    document_values,
    opens_case,
    replay,
    start_case,
)
from gateway.config import NodeSettings
from gateway.documents import (
    CaseType,
    DocumentAction,
    DocumentType,
    EnvelopeHeader,
    parse_untrusted,
)
from gateway.errors import CaseStateError
from gateway.exchange import MessageStatus
from gateway.node._parts import TECHNICAL_NAMES
from gateway.store import MessageRecord, Store

__all__ = ["CASE_READ_DOCUMENTS", "CaseBook", "CaseHistory"]

#: Steps whose document the machine must read (a forward's target, a reminder's request, a
#: coverage document's purpose): retention keeps their payloads, or the case could no longer
#: be rebuilt.
CASE_READ_DOCUMENTS = frozenset(document_type.root_name for document_type in READ_DOCUMENTS)


@dataclass(frozen=True, slots=True)
class CaseHistory:
    """A case as stored: its type and the steps this node took part in, oldest first."""

    case_type: CaseType
    steps: tuple[CaseStep, ...]


class CaseBook:
    """Checks each step against the case as this node knows it, before it is sent or stored.

    The case is rebuilt from the stored messages every time, so it can never drift from
    them. A node sees only the messages it took part in: what it cannot know, it does not
    judge (an institution asked for periods inside another's claim case joins it then).
    """

    def __init__(
        self,
        store: Store,
        settings: NodeSettings,
        read_document: Callable[[MessageRecord], bytes],
    ) -> None:
        self._store = store
        self._settings = settings
        self._read_document = read_document

    def history(self, case_id: uuid.UUID) -> CaseHistory | None:
        """The case as stored, or None when this node has none of that id."""
        case, records = self._store.case_messages(case_id)
        if case is None:
            return None
        steps = tuple(
            self._step(record)
            for record in records
            if record.document_type not in TECHNICAL_NAMES
            and record.status is not MessageStatus.REFUSED
        )
        return CaseHistory(CaseType(case.case_type), steps)

    def _step(self, record: MessageRecord) -> CaseStep:
        document_type = DocumentType.from_root_name(record.document_type)
        values = DocumentValues()
        if document_type in READ_DOCUMENTS:
            root = parse_untrusted(self._read_document(record)).getroot()
            values = document_values(document_type, root)
        return CaseStep(
            message_id=record.message_id,
            document_type=document_type,
            action=DocumentAction(record.action),
            document_set_id=record.document_set_id,
            version=record.document_version,
            sender=record.sender,
            recipient=record.recipient,
            in_reply_to=record.in_reply_to,
            at=record.created_at,
            forwarded_to=values.forwarded_to,
            reminded=values.reminded,
            purpose=values.purpose,
        )

    def check(
        self,
        header: EnvelopeHeader,
        document: etree._Element,
        *,
        receiving: bool,
        history: CaseHistory | None,
    ) -> CaseState | None:
        """The case after this message, or :class:`CaseStateError` when it does not fit.

        ``history`` is the case as stored before this message (see :meth:`history`; None for
        a case id made for this message just now). Technical documents are not case steps:
        None.
        """
        if header.document_type.root_name in TECHNICAL_NAMES:
            return None
        step = CaseStep.from_message(header, document)
        reply_due = self._settings.reply_due
        if history is not None and history.case_type is not header.case_type:
            raise CaseStateError(
                "case.type-mismatch",
                f"case {header.case_id} is a {history.case_type.value} case, "
                f"not {header.case_type.value}",
            )
        if history is None or not history.steps:
            # Asked to join a case this node has not seen (periods gathered for another
            # institution's claim): only a request that needs no earlier step is taken.
            joining = (
                receiving
                and not opens_case(header.case_type, step)
                and header.in_reply_to is None
                and header.action is DocumentAction.NEW
            )
            if joining:
                return None
            return start_case(header.case_id, header.case_type, step, reply_due=reply_due)
        if not opens_case(history.case_type, history.steps[0]):
            # This node joined the case part-way and cannot see its beginning: the case
            # owner's node, which sees it all, is the one that enforces it.
            return None
        state = replay(header.case_id, history.case_type, history.steps, reply_due=reply_due)
        return apply_step(state, step, reply_due=reply_due)

    def state(self, case_id: uuid.UUID) -> CaseState | None:
        """The case as this node knows it, or None when it joined part-way or has none."""
        history = self.history(case_id)
        if history is None or not history.steps:
            return None
        if not opens_case(history.case_type, history.steps[0]):
            return None
        try:
            return replay(
                case_id, history.case_type, history.steps, reply_due=self._settings.reply_due
            )
        except CaseStateError:
            return None
