"""Where each notification of a coverage case stands against its deadline, as of a given time:
the read side of the objection and disagreement periods (the rules: ``_coverage``)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from gateway.cases._flows import CoveragePurpose, Notification
from gateway.cases._state import CaseState

__all__ = ["DeadlineStatus", "NotificationDeadline", "notification_deadlines"]


class DeadlineStatus(enum.StrEnum):
    """Where a notification stands against the end of its notice period."""

    #: The notified institution may still object or disagree.
    RUNNING = "running"
    #: It objected or disagreed in time; the institutions settle it between them.
    OBJECTED = "objected"
    #: The period passed without an objection: the posting notification stands.
    LAPSED = "lapsed"
    #: The period passed without a disagreement: the determination is definitive, and its
    #: confirmation (A012) is due from the determining institution.
    OVERDUE = "overdue"
    #: The determining institution confirmed the determination as definitive.
    DEFINITIVE = "definitive"


@dataclass(frozen=True, slots=True)
class NotificationDeadline:
    """A notification, its deadline and where it stands at the time asked."""

    notification: Notification
    status: DeadlineStatus

    @property
    def overdue(self) -> bool:
        return self.status is DeadlineStatus.OVERDUE


def _status(notification: Notification, now: dt.datetime) -> DeadlineStatus:
    if notification.definitive_by is not None:
        return DeadlineStatus.DEFINITIVE
    if notification.objected_by is not None:
        return DeadlineStatus.OBJECTED
    if now < notification.due_at:
        return DeadlineStatus.RUNNING
    if notification.purpose is CoveragePurpose.MULTI_STATE_DETERMINATION:
        return DeadlineStatus.OVERDUE
    return DeadlineStatus.LAPSED


def notification_deadlines(state: CaseState, now: dt.datetime) -> list[NotificationDeadline]:
    """Each notification of the case that may be objected to, with where it stands at
    ``now``, the earliest due first."""
    ordered = sorted(
        state.notifications.values(),
        key=lambda notification: (notification.due_at, str(notification.message_id)),
    )
    return [NotificationDeadline(each, _status(each, now)) for each in ordered]
