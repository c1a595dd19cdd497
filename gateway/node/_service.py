"""A node: one institution's gateway, as the runtime, the API and the console call it.

The node is a facade over its jobs, each in a module of its own: submitting (``_outbound``),
relaying (``_relay``), receiving (``_inbound``) and upkeep (``_upkeep``); what others may read
is its :class:`Reading`, what operators may do its :class:`Actions`. The jobs are synchronous
and do no network I/O of their own: the runtime feeds them deliveries and publishes what they
hand back. Every change is one store transaction, and the broker is acknowledged only after
that transaction committed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable

from sqlalchemy import Engine

from gateway.cases import CaseState, OpenRequest
from gateway.config import NodeSettings
from gateway.directory import Directory
from gateway.documents import CaseType, DocumentAction, ValidatedDocument
from gateway.exchange import Credentials, PersonIndexKey
from gateway.node._actions import Actions
from gateway.node._anchoring import AnchorRun
from gateway.node._idempotency import Idempotency
from gateway.node._inbound import Arrival, Inbound, Outcome
from gateway.node._metrics import NodeMetrics
from gateway.node._outbound import Outbound
from gateway.node._persons import Persons
from gateway.node._reading import Reading
from gateway.node._relay import Dispatch, Relay
from gateway.node._upkeep import Upkeep
from gateway.store import MessageRecord, Reconciliation, Store

__all__ = ["Node"]


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
        self._inbox_listeners: list[Callable[[], None]] = []
        #: What the store holds, for the API, the console, evidence and the command line.
        self.reading = Reading(store, settings, credentials.decryption, clock=clock)
        self.cases = self.reading.cases
        #: What operators do: retry a failed message, manage API keys.
        self.actions = Actions(store, clock=clock, wake=self.kick)
        #: The blind index of persons: written with each stored document, searched by person.
        key = PersonIndexKey.open(settings.person_index_key_file, create=True)
        self.persons = Persons(store, key, clock=clock)
        self._outbound = Outbound(self)
        self._relay = Relay(self)
        self._inbound = Inbound(self, self._outbound)
        self._upkeep = Upkeep(self)

    @property
    def institution(self) -> str:
        return self.credentials.institution

    @property
    def database(self) -> Engine:
        """The database the node's store lives in: the console keeps its own tables there
        (operators, sessions, audit log) and draws its dashboard from it."""
        return self.store.engine

    def on_new_work(self, wake: Callable[[], None]) -> None:
        """Let the runtime's relay be woken as soon as something is queued."""
        self._wake_relay = wake

    def kick(self) -> None:
        self._wake_relay()

    def on_inbox(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (from a worker thread) whenever a received document enters the
        inbox: the API's long polls wait for it instead of reading the store again and again."""
        self._inbox_listeners.append(listener)

    def inbox_changed(self) -> None:
        for listener in self._inbox_listeners:
            listener()

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
        idempotency: Idempotency | None = None,
    ) -> MessageRecord:
        """Validate, authorise, check against its case, seal and store a document for
        sending; the relay sends it.

        Raises :class:`ValidationFailed`, :class:`NotPermitted` or :class:`CaseStateError`
        with nothing stored, and nothing signed or encrypted. Under ``idempotency`` the key
        and the submit's answer are stored with the message; when another submit stored its
        message under that key first, :class:`IdempotencyKeyTaken` is raised and nothing is
        stored (its answer is :meth:`Reading.first_answer`).
        """
        return self._outbound.submit(
            document,
            recipient=recipient,
            case_id=case_id,
            in_reply_to=in_reply_to,
            document_set_id=document_set_id,
            document_version=document_version,
            action=action,
            protected_person=protected_person,
            case_type=case_type,
            idempotency=idempotency,
        )

    # Relaying ---------------------------------------------------------------------------

    def due(self, limit: int = 256) -> list[Dispatch]:
        """Messages to publish now, leased to this worker for ``relay_lease_seconds`` (see
        :meth:`Store.claim_due`). Expired or exhausted ones are failed here instead."""
        return self._relay.due(limit)

    def relay_pause(self) -> float:
        """Seconds the relay may sleep when nothing is due: until the outbox's next entry
        falls due, at least ``relay_interval_seconds`` and at most ``relay_idle_seconds``
        (work another process queued, a retry from the CLI, is found within that)."""
        return self._relay.pause()

    def backoff(self, attempts: int) -> dt.timedelta:
        """How long to wait for a receipt after the ``attempts``-th send."""
        return self._relay.backoff(attempts)

    def published(self, *dispatches: Dispatch) -> None:
        """The broker confirmed these publishes: all are recorded in one transaction.

        Everything needed comes with the dispatches: reading the messages again would load
        their sealed copies too, twice the sealed size for each (which for a large document
        was the sending node's peak). The store counts the attempts itself and skips a
        message gone meanwhile.
        """
        self._relay.published(dispatches)

    def publish_failed(self, dispatch: Dispatch, reason: str) -> None:
        """The broker did not take a publish (it is away, or the recipient's queue is
        missing): try again after a pause rather than at every turn of the relay."""
        self._relay.publish_failed(dispatch, reason)

    # Receiving --------------------------------------------------------------------------

    def receive(self, arrival: Arrival) -> Outcome:
        """Take in one delivery. Returns what to do with it on the broker.

        Raises :class:`StoreUnavailable` when the store cannot be written: the runtime then
        requeues the delivery, and nothing was half-done.
        """
        return self._inbound.receive(arrival)

    def acknowledge(self, record: MessageRecord) -> MessageRecord:
        """The back-office took a received document."""
        return self._inbound.acknowledge(record)

    # Upkeep -----------------------------------------------------------------------------

    def reload_directory(self, data: bytes) -> bool:
        """Take a newer signed directory snapshot; returns whether it replaced the current one.

        Only a snapshot signed by the network authority and with a higher version is taken,
        so an old snapshot can never be replayed to bring back a revoked certificate.
        Raises :class:`DirectoryError` for a snapshot that cannot be trusted.
        """
        return self._upkeep.reload_directory(data)

    def reconcile(self) -> Reconciliation:
        """Restore lost outbox entries, count messages overdue in their status, and forget
        expired idempotency keys."""
        return self._upkeep.reconcile()

    def anchor(self) -> AnchorRun:
        """Time-stamp the trace and audit chains' heads with the configured TSA, if an
        anchor is due; a TSA that fails is logged and counted, and tried again sooner."""
        return self._upkeep.anchor()

    def refuse_if_unanchored(self) -> None:
        """Raise :class:`Unanchored` when the chains have gone without an anchor past
        ``unanchored_limit_hours``: the node then takes no new messages."""
        self._upkeep.anchoring.refuse_if_unanchored()

    def overdue_requests(self) -> dict[CaseType, int]:
        """Open requests whose answer is late, per case type (see :meth:`late_requests`)."""
        return self._upkeep.overdue_requests()

    def late_requests(self) -> list[tuple[CaseState, OpenRequest]]:
        """Each open request whose answer is late, with its case, over the cases this node
        touched within the last year (older cases are left to the console's case search);
        the longest overdue first."""
        return self._upkeep.late_requests()

    # Reading ----------------------------------------------------------------------------

    def document_of(self, record: MessageRecord) -> bytes:
        """The verified document of a message (see :meth:`Reading.document`)."""
        return self.reading.document(record)
