"""Cases across countries: merging what several institutions report about one person.

:func:`totalize` merges insurance periods into a :class:`Career`; :func:`periods_from_reply`
reads them out of an ``InsurancePeriodsReply``; :func:`totalize_by_agreement` totalizes a case's
periods separately under each agreement binding the competent country to another. Pure
functions: no I/O.

The case state machine decides which message a case allows next: :func:`start_case`,
:func:`apply_step` and :func:`replay` fold :class:`CaseStep` values into a :class:`CaseState`
and raise :class:`~gateway.errors.CaseStateError` for a step the case does not allow;
:func:`overdue` lists the requests whose answer is late. A coverage case follows one of the
applicable-legislation flows (:class:`CoverageFlow`); :func:`notification_deadlines` says where
each of its notifications stands against the period for objecting to it. :func:`document_values`
reads what a step carries beside its header from the documents in :data:`READ_DOCUMENTS`.
"""

from __future__ import annotations

from ._by_agreement import (
    AgreementCareer,
    AgreementsBetween,
    CareersByAgreement,
    LeftOutReason,
    NotTotalized,
    TotalizingAgreement,
    totalize_by_agreement,
)
from ._deadlines import DeadlineStatus, NotificationDeadline, notification_deadlines
from ._flows import (
    NOTICE_MONTHS,
    READ_DOCUMENTS,
    CoverageFlow,
    CoveragePurpose,
    DocumentValues,
    Notification,
    document_values,
)
from ._machine import apply_step, opens_case, overdue, replay, start_case
from ._periods_reading import periods_from_reply
from ._state import (
    OPENING_DOCUMENT,
    CaseState,
    CaseStatus,
    CaseStep,
    CertificateRecord,
    DocumentRecord,
    OpenRequest,
)
from .totalization import (
    PRECEDENCE,
    Career,
    CareerSegment,
    Conflict,
    InsurancePeriod,
    PeriodKind,
    Tier,
    theoretical_pro_rata,
    totalize,
)

__all__ = [
    "NOTICE_MONTHS",
    "OPENING_DOCUMENT",
    "PRECEDENCE",
    "READ_DOCUMENTS",
    "AgreementCareer",
    "AgreementsBetween",
    "Career",
    "CareerSegment",
    "CareersByAgreement",
    "CaseState",
    "CaseStatus",
    "CaseStep",
    "CertificateRecord",
    "Conflict",
    "CoverageFlow",
    "CoveragePurpose",
    "DeadlineStatus",
    "DocumentRecord",
    "DocumentValues",
    "InsurancePeriod",
    "LeftOutReason",
    "NotTotalized",
    "Notification",
    "NotificationDeadline",
    "OpenRequest",
    "PeriodKind",
    "Tier",
    "TotalizingAgreement",
    "apply_step",
    "document_values",
    "notification_deadlines",
    "opens_case",
    "overdue",
    "periods_from_reply",
    "replay",
    "start_case",
    "theoretical_pro_rata",
    "totalize",
    "totalize_by_agreement",
]
