"""The agreement policy: may an institution send a document to another, and if not, why.

A document may cross a border only when an agreement between the two countries is usable on
that day (in force; on a test network also once its administrative arrangement is concluded),
contains the principle the exchange rests on, and covers the document's branch in the material
scope of the party that must act on it. Both institutions must be active, handle the case type,
and the acting institution must be competent for the branch. Exchanges within one country rest
on national law, not on an agreement, so only the institution checks apply to them.

Case-level documents (closure, reminder, forward) and technical ones (receipt, rejection) rest
on no agreement: they act on a case or a message the policy already let through, so only the
two institutions are checked. Who may send them in a case is the case state machine's question.

The agreement the exchange rests on then applies its own terms (``_agreement_rules``): whom
it covers, reciprocity, export of benefits, equality of treatment, and the posting limit of a
certificate or notification of a posting. The signed directory is the only source of those
terms: an agreement that gives none sets none here.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from gateway.codes import Branch, InvalidIdentifier, Principle, parse_institution_id
from gateway.directory._agreement_rules import Exchange, agreement_terms_decision
from gateway.directory._decision import Applied, Permitted, PolicyDecision, RefusalReason, Refused
from gateway.directory._facts import NO_FACTS, ExchangeFacts
from gateway.directory._model import (
    Agreement,
    AgreementStage,
    Directory,
    Institution,
    InstitutionStatus,
    NetworkKind,
)
from gateway.directory._terms import Rule
from gateway.documents import CaseType, DocumentFamily, DocumentType, Posting

__all__ = ["ActingParty", "ExchangeRule", "decide", "exchange_rule"]


class ActingParty(enum.Enum):
    """Whose legislation the document's branch must fall under: the one that must act on it."""

    SENDER = "sender"
    RECIPIENT = "recipient"


@dataclass(frozen=True, slots=True)
class ExchangeRule:
    """The principle an exchange rests on, or failing it ``alternative``, and the party whose
    legislation must cover its branches."""

    principle: Principle
    acting: ActingParty
    alternative: Principle | None = None

    def rests_on(self, principles: frozenset[Principle]) -> bool:
        return self.principle in principles or self.alternative in principles


_RULES: dict[DocumentType, ExchangeRule] = {
    # The requester totalizes the periods for a benefit under its own legislation; without
    # totalization, administrative assistance still lets it ask for them (to establish facts
    # under its own legislation alone).
    DocumentType.INSURANCE_PERIODS_REQUEST: ExchangeRule(
        Principle.TOTALIZATION, ActingParty.SENDER, Principle.ADMINISTRATIVE_ASSISTANCE
    ),
    DocumentType.INSURANCE_PERIODS_REPLY: ExchangeRule(
        Principle.TOTALIZATION, ActingParty.RECIPIENT, Principle.ADMINISTRATIVE_ASSISTANCE
    ),
    # A claim goes to the institution that must pay; it acknowledges and decides.
    DocumentType.BENEFIT_CLAIM: ExchangeRule(Principle.TOTALIZATION, ActingParty.RECIPIENT),
    DocumentType.BENEFIT_CLAIM_ACKNOWLEDGEMENT: ExchangeRule(
        Principle.TOTALIZATION, ActingParty.SENDER
    ),
    DocumentType.BENEFIT_DECISION: ExchangeRule(Principle.TOTALIZATION, ActingParty.SENDER),
    # Coverage is about the legislation as a whole; the certifying party acts.
    DocumentType.COVERAGE_REQUEST: ExchangeRule(
        Principle.APPLICABLE_LEGISLATION, ActingParty.RECIPIENT
    ),
    DocumentType.COVERAGE_CERTIFICATE: ExchangeRule(
        Principle.APPLICABLE_LEGISLATION, ActingParty.SENDER
    ),
    DocumentType.COVERAGE_REFUSAL: ExchangeRule(
        Principle.APPLICABLE_LEGISLATION, ActingParty.SENDER
    ),
    # Only the institution that issued a certificate withdraws it.
    DocumentType.COVERAGE_WITHDRAWAL: ExchangeRule(
        Principle.APPLICABLE_LEGISLATION, ActingParty.SENDER
    ),
}


def exchange_rule(document_type: DocumentType) -> ExchangeRule | None:
    """The rule a business document type is checked by; None for case-level and technical
    documents, which need no agreement."""
    return _RULES.get(document_type)


def _branches_text(branches: Iterable[Branch]) -> str:
    return ", ".join(sorted(b.value for b in branches))


def _usable(agreement: Agreement, network: NetworkKind, day: dt.date) -> str | None:
    """None when the agreement may carry traffic on ``day``, otherwise why not."""
    if agreement.stage is AgreementStage.IN_FORCE:
        if agreement.applies_on(day):
            return None
        if agreement.in_force_from and day < agreement.in_force_from:
            return f"{agreement.id} enters into force on {agreement.in_force_from.isoformat()}"
        return f"{agreement.id} ceased to apply on {agreement.in_force_to}"
    stage = agreement.stage
    if stage is AgreementStage.ADMINISTRATIVE_ARRANGEMENT:
        if network is NetworkKind.TEST:
            return None
        return (
            f"{agreement.id} is at stage '{stage.value}', not in force: it may carry test "
            "traffic only"
        )
    if stage in (AgreementStage.SUSPENDED, AgreementStage.TERMINATED):
        # Its dates may still cover the day: the stage alone stops the traffic.
        return f"{agreement.id} is at stage '{stage.value}': it carries no traffic"
    return f"{agreement.id} is at stage '{stage.value}', not in force"


def _check_institution(directory: Directory, institution_id: str) -> Institution | Refused:
    try:
        normalised = parse_institution_id(institution_id)
    except InvalidIdentifier as error:
        return Refused(RefusalReason.UNKNOWN_INSTITUTION, str(error))
    institution = directory.institutions.get(normalised)
    if institution is None:
        return Refused(
            RefusalReason.UNKNOWN_INSTITUTION,
            f"{institution_id} is not an institution of this network",
        )
    if institution.status is not InstitutionStatus.ACTIVE:
        return Refused(
            RefusalReason.INSTITUTION_NOT_ACTIVE,
            f"{institution_id} is {institution.status.value} in the directory",
        )
    return institution


def decide(
    directory: Directory,
    *,
    sender: str,
    recipient: str,
    document_type: DocumentType,
    schema_version: str,
    branches: frozenset[Branch],
    on: dt.date,
    posting: Posting | None = None,
    facts: ExchangeFacts = NO_FACTS,
) -> PolicyDecision:
    """May ``sender`` send ``document_type`` of ``schema_version`` for ``branches`` to
    ``recipient`` on day ``on``?

    ``posting`` is the posting the document certifies or notifies (``posting_of``), held
    against the posting limit of the agreement the exchange rests on; ``facts`` what the
    document says about the person and its decision, held against the agreement's terms.
    """
    parties = _parties(directory, sender, recipient, document_type, schema_version)
    if isinstance(parties, Refused):
        return parties
    sending, receiving = parties
    rule = exchange_rule(document_type)
    case_type = document_type.case_type
    if rule is None or case_type is None:
        return Permitted(agreement=None)
    acting = sending if rule.acting is ActingParty.SENDER else receiving
    incompetent = _competence_refusal(sending, receiving, acting, case_type, branches)
    if incompetent is not None:
        return incompetent
    if sending.country == receiving.country:
        return Permitted(agreement=None)
    decision = _agreement_decision(
        directory,
        sending=sending,
        receiving=receiving,
        acting=acting,
        document_type=document_type,
        rule=rule,
        branches=branches,
        on=on,
    )
    if isinstance(decision, Refused) or decision.agreement is None:
        return decision
    other = receiving if acting is sending else sending
    return agreement_terms_decision(
        Exchange(
            agreement=decision.agreement,
            document_type=document_type,
            branches=branches,
            acting_country=acting.country,
            other_country=other.country,
            facts=facts,
            posting=posting,
        )
    )


def _parties(
    directory: Directory,
    sender: str,
    recipient: str,
    document_type: DocumentType,
    schema_version: str,
) -> tuple[Institution, Institution] | Refused:
    """The two institutions, active and distinct, the recipient taking the schema version."""
    checked = [_check_institution(directory, sender), _check_institution(directory, recipient)]
    for result in checked:
        if isinstance(result, Refused):
            return result
    sending, receiving = checked
    assert isinstance(sending, Institution) and isinstance(receiving, Institution)
    if sending.id == receiving.id:
        return Refused(
            RefusalReason.SAME_INSTITUTION, f"{sending.id} cannot send a document to itself"
        )
    # Receipts and rejections are read by the receiving node itself, which knows every
    # version; what a back-office takes binds the documents that reach it.
    if document_type.family is not DocumentFamily.TECHNICAL and not receiving.takes(schema_version):
        taken = ", ".join(sorted(receiving.schema_versions))
        return Refused(
            RefusalReason.SCHEMA_VERSION_NOT_TAKEN,
            f"{receiving.id} takes documents of schema version {taken}, not {schema_version}",
        )
    return sending, receiving


def _competence_refusal(
    sending: Institution,
    receiving: Institution,
    acting: Institution,
    case_type: CaseType,
    branches: frozenset[Branch],
) -> Refused | None:
    """Why the institutions may not exchange a business document, or None if they may."""
    for institution in (sending, receiving):
        if not institution.handles(case_type):
            return Refused(
                RefusalReason.NOT_COMPETENT,
                f"{institution.id} does not handle {case_type.value} cases",
            )
    outside_competence = branches - acting.branches
    if outside_competence:
        return Refused(
            RefusalReason.NOT_COMPETENT,
            f"{acting.id} is not competent for {_branches_text(outside_competence)}",
        )
    return None


def _agreement_decision(
    directory: Directory,
    *,
    sending: Institution,
    receiving: Institution,
    acting: Institution,
    document_type: DocumentType,
    rule: ExchangeRule,
    branches: frozenset[Branch],
    on: dt.date,
) -> PolicyDecision:
    """Permitted on the first agreement between the two countries that carries the exchange;
    else refused, for the first usable agreement's reason or because none is usable."""
    agreements = directory.agreements_between(sending.country, receiving.country)
    if not agreements:
        return Refused(
            RefusalReason.NO_AGREEMENT,
            f"no social security agreement binds {sending.country} and {receiving.country}",
        )
    not_usable: list[str] = []
    refusals: list[Refused] = []
    for agreement in agreements:
        why_not = _usable(agreement, directory.network, on)
        if why_not is not None:
            not_usable.append(why_not)
            continue
        refused = _scope_refusal(agreement, rule, document_type, branches, acting.country)
        if refused is None:
            return Permitted(agreement=agreement)
        refusals.append(refused)
    if refusals:
        return refusals[0]
    return Refused(
        RefusalReason.AGREEMENT_NOT_IN_FORCE,
        f"no agreement between {sending.country} and {receiving.country} applies on "
        f"{on.isoformat()}: " + "; ".join(not_usable),
    )


def _scope_refusal(
    agreement: Agreement,
    rule: ExchangeRule,
    document_type: DocumentType,
    branches: frozenset[Branch],
    acting_country: str,
) -> Refused | None:
    """Why a usable agreement does not carry the exchange, or None if it does."""
    if not rule.rests_on(agreement.principles):
        wanted = f"'{rule.principle.value}'"
        if rule.alternative is not None:
            wanted += f" or '{rule.alternative.value}'"
        return Refused(
            RefusalReason.PRINCIPLE_NOT_COVERED,
            f"{agreement.id} does not contain the principle {wanted} "
            f"that a {document_type.root_name} rests on",
            Applied.of(Rule.PRINCIPLE, agreement),
        )
    uncovered = branches - agreement.scopes[acting_country]
    if uncovered:
        return Refused(
            RefusalReason.BRANCH_NOT_COVERED,
            f"{_branches_text(uncovered)} is outside the material scope of "
            f"{agreement.id} for {acting_country}",
            Applied.of(Rule.MATERIAL_SCOPE, agreement),
        )
    return None
