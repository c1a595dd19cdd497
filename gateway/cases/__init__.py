"""Cases across countries: merging what several institutions report about one person.

:func:`totalize` merges insurance periods into a :class:`Career`; :func:`periods_from_reply`
reads them out of an ``InsurancePeriodsReply``; :func:`totalize_by_agreement` totalizes a case's
periods separately under each agreement binding the competent country to another. Pure
functions: no I/O.

The case state machine decides which message a case allows next: :func:`start_case`,
:func:`apply_step` and :func:`replay` fold :class:`CaseStep` values into a :class:`CaseState`
and raise :class:`~gateway.errors.CaseStateError` for a step the case does not allow;
:func:`overdue` lists the requests whose answer is late.
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
from ._machine import apply_step, overdue, replay, start_case
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
    "OPENING_DOCUMENT",
    "PRECEDENCE",
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
    "DocumentRecord",
    "InsurancePeriod",
    "LeftOutReason",
    "NotTotalized",
    "OpenRequest",
    "PeriodKind",
    "Tier",
    "TotalizingAgreement",
    "apply_step",
    "overdue",
    "periods_from_reply",
    "replay",
    "start_case",
    "theoretical_pro_rata",
    "totalize",
    "totalize_by_agreement",
]
