"""What the agreement policy answers: permitted, on which agreement and by which rules, or
refused, with the reason, the rule and the article."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from gateway.directory._model import Agreement
from gateway.directory._terms import Rule

__all__ = ["Applied", "Permitted", "PolicyDecision", "RefusalReason", "Refused"]


class RefusalReason(enum.StrEnum):
    UNKNOWN_INSTITUTION = "unknown-institution"
    SAME_INSTITUTION = "same-institution"
    INSTITUTION_NOT_ACTIVE = "institution-not-active"
    NOT_COMPETENT = "not-competent"
    NO_AGREEMENT = "no-agreement"
    AGREEMENT_NOT_IN_FORCE = "agreement-not-in-force"
    PRINCIPLE_NOT_COVERED = "principle-not-covered"
    BRANCH_NOT_COVERED = "branch-not-covered"
    SCHEMA_VERSION_NOT_TAKEN = "schema-version-not-taken"
    POSTING_LIMIT_EXCEEDED = "posting-limit-exceeded"
    OUTSIDE_PERSONAL_SCOPE = "outside-personal-scope"
    OUTSIDE_MATERIAL_SCOPE = "outside-material-scope"
    NOT_RECIPROCAL = "not-reciprocal"
    EXPORT_NOT_PROVIDED = "export-not-provided"
    UNEQUAL_TREATMENT = "unequal-treatment"


@dataclass(frozen=True, slots=True)
class Applied:
    """A rule of an agreement the policy applied, with the article the directory names for it
    ("" where it names none)."""

    rule: Rule
    article: str = ""

    @classmethod
    def of(cls, rule: Rule, agreement: Agreement) -> Applied:
        return cls(rule, agreement.articles.get(rule, ""))

    def __str__(self) -> str:
        return f"{self.rule.value} ({self.article})" if self.article else self.rule.value


@dataclass(frozen=True, slots=True)
class Permitted:
    """The exchange may take place; ``agreement`` is the one it rests on (None within a country
    or for case-level and technical documents).

    ``applied`` names the agreement's rules that held; ``unchecked`` the inputs a rule needed
    that were not known (a document that names no person's status is not held against a
    personal scope by status), in the words the policy uses for them.
    """

    agreement: Agreement | None
    applied: tuple[Applied, ...] = ()
    unchecked: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Refused:
    reason: RefusalReason
    detail: str
    #: The agreement's rule that refused and its article; None for refusals before any
    #: agreement is chosen (institutions, competence, no agreement usable).
    by: Applied | None = None

    def __bool__(self) -> bool:
        return False


PolicyDecision = Permitted | Refused
