"""The reference back-office's loop: it polls its node's inbox over HTTP and answers.

:class:`BackOffice` takes each inbox item once (``inbox`` long-poll, handle, ``acknowledge``),
hands the document to the decision it calls for (:mod:`gateway.demo.backoffice.decisions`)
and submits the answer; it also lodges claims and requests coverage on its institution's own
initiative. It reaches the node only through its REST API (:class:`ssgw_adapters.GatewayClient`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx2
from lxml import etree

from gateway.cases import InsurancePeriod, periods_from_reply
from gateway.codes import Branch
from gateway.demo.backoffice.decisions import (
    CoverageDecision,
    PeriodsPlan,
    acknowledge_claim,
    answer_periods_request,
    certificate_number,
    decide_claim,
    decide_coverage,
    local_case_number,
    months_touched,
    plan_periods_requests,
    request_periods,
)
from gateway.demo.backoffice.documents import (
    SCHEMA_VERSION,
    Claim,
    claim_document,
    coverage_request_document,
    read_claim,
)
from gateway.demo.backoffice.records import DecisionRecord, LodgedClaim, Received, Refusal, Sent
from gateway.demo.backoffice.register import ClaimApplication, CoverageApplication, Register
from gateway.demo.backoffice.sending import Sender
from gateway.directory import Directory
from gateway.documents import CaseType, DocumentType, parse_untrusted
from ssgw_adapters.client import GatewayClient, InboxItem
from ssgw_adapters.running import poll_until_stopped

__all__ = ["BackOffice", "wait_until"]


@dataclass
class _Gathering:
    """A claim waiting for periods before it is decided."""

    case_id: uuid.UUID
    claim: Claim
    claim_message: uuid.UUID | None
    requester: str | None
    local_case_number: str
    claim_recipients: tuple[str, ...] = ()
    waiting: dict[uuid.UUID, str] = field(default_factory=dict)
    received: list[InsurancePeriod] = field(default_factory=list)


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class BackOffice(Sender):
    """One institution's back-office on its node: answers its inbox from its register.

    ``report`` gets a progress line for everything it does (no personal data: institutions,
    document types, outcomes). Everything it sent, received, decided or was refused is kept
    in the public lists for inspection. Use :meth:`run` in a thread of its own, or
    :meth:`poll` step by step; :meth:`lodge_claim` and :meth:`request_coverage` may be called
    from other threads.
    """

    def __init__(
        self,
        client: GatewayClient,
        register: Register,
        directory: Directory,
        *,
        today: Callable[[], dt.date] = _utc_today,
        report: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(client, register.institution, report)
        self.register = register
        self.directory = directory
        self._today = today
        self.received: list[Received] = []
        self.decisions: list[DecisionRecord] = []
        self.coverage_decisions: list[CoverageDecision] = []
        self.not_asked: list[tuple[str, str]] = []
        self.failures: list[str] = []
        #: Inbox items taken but not acted on: a caseworker decides them.
        self.for_caseworker: list[InboxItem] = []
        self._lock = threading.RLock()
        self._handled: set[uuid.UUID] = set()
        self._cursor = 0
        self._gatherings: dict[uuid.UUID, _Gathering] = {}
        self._requests: dict[uuid.UUID, uuid.UUID] = {}
        self._certificates = itertools.count(1)

    # Acting on the back-office's own initiative ------------------------------------------

    def lodge_claim(self, application: ClaimApplication) -> LodgedClaim:
        """Pass a claim lodged here on to an institution of each other country (the same
        document set, one message each, in one case), then gather periods to decide this
        institution's own part. Recipients the node refuses are reported and skipped."""
        with self._lock:
            insured = self.register.find([application.pin])
            if insured is None:
                raise LookupError(f"{self.institution} has nobody registered under that number")
            person = insured.person
            residence = person.residence
            if residence is None:
                raise ValueError("the claimant has no residence address on record")
            document = claim_document(
                benefit_kind=application.benefit_kind,
                claimant=person,
                claim_date=application.claim_date,
                residence=residence,
                payment=application.payment,
                other_countries=application.other_countries,
                remarks=application.remarks,
            )
            claim = read_claim(parse_untrusted(document).getroot())
            set_id = uuid.uuid4()
            case_id: uuid.UUID | None = None
            sent: list[Sent] = []
            refused: list[Refusal] = []
            for country in application.other_countries:
                recipient = self._claim_recipient(country, claim.branch)
                if recipient is None:
                    self._say(f"finds no institution of {country} deciding {claim.branch} claims")
                    continue
                outcome = self._submit(
                    document,
                    DocumentType.BENEFIT_CLAIM,
                    recipient,
                    case_id=case_id,
                    document_set_id=set_id,
                )
                if isinstance(outcome, Sent):
                    case_id = outcome.case_id
                    sent.append(outcome)
                    self._say(f"sends the {claim.benefit_kind} BenefitClaim to {recipient}")
                else:
                    refused.append(outcome)
                    self._say(
                        f"cannot send the {claim.benefit_kind} BenefitClaim to {recipient}: "
                        f"{outcome.detail}"
                    )
            if case_id is not None:
                gathering = _Gathering(
                    case_id=case_id,
                    claim=claim,
                    claim_message=None,
                    requester=None,
                    local_case_number=local_case_number(self.institution, case_id),
                    claim_recipients=tuple(outcome.recipient for outcome in sent),
                )
                self._gather(gathering, None)
            return LodgedClaim(case_id, tuple(sent), tuple(refused))

    def _claim_recipient(self, country: str, branch: Branch) -> str | None:
        candidates = sorted(
            institution.id
            for institution in self.directory.institutions.values()
            if institution.country == country
            and institution.handles(CaseType.BENEFIT_CLAIM)
            and branch in institution.branches
        )
        return candidates[0] if candidates else None

    def request_coverage(
        self, application: CoverageApplication, recipient: str | None = None
    ) -> Sent | Refusal:
        """Ask an institution of the sending country (the first that handles coverage, unless
        ``recipient`` is given) to certify the legislation that applies to a worker."""
        with self._lock:
            if recipient is None:
                recipient = min(
                    institution.id
                    for institution in self.directory.institutions.values()
                    if institution.country == application.sending_country
                    and institution.handles(CaseType.COVERAGE)
                )
            document = coverage_request_document(
                kind=application.kind,
                worker=application.worker,
                employer=application.employer,
                sending_country=application.sending_country,
                host_country=application.host_country,
                work_addresses=application.work_addresses,
                start=application.start,
                end=application.end,
                local_case_number=application.local_case_number,
            )
            outcome = self._submit(document, DocumentType.COVERAGE_REQUEST, recipient)
            if isinstance(outcome, Sent):
                length = (
                    f"{months_touched(application.start, application.end)}-month "
                    if application.end is not None
                    else "open-ended "
                )
                self._say(
                    f"asks {recipient} to certify a {length}{application.kind} from "
                    f"{application.sending_country} to {application.host_country}"
                )
            else:
                self._say(f"cannot ask {recipient} for coverage: {outcome.detail}")
            return outcome

    # The inbox loop ------------------------------------------------------------------------

    def run(self, stop: threading.Event, *, wait: float = 1.0) -> None:
        """Handle the inbox until ``stop`` is set; a node that does not answer is retried."""
        poll_until_stopped(
            lambda: self.poll(wait=wait),
            stop,
            retry_delay=lambda _: min(wait, 1.0) or 0.1,
            who=self.institution,
        )

    def poll(self, *, wait: float = 0) -> int:
        """Take one inbox page (long-polling up to ``wait`` seconds): handle each item not
        handled before, then acknowledge it. Returns how many items were handled."""
        page = self.client.inbox(after=self._cursor, wait=wait)
        handled = 0
        for item in page.items:
            if item.id not in self._handled:
                # A document that cannot be fetched is left for the next page; once fetched,
                # the item is handled exactly once, whatever happens while it is.
                document = self.client.document(item.id)
                with self._lock:
                    self._handled.add(item.id)
                    self._handle(item, document)
                handled += 1
            # Acknowledged after handling; a failed acknowledgement is retried on the next
            # page (the item stays in the inbox) without handling the item again.
            self.client.acknowledge(item.id)
            self._cursor = max(self._cursor, item.cursor)
        return handled

    def _handle(self, item: InboxItem, document: bytes) -> None:
        self.received.append(
            Received(
                item.id, item.case_id, item.document_type, item.sender, item.in_reply_to, document
            )
        )
        handlers: dict[str, Callable[[InboxItem, etree._Element], None]] = {
            DocumentType.INSURANCE_PERIODS_REQUEST.root_name: self._on_periods_request,
            DocumentType.INSURANCE_PERIODS_REPLY.root_name: self._on_periods_reply,
            DocumentType.BENEFIT_CLAIM.root_name: self._on_claim,
            DocumentType.COVERAGE_REQUEST.root_name: self._on_coverage_request,
        }
        handler = handlers.get(item.document_type)
        try:
            if handler is None:
                self._say(f"takes the {item.document_type} of {item.sender}")
            else:
                handler(item, parse_untrusted(document).getroot())
        except (ValueError, LookupError, httpx2.HTTPError) as error:
            # Taken all the same (acknowledged): the failure is left for a caseworker.
            self.failures.append(f"{item.document_type} {item.id}: {error}")
            self._say(f"could not act on the {item.document_type} of {item.sender}: {error}")

    def _on_periods_request(self, item: InboxItem, root: etree._Element) -> None:
        reply = answer_periods_request(
            self.register,
            root,
            today=self._today(),
            local_case_number=local_case_number(self.institution, item.case_id),
        )
        outcome = self._submit(
            reply,
            DocumentType.INSURANCE_PERIODS_REPLY,
            item.sender,
            case_id=item.case_id,
            in_reply_to=item.id,
        )
        listed = b"NoPeriodsFound" not in reply
        what = "its periods" if listed else "no periods found"
        self._say(self._outcome(f"answers {item.sender}'s periods request: {what}", outcome))

    def _leave_to_caseworker(self, item: InboxItem, what: str) -> None:
        self.for_caseworker.append(item)
        self._say(f"leaves the {what} of {item.sender} to a caseworker")

    def _on_claim(self, item: InboxItem, root: etree._Element) -> None:
        version = root.get("schemaVersion", SCHEMA_VERSION)
        if version != SCHEMA_VERSION:
            # The rules here weigh what a 1.0 claim holds. A later version may carry a family,
            # a representative, other benefits or a deferral that they would pass over
            # silently; a caseworker sees all of it.
            self._leave_to_caseworker(item, f"BenefitClaim (schema {version})")
            return
        claim = read_claim(root)
        gathering = _Gathering(
            case_id=item.case_id,
            claim=claim,
            claim_message=item.id,
            requester=item.sender,
            local_case_number=local_case_number(self.institution, item.case_id),
        )
        self._gather(gathering, item.sender)

    def _gather(self, gathering: _Gathering, claim_sender: str | None) -> None:
        """Acknowledge a received claim, then ask for periods (or decide at once)."""
        claim = gathering.claim
        today = self._today()
        known = (
            self.register.pension is not None and self.register.find(claim.insured.pins) is not None
        )
        plan = (
            plan_periods_requests(
                self.register,
                claim,
                directory=self.directory,
                today=today,
                claim_sender=claim_sender,
            )
            if known
            else PeriodsPlan((), ())
        )
        if gathering.requester is not None and gathering.claim_message is not None:
            acknowledgement = acknowledge_claim(
                self.register,
                claim,
                today=today,
                local_case_number=gathering.local_case_number,
                awaiting=plan.ask,
            )
            outcome = self._submit(
                acknowledgement,
                DocumentType.BENEFIT_CLAIM_ACKNOWLEDGEMENT,
                gathering.requester,
                case_id=gathering.case_id,
                in_reply_to=gathering.claim_message,
            )
            self._say(
                self._outcome(f"acknowledges the BenefitClaim of {gathering.requester}", outcome)
            )
            if isinstance(outcome, Refusal):
                return
        for country, why in plan.not_asked:
            self.not_asked.append((country, why))
            self._say(f"cannot ask {country} for periods: {why}")
        request = request_periods(claim, local_case_number=gathering.local_case_number)
        for planned in plan.ask:
            outcome = self._submit(
                request,
                DocumentType.INSURANCE_PERIODS_REQUEST,
                planned.institution,
                case_id=gathering.case_id,
            )
            if isinstance(outcome, Sent):
                gathering.waiting[outcome.message_id] = planned.institution
                self._requests[outcome.message_id] = gathering.case_id
            under = f" under {planned.agreement}" if planned.agreement else ""
            self._say(self._outcome(f"asks {planned.institution} for periods{under}", outcome))
        self._gatherings[gathering.case_id] = gathering
        if not gathering.waiting:
            self._decide(gathering)

    def _on_periods_reply(self, item: InboxItem, root: etree._Element) -> None:
        case_id = self._requests.pop(item.in_reply_to, None) if item.in_reply_to else None
        gathering = self._gatherings.get(case_id) if case_id else None
        if gathering is None or item.in_reply_to not in gathering.waiting:
            self.failures.append(f"InsurancePeriodsReply {item.id}: no request waits for it")
            self._say(f"takes a periods reply of {item.sender} it did not wait for")
            return
        del gathering.waiting[item.in_reply_to]
        periods = periods_from_reply(root)
        gathering.received.extend(periods)
        self._say(f"receives {len(periods)} periods from {item.sender}")
        if not gathering.waiting:
            self._decide(gathering)

    def _decide(self, gathering: _Gathering) -> None:
        del self._gatherings[gathering.case_id]
        decision = decide_claim(
            self.register,
            gathering.claim,
            gathering.received,
            directory=self.directory,
            today=self._today(),
            local_case_number=gathering.local_case_number,
        )
        chosen = decision.chosen
        if decision.granted and chosen is not None:
            what = (
                f"grants {chosen.amount} {decision.currency} a month, pro rata "
                f"{chosen.own_days}/{chosen.total_days}"
            )
        else:
            what = f"refuses the claim ({', '.join(decision.reasons)})"
        if gathering.requester is None or gathering.claim_message is None:
            # Lodged here: the decision is the claimant's, and the institutions the claim
            # went to are told it as one document set, beside the claim.
            self._say(f"{what} (its own decision, for the claimant)")
            set_id = uuid.uuid4()
            told: list[str] = []
            for recipient in gathering.claim_recipients:
                outcome = self._submit(
                    decision.document,
                    DocumentType.BENEFIT_DECISION,
                    recipient,
                    case_id=gathering.case_id,
                    document_set_id=set_id,
                )
                if isinstance(outcome, Sent):
                    told.append(recipient)
                self._say(self._outcome(f"tells {recipient} its decision", outcome))
            self.decisions.append(DecisionRecord(gathering.case_id, decision, tuple(told)))
            return
        outcome = self._submit(
            decision.document,
            DocumentType.BENEFIT_DECISION,
            gathering.requester,
            case_id=gathering.case_id,
            in_reply_to=gathering.claim_message,
        )
        sent_to = (gathering.requester,) if isinstance(outcome, Sent) else ()
        self.decisions.append(DecisionRecord(gathering.case_id, decision, sent_to))
        self._say(self._outcome(f"{what}; decision sent to {gathering.requester}", outcome))

    def _on_coverage_request(self, item: InboxItem, root: etree._Element) -> None:
        today = self._today()
        decision = decide_coverage(
            self.register,
            root,
            directory=self.directory,
            today=today,
            certificate_number=certificate_number(
                self.institution, today.year, next(self._certificates)
            ),
            local_case_number=local_case_number(self.institution, item.case_id),
        )
        if decision is None:
            self._leave_to_caseworker(item, "CoverageRequest")
            return
        self.coverage_decisions.append(decision)
        outcome = self._submit(
            decision.document,
            decision.document_type,
            item.sender,
            case_id=item.case_id,
            in_reply_to=item.id,
        )
        if decision.certificate_number is not None:
            what = f"certifies the posting: certificate {decision.certificate_number}"
        else:
            what = f"refuses the posting ({', '.join(decision.reasons)})"
        self._say(self._outcome(f"{what}; sent to {item.sender}", outcome))


def wait_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True
