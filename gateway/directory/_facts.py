"""What the policy holds against an agreement beyond the document's type and branches: what
the document says about the person and, for a benefit decision, what it decides.

``None`` means the document says nothing of it; the rule that needs it is then not applied,
and the decision says so (``Permitted.unchecked``).
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.directory._terms import PersonStatus, Scheme

__all__ = ["NATIONALITY_GROUND", "DecisionFacts", "ExchangeFacts"]

#: The ground of a refusal on the person's nationality.
NATIONALITY_GROUND = "nationality"


@dataclass(frozen=True, slots=True)
class DecisionFacts:
    """A benefit decision: granted or refused, the country a granted benefit is paid to (None:
    not said) and the grounds of a refusal (reason codes)."""

    granted: bool
    payment_country: str | None = None
    refused_on: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ExchangeFacts:
    """What a document says about the person it concerns and the decision it carries."""

    statuses: frozenset[PersonStatus] | None = None
    nationalities: frozenset[str] | None = None
    schemes: frozenset[Scheme] = frozenset()
    decision: DecisionFacts | None = None


#: A document that says nothing the policy holds against an agreement.
NO_FACTS = ExchangeFacts()
