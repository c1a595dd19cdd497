"""The rules an agreement applies to an exchange once it carries it (principle and branches):
whom it covers, branches it covers for some persons only, reciprocity, export of benefits,
equality of treatment, and the posting limit with its extension.

Each rule answers one of: it does not concern this exchange, it held, it needed an input the
document does not give (the rule is then not applied, and the decision names the input), or a
refusal naming the rule and the agreement's article.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from gateway.codes import Branch, Principle
from gateway.directory._decision import Applied, Permitted, RefusalReason, Refused
from gateway.directory._facts import NATIONALITY_GROUND, ExchangeFacts
from gateway.directory._model import Agreement
from gateway.directory._terms import EVERYONE, PersonalScope, PersonsCovered, Rule
from gateway.documents import DocumentType, Posting

__all__ = ["Exchange", "agreement_terms_decision", "posting_limit_refusal"]


class Outcome(enum.Enum):
    NOT_CONCERNED = "not-concerned"
    HELD = "held"


@dataclass(frozen=True, slots=True)
class Unknown:
    """The rule needs inputs the document does not give."""

    needs: tuple[str, ...]


Check = Outcome | Unknown | Refused


@dataclass(frozen=True, slots=True)
class Exchange:
    """The exchange an agreement carries, as its rules see it."""

    agreement: Agreement
    document_type: DocumentType
    branches: frozenset[Branch]
    acting_country: str
    other_country: str
    facts: ExchangeFacts
    posting: Posting | None


def agreement_terms_decision(exchange: Exchange) -> Permitted | Refused:
    """Permitted on ``exchange.agreement`` when each of its rules holds or lacks an input;
    refused by the first that does not hold."""
    agreement = exchange.agreement
    applied = [Applied.of(Rule.PRINCIPLE, agreement), Applied.of(Rule.MATERIAL_SCOPE, agreement)]
    unchecked: list[str] = []
    for rule, check in (
        (Rule.PERSONAL_SCOPE, _personal_scope),
        (Rule.MATERIAL_SCOPE, _branches_for_some),
        (Rule.RECIPROCITY, _reciprocity),
        (Rule.EXPORT_OF_BENEFITS, _export),
        (Rule.EQUALITY_OF_TREATMENT, _equality),
        (Rule.POSTING_LIMIT, _posting_limit),
        (Rule.POSTING_EXTENSION, _posting_extension),
    ):
        outcome = check(exchange)
        if isinstance(outcome, Refused):
            return outcome
        if isinstance(outcome, Unknown):
            unchecked.extend(outcome.needs)
        elif outcome is Outcome.HELD and Applied.of(rule, agreement) not in applied:
            applied.append(Applied.of(rule, agreement))
    return Permitted(agreement, tuple(applied), tuple(dict.fromkeys(unchecked)))


def _listed(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


def _scope_text(scope: PersonalScope) -> str:
    parts = []
    if scope.persons is PersonsCovered.NATIONALS:
        parts.append("nationals of the parties only")
    if scope.statuses:
        parts.append(f"persons who are {_listed(scope.statuses)} only")
    if scope.excluded_schemes:
        parts.append(f"no one in the {_listed(scope.excluded_schemes)} scheme")
    return "; ".join(parts)


def _personal_scope(exchange: Exchange) -> Check:
    """The person must be within the acting party's personal scope: nationality, status and
    the schemes the agreement excludes."""
    agreement, facts = exchange.agreement, exchange.facts
    scope = agreement.terms_of(exchange.acting_country).personal_scope
    if scope == EVERYONE:
        return Outcome.NOT_CONCERNED
    outside = f"outside the personal scope of {agreement.id} for {exchange.acting_country}"
    why = f"{outside}, which covers {_scope_text(scope)}"
    by = Applied.of(Rule.PERSONAL_SCOPE, agreement)
    needs: list[str] = []
    if scope.persons is PersonsCovered.NATIONALS:
        if facts.nationalities is None:
            needs.append("nationality")
        elif not facts.nationalities & agreement.parties:
            found = _listed(facts.nationalities)
            return Refused(
                RefusalReason.OUTSIDE_PERSONAL_SCOPE, f"a national of {found} is {why}", by
            )
    if scope.statuses or scope.excluded_schemes:
        if facts.statuses is None:
            needs.append("person status")
        else:
            uncovered = [status for status in facts.statuses if not scope.covers(status)]
            if uncovered:
                return Refused(
                    RefusalReason.OUTSIDE_PERSONAL_SCOPE,
                    f"a person who is {_listed(uncovered)} is {why}",
                    by,
                )
    excluded = facts.schemes & scope.excluded_schemes
    if excluded:
        return Refused(
            RefusalReason.OUTSIDE_PERSONAL_SCOPE,
            f"periods of the {_listed(excluded)} scheme are {why}",
            by,
        )
    return Unknown(tuple(needs)) if needs else Outcome.HELD


def _branches_for_some(exchange: Exchange) -> Check:
    """A branch the acting party covers only for persons of some statuses (medical care for
    pensioners only) is carried only for such a person."""
    agreement = exchange.agreement
    only_for = agreement.terms_of(exchange.acting_country).only_for
    restricted = sorted(branch for branch in exchange.branches if branch in only_for)
    if not restricted:
        return Outcome.NOT_CONCERNED
    statuses = exchange.facts.statuses
    if statuses is None:
        return Unknown(("person status",))
    for branch in restricted:
        if not statuses & only_for[branch]:
            return Refused(
                RefusalReason.OUTSIDE_MATERIAL_SCOPE,
                f"{agreement.id} covers {branch.value} for {exchange.acting_country} only for "
                f"persons who are {_listed(only_for[branch])}, and the person is "
                f"{_listed(statuses) or 'of no status named'}",
                Applied.of(Rule.MATERIAL_SCOPE, agreement),
            )
    return Outcome.HELD


def _reciprocity(exchange: Exchange) -> Check:
    """Under reciprocity a party grants only what the other grants in return: the branches
    must be in both parties' material scopes."""
    agreement = exchange.agreement
    if Principle.RECIPROCITY not in agreement.principles:
        return Outcome.NOT_CONCERNED
    one_sided = exchange.branches - agreement.scopes[exchange.other_country]
    if one_sided:
        return Refused(
            RefusalReason.NOT_RECIPROCAL,
            f"{agreement.id} rests on reciprocity, and {_listed(one_sided)} is covered for "
            f"{exchange.acting_country} but not for {exchange.other_country}",
            Applied.of(Rule.RECIPROCITY, agreement),
        )
    return Outcome.HELD


def _export(exchange: Exchange) -> Check:
    """A decision granting a benefit paid to another country than the paying party's needs
    the principle of export of benefits."""
    if exchange.document_type is not DocumentType.BENEFIT_DECISION:
        return Outcome.NOT_CONCERNED
    decision = exchange.facts.decision
    if decision is None:
        return Unknown(("decision result",))
    if not decision.granted:
        return Outcome.NOT_CONCERNED
    if decision.payment_country is None:
        return Unknown(("payment country",))
    paying = exchange.acting_country
    if decision.payment_country == paying:
        return Outcome.NOT_CONCERNED
    agreement = exchange.agreement
    if Principle.EXPORT_OF_BENEFITS not in agreement.principles:
        return Refused(
            RefusalReason.EXPORT_NOT_PROVIDED,
            f"a benefit {paying} pays to {decision.payment_country} is paid abroad, and "
            f"{agreement.id} does not contain the principle 'export-of-benefits'",
            Applied.of(Rule.EXPORT_OF_BENEFITS, agreement),
        )
    return Outcome.HELD


def _equality(exchange: Exchange) -> Check:
    """Under equality of treatment a benefit may not be refused on nationality alone."""
    agreement = exchange.agreement
    if (
        exchange.document_type is not DocumentType.BENEFIT_DECISION
        or Principle.EQUALITY_OF_TREATMENT not in agreement.principles
    ):
        return Outcome.NOT_CONCERNED
    decision = exchange.facts.decision
    if decision is None:
        return Unknown(("decision result",))
    if decision.granted:
        return Outcome.NOT_CONCERNED
    if decision.refused_on == {NATIONALITY_GROUND}:
        return Refused(
            RefusalReason.UNEQUAL_TREATMENT,
            f"{agreement.id} contains equality of treatment: a benefit may not be refused on "
            "the person's nationality alone",
            Applied.of(Rule.EQUALITY_OF_TREATMENT, agreement),
        )
    return Outcome.HELD


def _posting_limit(exchange: Exchange) -> Check:
    agreement, posting = exchange.agreement, exchange.posting
    if posting is None or not agreement.posting_limit_months:
        return Outcome.NOT_CONCERNED
    extension = agreement.posting_extension
    refused = posting_limit_refusal(
        posting,
        limit_months=agreement.posting_limit_months,
        agreement_id=agreement.id,
        extension_months=extension.months if extension else None,
    )
    if refused is not None:
        return Refused(refused.reason, refused.detail, Applied.of(Rule.POSTING_LIMIT, agreement))
    return Outcome.HELD


def _posting_extension(exchange: Exchange) -> Check:
    """Held when the posting limit let a posting longer than the limit through: only an
    agreed extension does."""
    agreement, posting = exchange.agreement, exchange.posting
    total = posting.total_length if posting is not None else None
    limit = agreement.posting_limit_months
    if total is None or not limit or not total.exceeds(limit):
        return Outcome.NOT_CONCERNED
    return Outcome.HELD


def posting_limit_refusal(
    posting: Posting,
    *,
    limit_months: int,
    agreement_id: str,
    extension_months: int | None = None,
) -> Refused | None:
    """Why ``posting`` is longer than the ``limit_months`` of agreement ``agreement_id``
    allow, or None when it is not.

    The earlier postings that continue into this one (``Posting.counted_earlier``) count with
    it. A posting without an end has no length to hold against the limit: a certificate of a
    posting must state its last day, so it is refused too. Where the agreement allows an
    extension of ``extension_months``, a posting within the limit and the extension is
    permitted when both institutions agreed to it (``Posting.extension_agreed``).
    """
    total = posting.total_length
    limit = f"the {limit_months} months of agreement {agreement_id}"
    if total is None:
        return Refused(
            RefusalReason.POSTING_LIMIT_EXCEEDED,
            f"a posting without an end cannot be held within {limit}: it must state its last day",
        )
    if not total.exceeds(limit_months):
        return None
    extendable = extension_months is not None and not total.exceeds(limit_months + extension_months)
    if extendable and posting.extension_agreed:
        return None
    found = f"a posting of {posting.length}"
    if posting.counted_earlier:
        found += f" after earlier postings of {posting.earlier_length}, {total} in all,"
    detail = f"{found} exceeds {limit}"
    if extendable:
        detail += (
            f", which both institutions may extend by up to {extension_months} months: "
            "no such extension is agreed"
        )
    return Refused(RefusalReason.POSTING_LIMIT_EXCEEDED, detail)
