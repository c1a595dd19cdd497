"""The case state machine: every transition it allows and every one it refuses, with why."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from gateway.cases import (
    OPENING_DOCUMENT,
    CaseState,
    CaseStatus,
    CaseStep,
    DocumentRecord,
    OpenRequest,
    apply_step,
    overdue,
    replay,
    start_case,
)
from gateway.cases import _machine as machine
from gateway.codes import InstitutionId
from gateway.documents import (
    SCHEMA_DIR,
    CaseType,
    DocumentAction,
    DocumentType,
    EnvelopeHeader,
)
from gateway.errors import CaseStateError, GatewayError

T = DocumentType
NEW, UPDATE, INVALIDATE = DocumentAction.NEW, DocumentAction.UPDATE, DocumentAction.INVALIDATE
PERIODS, CLAIM, COVERAGE = CaseType.INSURANCE_PERIODS, CaseType.BENEFIT_CLAIM, CaseType.COVERAGE

DE, FR, IN, NL = "DE:DRV70001", "FR:CNAV", "IN:EPFO", "NL:SVB01"
URSSAF, TN = "FR:URSSAF", "TN:CNSS"

T0 = dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC)
DUE = {
    PERIODS: dt.timedelta(days=60),
    CLAIM: dt.timedelta(days=90),
    COVERAGE: dt.timedelta(days=30),
}


class Story:
    """The steps of one case, with ids that count up and a clock an hour ahead per step."""

    _case_ids = itertools.count(1)

    def __init__(self, case_type: CaseType) -> None:
        self.case_id = uuid.UUID(int=next(self._case_ids))
        self.case_type = case_type
        self.steps: list[CaseStep] = []
        self._ids = itertools.count(1000)
        self._clock = T0

    def fresh_id(self) -> uuid.UUID:
        return uuid.UUID(int=next(self._ids))

    def step(
        self,
        document_type: DocumentType,
        sender: str,
        recipient: str,
        *,
        answers: CaseStep | None = None,
        in_reply_to: uuid.UUID | None = None,
        continues: CaseStep | None = None,
        action: DocumentAction = NEW,
        version: int | None = None,
        at: dt.datetime | None = None,
        forwarded_to: str | None = None,
        reminded: CaseStep | None = None,
        message_id: uuid.UUID | None = None,
        document_set_id: uuid.UUID | None = None,
    ) -> CaseStep:
        """The next step, not yet told: ``answers`` sets in_reply_to, ``continues`` the set."""
        if at is None:
            self._clock += dt.timedelta(hours=1)
            at = self._clock
        else:
            self._clock = max(self._clock, at)
        if continues is not None:
            document_set_id = continues.document_set_id
            if version is None and action is not NEW:
                version = 1 + max(
                    s.version for s in self.steps if s.document_set_id == document_set_id
                )
        return CaseStep(
            message_id=message_id or self.fresh_id(),
            document_type=document_type,
            action=action,
            document_set_id=document_set_id or self.fresh_id(),
            version=1 if version is None else version,
            sender=sender,
            recipient=recipient,
            in_reply_to=answers.message_id if answers is not None else in_reply_to,
            at=at,
            forwarded_to=forwarded_to,
            reminded=reminded.message_id if reminded is not None else None,
        )

    def send(
        self, document_type: DocumentType, sender: str, recipient: str, **kw: object
    ) -> CaseStep:
        """Build the next step and tell it: it must be allowed."""
        step = self.step(document_type, sender, recipient, **kw)  # type: ignore[arg-type]
        self.steps.append(step)
        self.state()
        return step

    def state(self) -> CaseState:
        return replay(self.case_id, self.case_type, self.steps, reply_due=DUE)


def refusal(story: Story, step: CaseStep) -> CaseStateError:
    """The error ``step`` is refused with, after checking it changed nothing."""
    if not story.steps:
        with pytest.raises(CaseStateError) as caught:
            start_case(story.case_id, story.case_type, step, reply_due=DUE)
        return caught.value
    before = story.state()
    snapshot = dataclasses.replace(before)
    with pytest.raises(CaseStateError) as caught:
        apply_step(before, step, reply_due=DUE)
    assert before == snapshot
    return caught.value


# --- Stories the tests start from --------------------------------------------------------


def periods_requested() -> tuple[Story, CaseStep]:
    """FR:CNAV asks DE:DRV70001 for periods."""
    story = Story(PERIODS)
    request = story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE)
    return story, request


def claim_sent() -> tuple[Story, CaseStep, CaseStep]:
    """DE:DRV70001 sends one claim to FR:CNAV and IN:EPFO."""
    story = Story(CLAIM)
    to_fr = story.send(T.BENEFIT_CLAIM, DE, FR)
    to_in = story.send(T.BENEFIT_CLAIM, DE, IN, continues=to_fr)
    return story, to_fr, to_in


def coverage_requested() -> tuple[Story, CaseStep]:
    """TN:CNSS asks FR:URSSAF to certify coverage."""
    story = Story(COVERAGE)
    request = story.send(T.COVERAGE_REQUEST, TN, URSSAF)
    return story, request


def certificate_issued() -> tuple[Story, CaseStep]:
    story, request = coverage_requested()
    certificate = story.send(T.COVERAGE_CERTIFICATE, URSSAF, TN, answers=request)
    return story, certificate


# --- Insurance-periods cases ---------------------------------------------------------------


def test_a_periods_request_opens_a_case() -> None:
    story, request = periods_requested()
    state = story.state()
    assert state.case_id == story.case_id
    assert state.case_type is PERIODS
    assert state.owner == FR
    assert state.status is CaseStatus.OPEN
    assert state.participants == {FR, DE}
    assert state.open_requests == {
        request.message_id: OpenRequest(
            message_id=request.message_id,
            document_type=T.INSURANCE_PERIODS_REQUEST,
            sender=FR,
            recipient=DE,
            sent_at=request.at,
            due_at=request.at + DUE[PERIODS],
            reminders=0,
            document_set_id=request.document_set_id,
        )
    }
    assert state.documents == {
        request.document_set_id: DocumentRecord(
            document_type=T.INSURANCE_PERIODS_REQUEST,
            sender=FR,
            latest_version=1,
            invalidated=False,
            latest_action=NEW,
            recipients=frozenset({DE}),
            latest_recipients=frozenset({DE}),
        )
    }
    assert list(state.messages) == [request.message_id]
    assert state.forwarded == ()
    assert state.closure is None


def test_the_reply_of_the_institution_asked_closes_the_request() -> None:
    story, request = periods_requested()
    reply = story.send(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)
    state = story.state()
    assert state.open_requests == {}
    assert state.status is CaseStatus.OPEN  # answered is not closed: closing is a step
    assert state.documents[reply.document_set_id].sender == DE
    assert list(state.messages) == [request.message_id, reply.message_id]


def test_a_reply_may_name_a_later_version_of_the_request() -> None:
    story, request = periods_requested()
    corrected = story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE, continues=request, action=UPDATE)
    assert story.state().open_requests.keys() == {request.message_id}
    story.send(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=corrected)
    assert story.state().open_requests == {}


def test_a_request_forwarded_to_the_competent_institution() -> None:
    story = Story(PERIODS)
    request = story.send(T.INSURANCE_PERIODS_REQUEST, DE, URSSAF)
    story.send(T.CASE_FORWARD, URSSAF, DE, answers=request, forwarded_to=FR)
    state = story.state()
    assert state.open_requests == {}
    assert state.participants == {DE, URSSAF, FR}
    assert state.forwarded == ((URSSAF, FR),)
    # The requester asks the competent institution, which answers.
    again = story.send(T.INSURANCE_PERIODS_REQUEST, DE, FR)
    story.send(T.INSURANCE_PERIODS_REPLY, FR, DE, answers=again)
    assert story.state().open_requests == {}


def test_the_owner_may_ask_the_institution_again_once_it_answered() -> None:
    story, request = periods_requested()
    story.send(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)
    again = story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE)
    assert story.state().open_requests.keys() == {again.message_id}


# --- Benefit-claim cases --------------------------------------------------------------------


def test_one_claim_goes_to_several_institutions_each_an_open_request() -> None:
    story, to_fr, to_in = claim_sent()
    state = story.state()
    assert state.open_requests.keys() == {to_fr.message_id, to_in.message_id}
    assert {r.recipient for r in state.open_requests.values()} == {FR, IN}
    record = state.documents[to_fr.document_set_id]
    assert record.recipients == record.latest_recipients == {FR, IN}
    assert len(state.documents) == 1


def test_an_acknowledgement_keeps_the_claim_open_and_the_decision_closes_it() -> None:
    story, to_fr, to_in = claim_sent()
    story.send(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, FR, DE, answers=to_fr)
    state = story.state()
    assert state.open_requests[to_fr.message_id].acknowledged
    assert not state.open_requests[to_in.message_id].acknowledged
    story.send(T.BENEFIT_DECISION, FR, DE, answers=to_fr)
    assert story.state().open_requests.keys() == {to_in.message_id}


def test_the_owner_sends_its_own_decision_to_each_institution_the_claim_went_to() -> None:
    story, to_fr, to_in = claim_sent()
    story.send(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, FR, DE, answers=to_fr)
    to_fr_decision = story.send(T.BENEFIT_DECISION, DE, FR)
    story.send(T.BENEFIT_DECISION, DE, IN, continues=to_fr_decision)
    state = story.state()
    # It answers nothing: both claims still wait for the recipients' own decisions.
    assert state.open_requests.keys() == {to_fr.message_id, to_in.message_id}
    record = state.documents[to_fr_decision.document_set_id]
    assert record.sender == DE
    assert record.recipients == {FR, IN}
    story.send(T.BENEFIT_DECISION, DE, FR, continues=to_fr_decision, action=UPDATE)
    assert story.state().documents[to_fr_decision.document_set_id].latest_version == 2
    story.send(T.BENEFIT_DECISION, FR, DE, answers=to_fr)
    assert story.state().open_requests.keys() == {to_in.message_id}


def test_the_recipient_of_a_claim_takes_the_owners_decision_into_its_copy() -> None:
    """FR:CNAV saw only the claim sent to it; DE:DRV70001's decision still fits its copy."""
    story = Story(CLAIM)
    to_fr = story.send(T.BENEFIT_CLAIM, DE, FR)
    story.send(T.BENEFIT_DECISION, DE, FR)
    assert story.state().open_requests.keys() == {to_fr.message_id}


def test_a_participant_asks_any_institution_for_periods_and_it_joins() -> None:
    story, to_fr, to_in = claim_sent()
    request = story.send(T.INSURANCE_PERIODS_REQUEST, FR, NL)
    assert NL in story.state().participants
    story.send(T.INSURANCE_PERIODS_REPLY, NL, FR, answers=request)
    assert story.state().open_requests.keys() == {to_fr.message_id, to_in.message_id}


def test_a_forwarded_claim_is_sent_on_as_the_same_claim() -> None:
    story, to_fr, _ = claim_sent()
    story.send(T.CASE_FORWARD, FR, DE, answers=to_fr, forwarded_to=URSSAF)
    to_urssaf = story.send(T.BENEFIT_CLAIM, DE, URSSAF, continues=to_fr)
    state = story.state()
    assert to_fr.message_id not in state.open_requests
    assert state.open_requests[to_urssaf.message_id].recipient == URSSAF
    assert state.documents[to_fr.document_set_id].recipients == {FR, IN, URSSAF}


def test_a_whole_benefit_claim_case_across_three_institutions() -> None:
    """DE:DRV70001, where the claimant lives, claims an old-age pension from France and India.

    Each acknowledges; the French institution asks Germany for the German periods and the
    Indian one asks France for the French periods; each decides; Germany closes the case.
    """
    story = Story(CLAIM)
    to_fr = story.send(T.BENEFIT_CLAIM, DE, FR)
    to_in = story.send(T.BENEFIT_CLAIM, DE, IN, continues=to_fr)
    story.send(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, FR, DE, answers=to_fr)
    story.send(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, IN, DE, answers=to_in)
    fr_asks_de = story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE)
    in_asks_fr = story.send(T.INSURANCE_PERIODS_REQUEST, IN, FR)
    story.send(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=fr_asks_de)
    # France corrects the French periods it sent to India.
    fr_reply = story.send(T.INSURANCE_PERIODS_REPLY, FR, IN, answers=in_asks_fr)
    story.send(T.INSURANCE_PERIODS_REPLY, FR, IN, continues=fr_reply, action=UPDATE)
    story.send(T.BENEFIT_DECISION, FR, DE, answers=to_fr)
    in_decision = story.send(T.BENEFIT_DECISION, IN, DE, answers=to_in)
    before_closure = story.state()
    assert before_closure.open_requests == {}
    assert before_closure.status is CaseStatus.OPEN
    closure = story.send(T.CASE_CLOSURE, DE, FR)
    story.send(T.CASE_CLOSURE, DE, IN, continues=closure)

    state = replay(story.case_id, CLAIM, story.steps, reply_due=DUE)
    assert state == story.state()
    assert state.owner == DE
    assert state.status is CaseStatus.CLOSED
    assert state.closure == closure.document_set_id
    assert state.participants == {DE, FR, IN}
    assert state.open_requests == {}
    assert list(state.messages) == [step.message_id for step in story.steps]
    assert len(state.documents) == 1 + 2 + 2 + 2 + 2 + 1
    assert state.documents[fr_reply.document_set_id].latest_version == 2
    assert state.documents[in_decision.document_set_id].sender == IN
    assert state.documents[closure.document_set_id].recipients == {FR, IN}
    # Replay is a fold: step by step gives the same.
    folded = start_case(story.case_id, CLAIM, story.steps[0], reply_due=DUE)
    for step in story.steps[1:]:
        folded = apply_step(folded, step, reply_due=DUE)
    assert folded == state


def test_replay_stops_at_the_first_step_the_case_refuses() -> None:
    story, to_fr, _ = claim_sent()
    premature = story.step(T.BENEFIT_DECISION, FR, DE, answers=to_fr)
    later = story.step(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, FR, DE, answers=to_fr)
    with pytest.raises(CaseStateError) as caught:
        replay(story.case_id, CLAIM, [*story.steps, premature, later], reply_due=DUE)
    assert caught.value.reason == "case.decision-before-acknowledgement"
    assert caught.value.message_id == premature.message_id


# --- Coverage cases -------------------------------------------------------------------------


def test_a_certificate_answers_and_closes_the_request() -> None:
    story, certificate = certificate_issued()
    state = story.state()
    assert state.open_requests == {}
    assert state.issued_certificates == {certificate.message_id}
    assert state.withdrawn_certificates == frozenset()
    record = state.certificates[certificate.message_id]
    assert (record.sender, record.recipient, record.issued_at) == (URSSAF, TN, certificate.at)
    assert not record.withdrawn


def test_a_refusal_answers_and_closes_the_request() -> None:
    story, request = coverage_requested()
    story.send(T.COVERAGE_REFUSAL, URSSAF, TN, answers=request)
    state = story.state()
    assert state.open_requests == {}
    assert state.certificates == {}


def test_the_issuer_withdraws_its_certificate() -> None:
    story, certificate = certificate_issued()
    withdrawal = story.send(T.COVERAGE_WITHDRAWAL, URSSAF, TN, answers=certificate)
    state = story.state()
    assert state.withdrawn_certificates == {certificate.message_id}
    assert state.certificates[certificate.message_id].withdrawn_by == withdrawal.message_id


def test_a_withdrawal_may_name_the_amending_version_of_the_certificate() -> None:
    story, certificate = certificate_issued()
    amended = story.send(T.COVERAGE_CERTIFICATE, URSSAF, TN, continues=certificate, action=UPDATE)
    story.send(T.COVERAGE_WITHDRAWAL, URSSAF, TN, answers=amended)
    assert story.state().withdrawn_certificates == {certificate.message_id}


# --- Versions of documents -----------------------------------------------------------------


def test_an_update_keeps_a_request_open_and_an_invalidation_closes_it() -> None:
    story, request = periods_requested()
    story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE, continues=request, action=UPDATE)
    state = story.state()
    assert state.open_requests.keys() == {request.message_id}
    assert state.documents[request.document_set_id].latest_version == 2
    story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE, continues=request, action=INVALIDATE)
    state = story.state()
    assert state.open_requests == {}
    record = state.documents[request.document_set_id]
    assert record.invalidated and record.latest_version == 3
    assert record.latest_action is INVALIDATE


def test_a_claim_sent_to_two_institutions_is_updated_at_each() -> None:
    story, to_fr, _ = claim_sent()
    story.send(T.BENEFIT_CLAIM, DE, FR, continues=to_fr, action=UPDATE, version=2)
    story.send(T.BENEFIT_CLAIM, DE, IN, continues=to_fr, action=UPDATE, version=2)
    record = story.state().documents[to_fr.document_set_id]
    assert (record.latest_version, record.latest_recipients) == (2, frozenset({FR, IN}))
    story.send(T.BENEFIT_CLAIM, DE, IN, continues=to_fr, action=UPDATE, version=3)
    record = story.state().documents[to_fr.document_set_id]
    assert (record.latest_version, record.latest_recipients) == (3, frozenset({IN}))


def test_a_claim_invalidated_at_each_institution_closes_both_requests() -> None:
    story, to_fr, to_in = claim_sent()
    story.send(T.BENEFIT_CLAIM, DE, FR, continues=to_fr, action=INVALIDATE, version=2)
    assert story.state().open_requests.keys() == {to_in.message_id}
    story.send(T.BENEFIT_CLAIM, DE, IN, continues=to_fr, action=INVALIDATE, version=2)
    assert story.state().open_requests == {}


def test_an_answer_is_corrected_by_an_update_and_invalidation_does_not_reopen() -> None:
    story, request = periods_requested()
    reply = story.send(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)
    story.send(T.INSURANCE_PERIODS_REPLY, DE, FR, continues=reply, action=UPDATE)
    story.send(T.INSURANCE_PERIODS_REPLY, DE, FR, continues=reply, action=INVALIDATE)
    state = story.state()
    assert state.open_requests == {}
    assert state.documents[reply.document_set_id].invalidated


# --- Case-level documents -------------------------------------------------------------------


@pytest.mark.parametrize("case_type", list(CaseType), ids=str)
def test_any_participant_closes_a_case_of_any_type(case_type: CaseType) -> None:
    story = Story(case_type)
    opener = OPENING_DOCUMENT[case_type]
    story.send(opener, FR, DE)
    story.send(T.CASE_CLOSURE, DE, FR)  # the institution asked may close too
    state = story.state()
    assert state.status is CaseStatus.CLOSED
    assert state.open_requests == {}
    assert overdue(state, T0 + dt.timedelta(days=400)) == []


def test_the_closer_sends_the_closure_to_each_participant() -> None:
    story, _, _ = claim_sent()
    closure = story.send(T.CASE_CLOSURE, DE, FR)
    story.send(T.CASE_CLOSURE, DE, IN, continues=closure)
    state = story.state()
    assert state.closure == closure.document_set_id
    assert state.documents[closure.document_set_id].recipients == {FR, IN}


def test_a_reminder_once_the_reply_is_due() -> None:
    story, request = periods_requested()
    due = request.at + DUE[PERIODS]
    reminder = story.send(T.REMINDER, FR, DE, reminded=request, at=due)
    reopened = story.state().open_requests[request.message_id]
    assert reopened.reminders == 1
    assert reopened.due_at == reminder.at + DUE[PERIODS]
    assert reopened.sent_at == request.at
    # A second reminder a full period later; it may also answer the request it names.
    story.send(
        T.REMINDER,
        FR,
        DE,
        reminded=request,
        answers=request,
        at=reminder.at + DUE[PERIODS] + dt.timedelta(days=3),
    )
    assert story.state().open_requests[request.message_id].reminders == 2


def test_a_reminder_of_one_claim_recipient() -> None:
    story, to_fr, to_in = claim_sent()
    story.send(T.REMINDER, DE, IN, reminded=to_in, at=to_in.at + DUE[CLAIM])
    state = story.state()
    assert state.open_requests[to_in.message_id].reminders == 1
    assert state.open_requests[to_fr.message_id].reminders == 0


def test_a_forwarded_coverage_request() -> None:
    story = Story(COVERAGE)
    request = story.send(T.COVERAGE_REQUEST, TN, FR)
    story.send(T.CASE_FORWARD, FR, TN, answers=request, forwarded_to=URSSAF)
    again = story.send(T.COVERAGE_REQUEST, TN, URSSAF)
    story.send(T.COVERAGE_CERTIFICATE, URSSAF, TN, answers=again)
    state = story.state()
    assert state.forwarded == ((FR, URSSAF),)
    assert state.open_requests == {}
    assert len(state.issued_certificates) == 1


# --- Refusals --------------------------------------------------------------------------------

Scenario = Callable[[], tuple[Story, CaseStep]]
REFUSALS: list[tuple[Scenario, str]] = []


def refused_with(reason: str) -> Callable[[Scenario], Scenario]:
    """Register a scenario: a story and a step the case must refuse with ``reason``."""

    def register(scenario: Scenario) -> Scenario:
        REFUSALS.append((scenario, reason))
        return scenario

    return register


@refused_with("case.first-document")
def periods_case_opened_by_a_reply() -> tuple[Story, CaseStep]:
    story = Story(PERIODS)
    return story, story.step(T.INSURANCE_PERIODS_REPLY, DE, FR)


@refused_with("case.first-document")
def coverage_case_opened_by_a_certificate() -> tuple[Story, CaseStep]:
    story = Story(COVERAGE)
    return story, story.step(T.COVERAGE_CERTIFICATE, URSSAF, TN)


@refused_with("case.first-document")
def claim_case_opened_by_a_periods_request() -> tuple[Story, CaseStep]:
    story = Story(CLAIM)
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, DE)


@refused_with("case.first-document")
def case_opened_by_a_closure() -> tuple[Story, CaseStep]:
    story = Story(PERIODS)
    return story, story.step(T.CASE_CLOSURE, FR, DE)


@refused_with("case.first-document")
def case_opened_by_an_update() -> tuple[Story, CaseStep]:
    story = Story(PERIODS)
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, DE, action=UPDATE, version=2)


@refused_with("case.first-document")
def case_opened_by_an_answer_to_something() -> tuple[Story, CaseStep]:
    story = Story(PERIODS)
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, DE, in_reply_to=uuid.uuid4())


@refused_with("case.version-not-one")
def case_opened_by_a_second_version() -> tuple[Story, CaseStep]:
    story = Story(PERIODS)
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, DE, version=2)


@refused_with("case.version-not-one")
def new_reply_of_version_two() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request, version=2)


@refused_with("case.technical-document")
def case_opened_by_a_receipt() -> tuple[Story, CaseStep]:
    story = Story(PERIODS)
    return story, story.step(T.RECEIPT, FR, DE)


@refused_with("case.technical-document")
def rejection_in_a_case() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(T.REJECTION, DE, FR, answers=request)


@refused_with("case.field-unexpected")
def request_naming_a_forward_target() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, DE, forwarded_to=NL)


@refused_with("case.field-unexpected")
def reply_naming_a_reminded_message() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request, reminded=request)


@refused_with("case.self-addressed")
def request_to_oneself() -> tuple[Story, CaseStep]:
    story = Story(PERIODS)
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, FR)


@refused_with("case.self-addressed")
def reply_to_oneself() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REPLY, DE, DE, answers=request)


@refused_with("case.action-not-new")
def closure_updated() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.CASE_CLOSURE, FR, DE, action=UPDATE, version=2)


@refused_with("case.action-not-new")
def reminder_invalidated() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    reminder = story.send(T.REMINDER, FR, DE, reminded=request, at=request.at + DUE[PERIODS])
    return story, story.step(T.REMINDER, FR, DE, continues=reminder, action=INVALIDATE)


@refused_with("case.duplicate-message")
def message_id_told_twice() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(
        T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request, message_id=request.message_id
    )


@refused_with("case.closed")
def reply_after_closure() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    story.send(T.CASE_CLOSURE, FR, DE)
    return story, story.step(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)


@refused_with("case.closed")
def another_closure_after_closure() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    story.send(T.CASE_CLOSURE, FR, DE)
    return story, story.step(T.CASE_CLOSURE, DE, FR)


@refused_with("case.closed")
def new_request_after_closure() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    story.send(T.CASE_CLOSURE, FR, DE)
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, DE, IN)


@refused_with("case.already-sent-to-recipient")
def closure_sent_twice_to_one_participant() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    closure = story.send(T.CASE_CLOSURE, DE, FR)
    return story, story.step(T.CASE_CLOSURE, DE, FR, continues=closure)


@refused_with("case.not-document-sender")
def closure_copied_by_another_participant() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    closure = story.send(T.CASE_CLOSURE, DE, FR)
    return story, story.step(T.CASE_CLOSURE, FR, IN, continues=closure)


@refused_with("case.document-not-in-case")
def coverage_request_in_a_periods_case() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.COVERAGE_REQUEST, FR, DE)


@refused_with("case.document-not-in-case")
def decision_in_a_coverage_case() -> tuple[Story, CaseStep]:
    story, request = coverage_requested()
    return story, story.step(T.BENEFIT_DECISION, URSSAF, TN, answers=request)


@refused_with("case.document-not-in-case")
def withdrawal_in_a_claim_case() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    return story, story.step(T.COVERAGE_WITHDRAWAL, FR, DE, answers=to_fr)


@refused_with("case.not-participant")
def reply_by_an_outsider() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REPLY, NL, FR, answers=request)


@refused_with("case.not-participant")
def closure_by_an_outsider() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.CASE_CLOSURE, NL, FR)


@refused_with("case.set-id-reused")
def reply_in_the_requests_set() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(
        T.INSURANCE_PERIODS_REPLY,
        DE,
        FR,
        answers=request,
        document_set_id=request.document_set_id,
    )


@refused_with("case.set-id-reused")
def second_request_in_the_first_ones_set() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    story.send(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)
    return story, story.step(
        T.INSURANCE_PERIODS_REQUEST, FR, DE, document_set_id=request.document_set_id
    )


@refused_with("case.document-type-changed")
def closure_in_the_claims_set() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    return story, story.step(T.CASE_CLOSURE, DE, NL, document_set_id=to_fr.document_set_id)


@refused_with("case.document-type-changed")
def update_of_a_request_as_a_reply() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REPLY, FR, DE, continues=request, action=UPDATE)


@refused_with("case.not-document-sender")
def update_of_the_requesters_document_by_the_institution_asked() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, DE, FR, continues=request, action=UPDATE)


@refused_with("case.not-document-sender")
def claim_sent_on_by_a_recipient() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    return story, story.step(T.BENEFIT_CLAIM, FR, NL, continues=to_fr)


@refused_with("case.document-invalidated")
def update_after_invalidation() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE, continues=request, action=INVALIDATE)
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, DE, continues=request, action=UPDATE)


@refused_with("case.document-invalidated")
def invalidated_claim_sent_to_another_institution() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    story.send(T.BENEFIT_CLAIM, DE, FR, continues=to_fr, action=INVALIDATE)
    return story, story.step(T.BENEFIT_CLAIM, DE, NL, continues=to_fr)


@refused_with("case.document-invalidated")
def withdrawal_of_an_invalidated_certificate() -> tuple[Story, CaseStep]:
    story, certificate = certificate_issued()
    story.send(T.COVERAGE_CERTIFICATE, URSSAF, TN, continues=certificate, action=INVALIDATE)
    return story, story.step(T.COVERAGE_WITHDRAWAL, URSSAF, TN, answers=certificate)


@refused_with("case.already-sent-to-recipient")
def claim_sent_twice_to_one_institution() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    return story, story.step(T.BENEFIT_CLAIM, DE, FR, continues=to_fr)


@refused_with("case.unknown-document-set")
def update_of_an_unknown_set() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, DE, action=UPDATE, version=2)


@refused_with("case.recipient-not-in-set")
def update_sent_to_an_institution_that_never_had_the_document() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    request = story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE)
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, IN, continues=request, action=UPDATE)


@refused_with("case.version-not-next")
def update_skipping_a_version() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(
        T.INSURANCE_PERIODS_REQUEST, FR, DE, continues=request, action=UPDATE, version=3
    )


@refused_with("case.version-not-next")
def update_repeating_the_latest_version() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE, continues=request, action=UPDATE)
    return story, story.step(
        T.INSURANCE_PERIODS_REQUEST, FR, DE, continues=request, action=UPDATE, version=2
    )


@refused_with("case.version-not-next")
def invalidation_with_the_latest_version_of_an_update() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    story.send(T.BENEFIT_CLAIM, DE, FR, continues=to_fr, action=UPDATE, version=2)
    return story, story.step(T.BENEFIT_CLAIM, DE, IN, continues=to_fr, action=INVALIDATE, version=2)


@refused_with("case.reply-without-request")
def reply_naming_no_request() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REPLY, DE, FR)


@refused_with("case.reply-without-request")
def forward_naming_no_request() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.CASE_FORWARD, DE, FR, forwarded_to=NL)


@refused_with("case.reply-without-request")
def withdrawal_naming_no_certificate() -> tuple[Story, CaseStep]:
    story, _ = certificate_issued()
    return story, story.step(T.COVERAGE_WITHDRAWAL, URSSAF, TN)


@refused_with("case.reply-to-unknown-message")
def reply_to_a_message_of_another_case() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REPLY, DE, FR, in_reply_to=uuid.uuid4())


@refused_with("case.reply-to-unknown-message")
def reminder_of_a_message_of_another_case() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    unknown = dataclasses.replace(request, message_id=uuid.uuid4())
    return story, story.step(T.REMINDER, FR, DE, reminded=unknown, at=T0 + dt.timedelta(days=99))


@refused_with("case.reply-to-unknown-message")
def request_answering_a_message_of_another_case() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, DE, in_reply_to=uuid.uuid4())


@refused_with("case.reply-to-unknown-message")
def withdrawal_of_a_certificate_of_another_case() -> tuple[Story, CaseStep]:
    story, _ = certificate_issued()
    return story, story.step(T.COVERAGE_WITHDRAWAL, URSSAF, TN, in_reply_to=uuid.uuid4())


@refused_with("case.reply-to-wrong-document")
def periods_reply_answering_a_claim() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    return story, story.step(T.INSURANCE_PERIODS_REPLY, FR, DE, answers=to_fr)


@refused_with("case.reply-to-wrong-document")
def acknowledgement_answering_a_periods_request() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    request = story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE)
    return story, story.step(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, DE, FR, answers=request)


@refused_with("case.reply-to-wrong-document")
def withdrawal_answering_the_request() -> tuple[Story, CaseStep]:
    story, request = coverage_requested()
    story.send(T.COVERAGE_CERTIFICATE, URSSAF, TN, answers=request)
    return story, story.step(T.COVERAGE_WITHDRAWAL, URSSAF, TN, answers=request)


@refused_with("case.reply-to-wrong-document")
def forward_of_a_reply() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    reply = story.send(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)
    return story, story.step(T.CASE_FORWARD, FR, DE, answers=reply, forwarded_to=NL)


@refused_with("case.request-not-open")
def second_reply_to_one_request() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    story.send(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)
    return story, story.step(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)


@refused_with("case.request-not-open")
def reply_to_a_forwarded_request() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    story.send(T.CASE_FORWARD, DE, FR, answers=request, forwarded_to=NL)
    return story, story.step(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)


@refused_with("case.request-not-open")
def reply_to_an_invalidated_request() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE, continues=request, action=INVALIDATE)
    return story, story.step(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)


@refused_with("case.request-not-open")
def decision_on_a_decided_claim() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    story.send(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, FR, DE, answers=to_fr)
    story.send(T.BENEFIT_DECISION, FR, DE, answers=to_fr)
    return story, story.step(T.BENEFIT_DECISION, FR, DE, answers=to_fr)


@refused_with("case.request-not-open")
def reminder_of_an_answered_request() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    story.send(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)
    return story, story.step(T.REMINDER, FR, DE, reminded=request, at=T0 + dt.timedelta(days=99))


@refused_with("case.request-not-open")
def certificate_after_refusal() -> tuple[Story, CaseStep]:
    story, request = coverage_requested()
    story.send(T.COVERAGE_REFUSAL, URSSAF, TN, answers=request)
    return story, story.step(T.COVERAGE_CERTIFICATE, URSSAF, TN, answers=request)


@refused_with("case.reply-from-wrong-institution")
def acknowledgement_of_another_institutions_claim() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    return story, story.step(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, IN, DE, answers=to_fr)


@refused_with("case.reply-from-wrong-institution")
def reply_by_an_institution_not_asked() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    request = story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE)
    return story, story.step(T.INSURANCE_PERIODS_REPLY, IN, DE, answers=request)


@refused_with("case.reply-from-wrong-institution")
def withdrawal_by_the_certificates_recipient() -> tuple[Story, CaseStep]:
    story, certificate = certificate_issued()
    return story, story.step(T.COVERAGE_WITHDRAWAL, TN, URSSAF, answers=certificate)


@refused_with("case.reply-from-wrong-institution")
def forward_by_another_institution_than_the_one_asked() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    return story, story.step(T.CASE_FORWARD, IN, DE, answers=to_fr, forwarded_to=NL)


@refused_with("case.reply-to-wrong-institution")
def reply_to_another_participant_than_the_requester() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    request = story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE)
    return story, story.step(T.INSURANCE_PERIODS_REPLY, DE, IN, answers=request)


@refused_with("case.reply-to-wrong-institution")
def withdrawal_to_another_institution() -> tuple[Story, CaseStep]:
    story = Story(COVERAGE)
    request = story.send(T.COVERAGE_REQUEST, TN, URSSAF)
    story.send(T.CASE_FORWARD, URSSAF, TN, answers=request, forwarded_to=FR)
    again = story.send(T.COVERAGE_REQUEST, TN, FR)
    certificate = story.send(T.COVERAGE_CERTIFICATE, FR, TN, answers=again)
    return story, story.step(T.COVERAGE_WITHDRAWAL, FR, URSSAF, answers=certificate)


@refused_with("case.reply-to-wrong-institution")
def forward_told_to_another_institution_than_the_requester() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    return story, story.step(T.CASE_FORWARD, FR, IN, answers=to_fr, forwarded_to=NL)


@refused_with("case.already-acknowledged")
def second_acknowledgement() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    story.send(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, FR, DE, answers=to_fr)
    return story, story.step(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, FR, DE, answers=to_fr)


@refused_with("case.decision-before-acknowledgement")
def decision_without_acknowledgement() -> tuple[Story, CaseStep]:
    story, _, to_in = claim_sent()
    return story, story.step(T.BENEFIT_DECISION, IN, DE, answers=to_in)


@refused_with("case.owner-decision-answers")
def owner_decision_in_reply_to_an_acknowledgement() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    acknowledgement = story.send(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, FR, DE, answers=to_fr)
    return story, story.step(T.BENEFIT_DECISION, DE, FR, answers=acknowledgement)


@refused_with("case.decision-to-non-recipient")
def owner_decision_to_an_institution_the_claim_did_not_go_to() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    request = story.send(T.INSURANCE_PERIODS_REQUEST, FR, NL)
    story.send(T.INSURANCE_PERIODS_REPLY, NL, FR, answers=request)
    return story, story.step(T.BENEFIT_DECISION, DE, NL)


@refused_with("case.decision-exists")
def second_owner_decision() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    story.send(T.BENEFIT_DECISION, DE, FR)
    return story, story.step(T.BENEFIT_DECISION, DE, IN)


@refused_with("case.no-claim")
def owner_decision_after_the_claim_was_invalidated() -> tuple[Story, CaseStep]:
    story, to_fr, to_in = claim_sent()
    story.send(T.BENEFIT_CLAIM, DE, FR, continues=to_fr, action=INVALIDATE)
    story.send(T.BENEFIT_CLAIM, DE, IN, continues=to_in, action=INVALIDATE, version=2)
    return story, story.step(T.BENEFIT_DECISION, DE, FR)


@refused_with("case.not-owner")
def claim_by_a_recipient() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    return story, story.step(T.BENEFIT_CLAIM, FR, NL)


@refused_with("case.not-owner")
def periods_request_by_the_institution_asked() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, DE, FR)


@refused_with("case.not-owner")
def coverage_request_by_the_certifying_institution() -> tuple[Story, CaseStep]:
    story, request = coverage_requested()
    story.send(T.COVERAGE_REFUSAL, URSSAF, TN, answers=request)
    return story, story.step(T.COVERAGE_REQUEST, URSSAF, TN)


@refused_with("case.claim-exists")
def second_claim_in_a_case() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    return story, story.step(T.BENEFIT_CLAIM, DE, NL)


@refused_with("case.request-to-non-participant")
def periods_request_to_an_institution_outside_the_case() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, NL)


@refused_with("case.request-to-non-participant")
def coverage_request_to_an_institution_outside_the_case() -> tuple[Story, CaseStep]:
    story, request = coverage_requested()
    story.send(T.COVERAGE_REFUSAL, URSSAF, TN, answers=request)
    return story, story.step(T.COVERAGE_REQUEST, TN, NL)


@refused_with("case.no-claim")
def periods_request_after_the_claim_was_invalidated() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    story.send(T.BENEFIT_CLAIM, DE, FR, continues=to_fr, action=INVALIDATE)
    story.send(T.BENEFIT_CLAIM, DE, IN, continues=to_fr, action=INVALIDATE, version=2)
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, DE)


@refused_with("case.request-already-open")
def second_open_request_to_the_same_institution() -> tuple[Story, CaseStep]:
    story, _, _ = claim_sent()
    story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE)
    return story, story.step(T.INSURANCE_PERIODS_REQUEST, FR, DE)


@refused_with("case.request-already-open")
def second_coverage_request_while_the_first_is_open() -> tuple[Story, CaseStep]:
    story, _ = coverage_requested()
    return story, story.step(T.COVERAGE_REQUEST, TN, URSSAF)


@refused_with("case.certificate-withdrawn")
def second_withdrawal() -> tuple[Story, CaseStep]:
    story, certificate = certificate_issued()
    story.send(T.COVERAGE_WITHDRAWAL, URSSAF, TN, answers=certificate)
    return story, story.step(T.COVERAGE_WITHDRAWAL, URSSAF, TN, answers=certificate)


@refused_with("case.closure-to-non-participant")
def closure_to_an_outsider() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.CASE_CLOSURE, FR, NL)


@refused_with("case.reminder-without-request")
def reminder_naming_no_request() -> tuple[Story, CaseStep]:
    story, _ = periods_requested()
    return story, story.step(T.REMINDER, FR, DE, at=T0 + dt.timedelta(days=99))


@refused_with("case.reminder-mismatch")
def reminder_answering_another_message_than_it_names() -> tuple[Story, CaseStep]:
    story, to_fr, to_in = claim_sent()
    return story, story.step(
        T.REMINDER, DE, FR, reminded=to_fr, answers=to_in, at=T0 + dt.timedelta(days=99)
    )


@refused_with("case.reminder-from-wrong-institution")
def reminder_by_the_institution_asked() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(T.REMINDER, DE, FR, reminded=request, at=T0 + dt.timedelta(days=99))


@refused_with("case.reminder-to-wrong-institution")
def reminder_to_another_institution_than_the_one_asked() -> tuple[Story, CaseStep]:
    story, to_fr, _ = claim_sent()
    return story, story.step(T.REMINDER, DE, IN, reminded=to_fr, at=T0 + dt.timedelta(days=99))


@refused_with("case.reminder-too-early")
def reminder_before_the_reply_is_due() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    early = request.at + DUE[PERIODS] - dt.timedelta(seconds=1)
    return story, story.step(T.REMINDER, FR, DE, reminded=request, at=early)


@refused_with("case.reminder-too-early")
def second_reminder_before_the_new_period_ends() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    first = request.at + DUE[PERIODS]
    story.send(T.REMINDER, FR, DE, reminded=request, at=first)
    later = first + dt.timedelta(days=10)
    return story, story.step(T.REMINDER, FR, DE, reminded=request, at=later)


@refused_with("case.forward-without-institution")
def forward_naming_no_institution() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(T.CASE_FORWARD, DE, FR, answers=request)


@refused_with("case.forward-to-party")
def forward_back_to_the_requester() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(T.CASE_FORWARD, DE, FR, answers=request, forwarded_to=FR)


@refused_with("case.forward-to-party")
def forward_to_oneself() -> tuple[Story, CaseStep]:
    story, request = periods_requested()
    return story, story.step(T.CASE_FORWARD, DE, FR, answers=request, forwarded_to=DE)


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [pytest.param(scenario, reason, id=scenario.__name__) for scenario, reason in REFUSALS],
)
def test_step_is_refused(scenario: Scenario, reason: str) -> None:
    story, step = scenario()
    error = refusal(story, step)
    assert error.reason == reason, error.detail
    assert error.code == "case-state"
    assert error.message_id == step.message_id
    assert isinstance(error, GatewayError)
    assert error.detail == str(error)


def _reasons_in_source() -> set[str]:
    source = Path(machine.__file__).read_text(encoding="utf-8")
    return set(re.findall(r'"(case\.[a-z-]+)"', source))


def test_every_refusal_reason_is_tested() -> None:
    assert {reason for _, reason in REFUSALS} == _reasons_in_source()


def test_refusal_reasons_are_kebab_case() -> None:
    for reason in _reasons_in_source():
        assert re.fullmatch(r"case\.[a-z0-9]+(-[a-z0-9]+)*", reason), reason


def test_refusal_details_are_one_line_each() -> None:
    """Details go into rejections as they are: one line, and no placeholder left unfilled."""
    for scenario, _ in REFUSALS:
        story, step = scenario()
        detail = refusal(story, step).detail
        assert detail.strip() == detail != ""
        assert "\n" not in detail and "None" not in detail


# --- Overdue requests -----------------------------------------------------------------------


def test_overdue_lists_the_late_requests_longest_late_first() -> None:
    story = Story(CLAIM)
    to_fr = story.send(T.BENEFIT_CLAIM, DE, FR, at=T0)
    to_in = story.send(T.BENEFIT_CLAIM, DE, IN, continues=to_fr, at=T0 + dt.timedelta(days=2))
    asked = story.send(T.INSURANCE_PERIODS_REQUEST, FR, DE, at=T0 + dt.timedelta(days=1))
    state = story.state()
    due = DUE[CLAIM]
    assert overdue(state, T0 + due - dt.timedelta(seconds=1)) == []
    assert [r.message_id for r in overdue(state, T0 + due)] == [to_fr.message_id]
    everything = overdue(state, T0 + due + dt.timedelta(days=2))
    assert [r.message_id for r in everything] == [
        to_fr.message_id,
        asked.message_id,
        to_in.message_id,
    ]


def test_an_answered_or_reminded_request_is_not_overdue() -> None:
    story, to_fr, to_in = claim_sent()
    story.send(T.BENEFIT_CLAIM_ACKNOWLEDGEMENT, FR, DE, answers=to_fr)
    story.send(T.BENEFIT_DECISION, FR, DE, answers=to_fr)
    late = to_in.at + DUE[CLAIM]
    assert [r.message_id for r in overdue(story.state(), late)] == [to_in.message_id]
    story.send(T.REMINDER, DE, IN, reminded=to_in, at=late)
    assert overdue(story.state(), late + dt.timedelta(days=1)) == []
    assert len(overdue(story.state(), late + DUE[CLAIM])) == 1


# --- Immutability ---------------------------------------------------------------------------


def test_apply_step_never_changes_the_state_it_is_given() -> None:
    story, request = periods_requested()
    before = story.state()
    snapshot = (dict(before.open_requests), dict(before.documents), dict(before.messages))
    reply = story.step(T.INSURANCE_PERIODS_REPLY, DE, FR, answers=request)
    after = apply_step(before, reply, reply_due=DUE)
    assert after is not before
    assert (dict(before.open_requests), dict(before.documents), dict(before.messages)) == snapshot
    assert before.open_requests.keys() == {request.message_id}
    assert after.open_requests == {}


def test_states_and_their_parts_cannot_be_changed() -> None:
    story, request = periods_requested()
    state = story.state()
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.status = CaseStatus.CLOSED  # type: ignore[misc]
    with pytest.raises(TypeError):
        state.open_requests[uuid.uuid4()] = state.open_requests[request.message_id]  # type: ignore[index]
    with pytest.raises(TypeError):
        del state.messages[request.message_id]  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.open_requests[request.message_id].reminders = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.version = 2  # type: ignore[misc]
    assert isinstance(state.participants, frozenset)


def test_a_state_keeps_its_own_copy_of_the_mappings_it_is_made_with() -> None:
    story, request = periods_requested()
    state = story.state()
    requests = dict(state.open_requests)
    copy = dataclasses.replace(state, open_requests=requests, participants={FR, DE})  # type: ignore[arg-type]
    requests.clear()
    assert copy.open_requests.keys() == {request.message_id}
    assert isinstance(copy.participants, frozenset)
    assert copy == state


# --- Inputs ---------------------------------------------------------------------------------


def test_a_step_needs_a_time_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        CaseStep(
            message_id=uuid.uuid4(),
            document_type=T.INSURANCE_PERIODS_REQUEST,
            action=NEW,
            document_set_id=uuid.uuid4(),
            version=1,
            sender=FR,
            recipient=DE,
            in_reply_to=None,
            at=dt.datetime(2026, 9, 1, 8, 0),
        )


def test_reply_due_must_give_a_positive_period_for_the_case_type() -> None:
    story = Story(COVERAGE)
    step = story.step(T.COVERAGE_REQUEST, TN, URSSAF)
    with pytest.raises(ValueError, match="coverage"):
        start_case(story.case_id, COVERAGE, step, reply_due={PERIODS: dt.timedelta(days=1)})
    with pytest.raises(ValueError, match="positive"):
        start_case(story.case_id, COVERAGE, step, reply_due={COVERAGE: dt.timedelta(0)})
    state = start_case(story.case_id, COVERAGE, step, reply_due=DUE)
    refusal_step = story.step(T.COVERAGE_REFUSAL, URSSAF, TN, answers=step)
    with pytest.raises(ValueError, match="coverage"):
        apply_step(state, refusal_step, reply_due={})


def test_replay_needs_the_opening_step() -> None:
    with pytest.raises(ValueError, match="opens"):
        replay(uuid.uuid4(), PERIODS, [], reply_due=DUE)


def _header(document_type: DocumentType, **changes: object) -> EnvelopeHeader:
    header = EnvelopeHeader(
        message_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        case_type=PERIODS,
        document_set_id=uuid.uuid4(),
        document_version=1,
        action=NEW,
        sender=InstitutionId(DE),
        recipient=InstitutionId(FR),
        document_type=document_type,
        schema_version="1.0",
        created=T0,
        expires=T0 + dt.timedelta(days=7),
        in_reply_to=uuid.uuid4(),
    )
    return dataclasses.replace(header, **changes)  # type: ignore[arg-type]


def _example(name: str) -> etree._Element:
    return etree.parse(str(SCHEMA_DIR / "examples" / f"{name}.xml")).getroot()


def test_a_step_from_a_forward_message_names_the_competent_institution() -> None:
    header = _header(T.CASE_FORWARD)
    step = CaseStep.from_message(header, _example("CaseForward"))
    assert step.forwarded_to == "FR:CNAV"
    assert step.reminded is None
    assert (step.message_id, step.document_set_id, step.in_reply_to) == (
        header.message_id,
        header.document_set_id,
        header.in_reply_to,
    )
    assert (step.sender, step.recipient, step.at, step.version, step.action) == (
        DE,
        FR,
        T0,
        1,
        NEW,
    )


def test_a_forward_target_is_normalised_like_header_ids() -> None:
    document = _example("CaseForward")
    target = document.find("{urn:ssgw:case:1}CompetentInstitution")
    assert target is not None
    target.text = "GR:EFKA0001"
    step = CaseStep.from_message(_header(T.CASE_FORWARD), document)
    assert step.forwarded_to == "EL:EFKA0001"


def test_a_step_from_a_reminder_message_names_the_reminded_request() -> None:
    step = CaseStep.from_message(_header(T.REMINDER), _example("Reminder"))
    assert step.reminded == uuid.UUID("3f2a9c14-6b0e-4d7a-9e51-c2b8a7d40f63")
    assert step.forwarded_to is None


def test_a_step_from_another_message_reads_nothing_more() -> None:
    step = CaseStep.from_message(_header(T.CASE_CLOSURE), _example("CaseClosure"))
    assert (step.forwarded_to, step.reminded) == (None, None)


def test_a_step_from_a_message_whose_body_is_another_document_is_refused() -> None:
    with pytest.raises(ValueError, match="not a Reminder"):
        CaseStep.from_message(_header(T.REMINDER), _example("CaseForward"))
