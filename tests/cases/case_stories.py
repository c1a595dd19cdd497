"""Stories of cases for the state machine's tests: steps told in order, and the stories the
tests start from."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from gateway.cases import (
    CaseState,
    CaseStep,
    CoveragePurpose,
    apply_step,
    replay,
    start_case,
)
from gateway.documents import (
    CaseType,
    DocumentAction,
    DocumentType,
)
from gateway.errors import CaseStateError

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
        purpose: CoveragePurpose | None = None,
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
            purpose=purpose,
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


Scenario = Callable[[], tuple[Story, CaseStep]]


@dataclass
class Refusals:
    """Scenarios, each a story and a step the case must refuse, with the reason it must give."""

    scenarios: list[tuple[Scenario, str]] = field(default_factory=list)

    def refused_with(self, reason: str) -> Callable[[Scenario], Scenario]:
        """Register a scenario: a story and a step the case must refuse with ``reason``."""

        def register(scenario: Scenario) -> Scenario:
            self.scenarios.append((scenario, reason))
            return scenario

        return register
