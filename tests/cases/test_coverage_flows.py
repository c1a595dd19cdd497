"""The applicable-legislation flows a coverage case follows, step by step as they are allowed,
and where each notification stands against the period for objecting to it."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.case_stories import (
    COVERAGE,
    DE,
    FR,
    INVALIDATE,
    NL,
    URSSAF,
    Story,
    T,
    certificate_issued,
)
from cases.coverage_flows import (
    ALL_ENDED,
    JUST_BEFORE,
    NOTICE_END,
    US,
    P,
    change_notified,
    determination_confirmed,
    determined,
    exception_requested,
    other_notified,
    posting_notified,
    posting_objected,
)
from gateway.cases import (
    CoverageFlow,
    DeadlineStatus,
    NotificationDeadline,
    notification_deadlines,
)


def _statuses(story: Story, now: dt.datetime) -> list[tuple[str, DeadlineStatus]]:
    return [
        (deadline.notification.recipient, deadline.status)
        for deadline in notification_deadlines(story.state(), now)
    ]


def test_a_posting_notification_opens_a_case_and_waits_two_months_for_an_objection() -> None:
    story, notification = posting_notified()
    state = story.state()
    assert state.flow is CoverageFlow.POSTING_NOTIFICATION
    assert state.open_requests == {}
    (waiting,) = state.notifications.values()
    assert (waiting.message_id, waiting.due_at) == (notification.message_id, NOTICE_END)
    assert _statuses(story, JUST_BEFORE) == [(DE, DeadlineStatus.RUNNING)]
    assert _statuses(story, NOTICE_END) == [(DE, DeadlineStatus.LAPSED)]


def test_the_host_objects_in_time_and_the_notifier_withdraws() -> None:
    story, objection = posting_objected()
    assert _statuses(story, NOTICE_END) == [(DE, DeadlineStatus.OBJECTED)]
    (waiting,) = story.state().notifications.values()
    assert waiting.objected_by == objection.message_id
    story.send(T.COVERAGE_WITHDRAWAL, URSSAF, DE, answers=story.steps[0])
    assert story.state().withdrawn_certificates == {story.steps[0].message_id}


def test_an_objection_on_the_last_minute_is_in_time() -> None:
    story, notification = posting_notified()
    story.send(
        T.COVERAGE_REFUSAL, DE, URSSAF, answers=notification, at=JUST_BEFORE, purpose=P.OBJECTION
    )


@pytest.mark.parametrize(("issuer", "host"), [(US, DE), (DE, US)])
def test_a_certificate_of_coverage_goes_on_its_own_both_ways(issuer: str, host: str) -> None:
    story = Story(COVERAGE)
    certificate = story.send(T.COVERAGE_CERTIFICATE, issuer, host, purpose=P.CERTIFICATE_ISSUE)
    assert story.state().flow is CoverageFlow.POSTING_NOTIFICATION
    story.send(T.COVERAGE_REFUSAL, host, issuer, answers=certificate, purpose=P.OBJECTION)
    assert _statuses(story, NOTICE_END) == [(host, DeadlineStatus.OBJECTED)]


def test_a_determination_becomes_definitive_after_a_disagreement_or_two_silent_months() -> None:
    story, to_de, to_fr = determined()
    assert story.state().flow is CoverageFlow.MULTI_STATE
    assert _statuses(story, JUST_BEFORE) == [
        (DE, DeadlineStatus.RUNNING),
        (FR, DeadlineStatus.RUNNING),
    ]
    story.send(T.COVERAGE_REFUSAL, DE, NL, answers=to_de, purpose=P.DISAGREEMENT)
    # After a disagreement the institutions agree, and the confirmation need not wait.
    definitive = story.send(
        T.COVERAGE_CERTIFICATE, NL, DE, answers=to_de, purpose=P.DEFINITIVE_DETERMINATION
    )
    assert _statuses(story, ALL_ENDED) == [
        (DE, DeadlineStatus.DEFINITIVE),
        (FR, DeadlineStatus.OVERDUE),
    ]
    # France stayed silent: once the two months passed, the same A012 goes to it.
    story.send(
        T.COVERAGE_CERTIFICATE,
        NL,
        FR,
        answers=to_fr,
        continues=definitive,
        at=ALL_ENDED,
        purpose=P.DEFINITIVE_DETERMINATION,
    )
    deadlines = notification_deadlines(story.state(), ALL_ENDED)
    assert [deadline.status for deadline in deadlines] == [DeadlineStatus.DEFINITIVE] * 2
    assert not any(deadline.overdue for deadline in deadlines)


def test_overdue_is_only_a_determination_waiting_for_its_confirmation() -> None:
    story, _ = posting_notified()
    assert not any(d.overdue for d in notification_deadlines(story.state(), NOTICE_END))
    story, _, _ = determined()
    late = notification_deadlines(story.state(), ALL_ENDED)
    assert [d.overdue for d in late] == [True, True]
    assert isinstance(late[0], NotificationDeadline)


def test_a_determination_answering_a_request_is_followed_like_one_sent_on_its_own() -> None:
    story = Story(COVERAGE)
    request = story.send(T.COVERAGE_REQUEST, DE, URSSAF, purpose=P.CERTIFICATE_REQUEST)
    determination = story.send(
        T.COVERAGE_CERTIFICATE, URSSAF, DE, answers=request, purpose=P.MULTI_STATE_DETERMINATION
    )
    story.send(T.COVERAGE_REFUSAL, DE, URSSAF, answers=determination, purpose=P.DISAGREEMENT)
    story.send(
        T.COVERAGE_CERTIFICATE,
        URSSAF,
        DE,
        answers=determination,
        purpose=P.DEFINITIVE_DETERMINATION,
    )
    state = story.state()
    assert state.flow is CoverageFlow.CERTIFICATE_REQUEST and state.open_requests == {}
    assert _statuses(story, NOTICE_END) == [(DE, DeadlineStatus.DEFINITIVE)]


def test_a_definitive_determination_is_confirmed_at_the_end_of_the_two_months() -> None:
    story, confirmation = determination_confirmed()
    (notification, _) = story.state().notifications.values()
    assert notification.definitive_by == confirmation.message_id


@pytest.mark.parametrize(
    ("purpose", "answer"),
    [
        (P.EXCEPTION_ACCEPTANCE, T.COVERAGE_CERTIFICATE),
        (P.EXCEPTION_PARTIAL_ACCEPTANCE, T.COVERAGE_CERTIFICATE),
        (P.EXCEPTION_REFUSAL, T.COVERAGE_REFUSAL),
        (None, T.COVERAGE_REFUSAL),
    ],
)
def test_an_exception_request_is_accepted_in_whole_or_part_or_refused(
    purpose: P | None, answer: T
) -> None:
    story, request = exception_requested()
    state = story.state()
    assert state.flow is CoverageFlow.EXCEPTION and set(state.open_requests) == {request.message_id}
    story.send(answer, URSSAF, DE, answers=request, purpose=purpose)
    assert story.state().open_requests == {}


def test_an_other_notification_takes_changes_and_a_withdrawal_but_no_objection() -> None:
    story, notification = other_notified()
    state = story.state()
    assert state.flow is CoverageFlow.OTHER_NOTIFICATION and state.notifications == {}
    story.send(T.COVERAGE_REQUEST, URSSAF, DE, purpose=P.CHANGE_NOTIFICATION)
    story.send(T.COVERAGE_WITHDRAWAL, URSSAF, DE, answers=notification)


def test_a_change_notification_opens_a_case_and_asks_nothing() -> None:
    story, change = change_notified()
    state = story.state()
    assert state.flow is CoverageFlow.CHANGE_NOTIFICATION and state.open_requests == {}
    # The institution told answers with a change of its own, and the first one is corrected.
    story.send(T.COVERAGE_REQUEST, DE, URSSAF, purpose=P.CHANGE_NOTIFICATION)
    story.send(
        T.COVERAGE_REQUEST,
        URSSAF,
        DE,
        continues=change,
        action=INVALIDATE,
        purpose=P.CHANGE_NOTIFICATION,
    )


def test_a_request_for_a_certificate_keeps_its_flow() -> None:
    story, certificate = certificate_issued()
    state = story.state()
    assert state.flow is CoverageFlow.CERTIFICATE_REQUEST and state.notifications == {}
    assert certificate.message_id in state.issued_certificates


def test_a_certificate_asked_for_waits_for_no_objection() -> None:
    story = Story(COVERAGE)
    request = story.send(T.COVERAGE_REQUEST, DE, US, purpose=P.CERTIFICATE_REQUEST)
    story.send(T.COVERAGE_CERTIFICATE, US, DE, answers=request, purpose=P.CERTIFICATE_ISSUE)
    assert story.state().notifications == {}
