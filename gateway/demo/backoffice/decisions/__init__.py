"""What the reference back-office answers to each document: pure functions, no I/O.

Each takes the institution's :class:`~gateway.demo.backoffice.register.Register`, the
incoming document (or what was read from it) and the signed directory, and returns the
outgoing document with what it says. Periods (:mod:`._periods`): the reply to a periods
request, and whom to ask for the periods a claim needs. Claims (:mod:`._claims`): the
acknowledgement, and the pro-rata decision once the periods are in. Coverage
(:mod:`._coverage`): a posting certified within the limit of the agreement that applies, or
refused. The rules and their simplifications are in ``docs/demo.md``.
"""

from __future__ import annotations

from gateway.demo.backoffice.decisions._claims import (
    DECISION_WITHIN,
    Calculation,
    ClaimDecision,
    acknowledge_claim,
    as_of_day,
    decide_claim,
    effective_from,
)
from gateway.demo.backoffice.decisions._common import (
    EU_REGULATION,
    local_case_number,
    months_touched,
)
from gateway.demo.backoffice.decisions._coverage import (
    DEFAULT_POSTING_LIMIT_MONTHS,
    CoverageDecision,
    PostingRule,
    certificate_number,
    decide_coverage,
    posting_rule,
)
from gateway.demo.backoffice.decisions._periods import (
    PeriodsPlan,
    PlannedRequest,
    answer_periods_request,
    plan_periods_requests,
    request_periods,
)

__all__ = [
    "DECISION_WITHIN",
    "DEFAULT_POSTING_LIMIT_MONTHS",
    "EU_REGULATION",
    "Calculation",
    "ClaimDecision",
    "CoverageDecision",
    "PeriodsPlan",
    "PlannedRequest",
    "PostingRule",
    "acknowledge_claim",
    "answer_periods_request",
    "as_of_day",
    "certificate_number",
    "decide_claim",
    "decide_coverage",
    "effective_from",
    "local_case_number",
    "months_touched",
    "plan_periods_requests",
    "posting_rule",
    "request_periods",
]
