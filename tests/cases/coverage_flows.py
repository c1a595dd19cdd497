"""Stories of the applicable-legislation flows for the state machine's tests: a posting
notification, a determination for work in two or more states, an exception request, a
notification of another situation and a change notification."""

from __future__ import annotations

import datetime as dt

from cases.case_stories import COVERAGE, DE, FR, NL, T0, URSSAF, Story, T
from gateway.cases import CaseStep, CoveragePurpose

P = CoveragePurpose
US = "US:SSAOIP"
#: Two months after the stories' first step (T0 plus an hour): the end of the notice period.
NOTICE_END = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
JUST_BEFORE = NOTICE_END - dt.timedelta(minutes=1)
#: When the notice periods of every step of the stories have ended.
ALL_ENDED = NOTICE_END + dt.timedelta(days=1)


def posting_notified(purpose: CoveragePurpose = P.POSTING_NOTIFICATION) -> tuple[Story, CaseStep]:
    """FR:URSSAF notifies DE:DRV70001 that French legislation keeps applying to a posted
    worker (an A009; with ``certificate-issue``, a certificate of coverage sent on its own)."""
    story = Story(COVERAGE)
    notification = story.send(T.COVERAGE_CERTIFICATE, URSSAF, DE, purpose=purpose)
    return story, notification


def posting_objected() -> tuple[Story, CaseStep]:
    story, notification = posting_notified()
    objection = story.send(
        T.COVERAGE_REFUSAL, DE, URSSAF, answers=notification, purpose=P.OBJECTION
    )
    return story, objection


def determined() -> tuple[Story, CaseStep, CaseStep]:
    """NL:SVB01 determines provisionally that Dutch legislation applies (an A003) and tells
    DE:DRV70001 and FR:CNAV, one message each of the same set."""
    story = Story(COVERAGE)
    to_de = story.send(T.COVERAGE_CERTIFICATE, NL, DE, purpose=P.MULTI_STATE_DETERMINATION)
    to_fr = story.send(
        T.COVERAGE_CERTIFICATE, NL, FR, continues=to_de, purpose=P.MULTI_STATE_DETERMINATION
    )
    return story, to_de, to_fr


def determination_confirmed() -> tuple[Story, CaseStep]:
    """The A003's two months pass in silence and NL:SVB01 confirms it to DE:DRV70001 (A012)."""
    story, to_de, _ = determined()
    confirmation = story.send(
        T.COVERAGE_CERTIFICATE,
        NL,
        DE,
        answers=to_de,
        at=NOTICE_END,
        purpose=P.DEFINITIVE_DETERMINATION,
    )
    return story, confirmation


def exception_requested() -> tuple[Story, CaseStep]:
    """DE:DRV70001 asks FR:URSSAF to agree on an exception under Article 16 (an A001)."""
    story = Story(COVERAGE)
    request = story.send(T.COVERAGE_REQUEST, DE, URSSAF, purpose=P.EXCEPTION_REQUEST)
    return story, request


def other_notified() -> tuple[Story, CaseStep]:
    """FR:URSSAF notifies DE:DRV70001 of the legislation applying to a civil servant (A010)."""
    story = Story(COVERAGE)
    notification = story.send(T.COVERAGE_CERTIFICATE, URSSAF, DE, purpose=P.OTHER_NOTIFICATION)
    return story, notification


def change_notified() -> tuple[Story, CaseStep]:
    """FR:URSSAF tells DE:DRV70001 of a change in a posting it notified before (an A008)."""
    story = Story(COVERAGE)
    change = story.send(T.COVERAGE_REQUEST, URSSAF, DE, purpose=P.CHANGE_NOTIFICATION)
    return story, change


__all__ = [
    "ALL_ENDED",
    "JUST_BEFORE",
    "NOTICE_END",
    "T0",
    "US",
    "P",
    "change_notified",
    "determination_confirmed",
    "determined",
    "exception_requested",
    "other_notified",
    "posting_notified",
    "posting_objected",
]
