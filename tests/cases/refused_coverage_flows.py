"""Steps the applicable-legislation flows refuse: objections and disagreements out of time or
out of turn, confirmations before a determination is definitive, documents of another flow."""

from __future__ import annotations

from cases.case_stories import COVERAGE, DE, FR, INVALIDATE, NL, UPDATE, URSSAF, Refusals, Story, T
from cases.coverage_flows import (
    JUST_BEFORE,
    NOTICE_END,
    P,
    change_notified,
    determination_confirmed,
    determined,
    exception_requested,
    other_notified,
    posting_notified,
    posting_objected,
)
from gateway.cases import CaseStep

REFUSALS = Refusals()
refused_with = REFUSALS.refused_with


@refused_with("case.objection-too-late")
def objection_after_two_months() -> tuple[Story, CaseStep]:
    story, notification = posting_notified()
    objection = story.step(
        T.COVERAGE_REFUSAL, DE, URSSAF, answers=notification, at=NOTICE_END, purpose=P.OBJECTION
    )
    return story, objection


@refused_with("case.objection-too-late")
def disagreement_after_two_months() -> tuple[Story, CaseStep]:
    story, to_de, _ = determined()
    return story, story.step(
        T.COVERAGE_REFUSAL, DE, NL, answers=to_de, at=NOTICE_END, purpose=P.DISAGREEMENT
    )


@refused_with("case.already-objected")
def second_objection() -> tuple[Story, CaseStep]:
    story, _ = posting_objected()
    notification = story.steps[0]
    return story, story.step(
        T.COVERAGE_REFUSAL, DE, URSSAF, answers=notification, purpose=P.OBJECTION
    )


@refused_with("case.reply-from-wrong-institution")
def objection_by_the_notifying_institution() -> tuple[Story, CaseStep]:
    story, notification = posting_notified()
    return story, story.step(
        T.COVERAGE_REFUSAL, URSSAF, DE, answers=notification, purpose=P.OBJECTION
    )


@refused_with("case.reply-from-wrong-institution")
def confirmation_by_an_institution_told() -> tuple[Story, CaseStep]:
    story, to_de, _ = determined()
    return story, story.step(
        T.COVERAGE_CERTIFICATE,
        FR,
        DE,
        answers=to_de,
        at=NOTICE_END,
        purpose=P.DEFINITIVE_DETERMINATION,
    )


@refused_with("case.reply-to-wrong-institution")
def confirmation_to_another_institution_than_told() -> tuple[Story, CaseStep]:
    story, to_de, _ = determined()
    return story, story.step(
        T.COVERAGE_CERTIFICATE,
        NL,
        FR,
        answers=to_de,
        at=NOTICE_END,
        purpose=P.DEFINITIVE_DETERMINATION,
    )


@refused_with("case.determination-provisional")
def confirmation_before_two_months_without_disagreement() -> tuple[Story, CaseStep]:
    story, to_de, _ = determined()
    return story, story.step(
        T.COVERAGE_CERTIFICATE,
        NL,
        DE,
        answers=to_de,
        at=JUST_BEFORE,
        purpose=P.DEFINITIVE_DETERMINATION,
    )


@refused_with("case.determination-definitive")
def confirmation_twice() -> tuple[Story, CaseStep]:
    story, _ = determination_confirmed()
    return story, story.step(
        T.COVERAGE_CERTIFICATE,
        NL,
        DE,
        in_reply_to=story.steps[0].message_id,
        purpose=P.DEFINITIVE_DETERMINATION,
    )


@refused_with("case.determination-definitive")
def disagreement_after_confirmation() -> tuple[Story, CaseStep]:
    story, _ = determination_confirmed()
    return story, story.step(
        T.COVERAGE_REFUSAL, DE, NL, answers=story.steps[0], purpose=P.DISAGREEMENT
    )


@refused_with("case.reply-to-wrong-document")
def objection_to_a_change_notification() -> tuple[Story, CaseStep]:
    story, _ = posting_notified()
    change = story.send(T.COVERAGE_REQUEST, URSSAF, DE, purpose=P.CHANGE_NOTIFICATION)
    return story, story.step(T.COVERAGE_REFUSAL, DE, URSSAF, answers=change, purpose=P.OBJECTION)


@refused_with("case.reply-without-request")
def objection_naming_nothing() -> tuple[Story, CaseStep]:
    story, _ = posting_notified()
    return story, story.step(T.COVERAGE_REFUSAL, DE, URSSAF, purpose=P.OBJECTION)


@refused_with("case.notification-not-open")
def objection_to_an_invalidated_notification() -> tuple[Story, CaseStep]:
    story, notification = posting_notified()
    story.send(
        T.COVERAGE_CERTIFICATE,
        URSSAF,
        DE,
        continues=notification,
        action=INVALIDATE,
        purpose=P.POSTING_NOTIFICATION,
    )
    return story, story.step(
        T.COVERAGE_REFUSAL, DE, URSSAF, answers=notification, purpose=P.OBJECTION
    )


@refused_with("case.notification-exists")
def second_posting_notification_set() -> tuple[Story, CaseStep]:
    story, _ = posting_notified()
    return story, story.step(T.COVERAGE_CERTIFICATE, URSSAF, FR, purpose=P.POSTING_NOTIFICATION)


@refused_with("case.not-owner")
def notification_by_the_institution_told() -> tuple[Story, CaseStep]:
    story, _ = posting_notified()
    return story, story.step(T.COVERAGE_CERTIFICATE, DE, URSSAF, purpose=P.POSTING_NOTIFICATION)


@refused_with("case.purpose-changed")
def notification_updated_as_another_purpose() -> tuple[Story, CaseStep]:
    story, notification = posting_notified()
    return story, story.step(
        T.COVERAGE_CERTIFICATE,
        URSSAF,
        DE,
        continues=notification,
        action=UPDATE,
        purpose=P.CERTIFICATE_ISSUE,
    )


@refused_with("case.purpose-not-in-flow")
def disagreement_with_a_posting_notification() -> tuple[Story, CaseStep]:
    story, notification = posting_notified()
    return story, story.step(
        T.COVERAGE_REFUSAL, DE, URSSAF, answers=notification, purpose=P.DISAGREEMENT
    )


@refused_with("case.purpose-not-in-flow")
def objection_to_an_other_notification() -> tuple[Story, CaseStep]:
    story, notification = other_notified()
    return story, story.step(
        T.COVERAGE_REFUSAL, DE, URSSAF, answers=notification, purpose=P.OBJECTION
    )


@refused_with("case.purpose-not-in-flow")
def certificate_issued_on_an_exception_request() -> tuple[Story, CaseStep]:
    story, request = exception_requested()
    return story, story.step(
        T.COVERAGE_CERTIFICATE, URSSAF, DE, answers=request, purpose=P.CERTIFICATE_ISSUE
    )


@refused_with("case.purpose-not-in-flow")
def certificate_in_a_change_notification_case() -> tuple[Story, CaseStep]:
    story, change = change_notified()
    return story, story.step(
        T.COVERAGE_CERTIFICATE, DE, URSSAF, answers=change, purpose=P.CERTIFICATE_ISSUE
    )


@refused_with("case.first-document")
def coverage_case_opened_by_a_confirmation() -> tuple[Story, CaseStep]:
    story = Story(COVERAGE)
    return story, story.step(T.COVERAGE_CERTIFICATE, NL, DE, purpose=P.DEFINITIVE_DETERMINATION)


@refused_with("case.first-document")
def coverage_case_opened_by_an_objection() -> tuple[Story, CaseStep]:
    story = Story(COVERAGE)
    return story, story.step(T.COVERAGE_REFUSAL, DE, URSSAF, purpose=P.OBJECTION)
