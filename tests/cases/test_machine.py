"""The case state machine: every transition it allows, by case type, version and case-level
document."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.case_stories import (
    CLAIM,
    COVERAGE,
    DE,
    DUE,
    FR,
    IN,
    INVALIDATE,
    NEW,
    NL,
    PERIODS,
    T0,
    TN,
    UPDATE,
    URSSAF,
    Story,
    T,
    certificate_issued,
    claim_sent,
    coverage_requested,
    periods_requested,
)
from gateway.cases import (
    OPENING_DOCUMENT,
    CaseStatus,
    DocumentRecord,
    OpenRequest,
    apply_step,
    overdue,
    replay,
    start_case,
)
from gateway.documents import (
    CaseType,
)
from gateway.errors import CaseStateError

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
