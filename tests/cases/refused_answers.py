"""Steps a case refuses for what they answer or ask: replies, decisions, withdrawals,
requests, reminders and forwards."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from cases.case_stories import (
    COVERAGE,
    DE,
    DUE,
    FR,
    IN,
    INVALIDATE,
    NL,
    PERIODS,
    T0,
    TN,
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
