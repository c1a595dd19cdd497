"""The case state machine's state: overdue requests, immutability, and the inputs it takes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
from lxml import etree

from cases.case_stories import (
    CLAIM,
    COVERAGE,
    DE,
    DUE,
    FR,
    IN,
    NEW,
    PERIODS,
    T0,
    TN,
    URSSAF,
    Story,
    T,
    claim_sent,
    periods_requested,
)
from gateway.cases import (
    CaseStatus,
    CaseStep,
    apply_step,
    overdue,
    replay,
    start_case,
)
from gateway.codes import InstitutionId
from gateway.documents import (
    SCHEMA_DIR,
    DocumentType,
    EnvelopeHeader,
)

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
