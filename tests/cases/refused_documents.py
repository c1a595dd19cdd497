"""Steps a case refuses for what they are: their shape, the case's first document, its
state, and the document sets and versions they continue."""

from __future__ import annotations

import uuid

from cases.case_stories import (
    CLAIM,
    COVERAGE,
    DE,
    DUE,
    FR,
    IN,
    INVALIDATE,
    NL,
    PERIODS,
    TN,
    UPDATE,
    URSSAF,
    Refusals,
    Story,
    T,
    certificate_issued,
    claim_sent,
    coverage_requested,
    periods_requested,
)
from gateway.cases import (
    CaseStep,
)

REFUSALS = Refusals()
refused_with = REFUSALS.refused_with


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
