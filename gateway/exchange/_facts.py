"""What a validated document says that the agreement policy holds against the agreement's
terms (``ExchangeFacts``): the person's statuses, nationalities and schemes, and what a benefit
decision decides.

Only what the document names is read; what it leaves out stays unknown, and the rules that
need it are not applied to it:

- statuses: 2.0 coverage requests and certificates (``WorkerStatus``); no other document
  names one;
- nationalities: the ``Nationality`` of the person a document concerns (the worker, the
  claimant, the person of a decision or of a periods document);
- schemes: the ``Scheme`` of the periods a periods document lists;
- a benefit decision: its ``Result``, the country of the person's residence address (where a
  granted benefit is paid) and the codes of its reasons.
"""

from __future__ import annotations

from lxml import etree

from gateway.codes import normalise_country
from gateway.directory import DecisionFacts, ExchangeFacts, PersonStatus, Scheme
from gateway.documents import COMMON_NAMESPACE, DocumentType, ValidatedDocument

__all__ = ["facts_of"]

_C = f"{{{COMMON_NAMESPACE}}}"
#: The element naming the person a document concerns, in each family's namespace.
_PERSON_ELEMENTS = ("Worker", "Claimant", "Person")


def facts_of(document: ValidatedDocument) -> ExchangeFacts:
    """The facts ``document`` gives the policy."""
    root = document.root
    ns = f"{{{document.document_type.family.namespace}}}"
    statuses = frozenset(PersonStatus(t) for t in _texts(root, f"{ns}WorkerStatus"))
    person = next(
        (found for name in _PERSON_ELEMENTS if (found := root.find(ns + name)) is not None),
        None,
    )
    nationalities = _countries(_texts(person, f"{_C}Nationality")) if person is not None else ()
    return ExchangeFacts(
        statuses=statuses or None,
        nationalities=frozenset(nationalities) or None,
        schemes=frozenset(Scheme(t) for t in _texts(root, f".//{ns}Scheme")),
        decision=_decision(root, ns, person)
        if document.document_type is DocumentType.BENEFIT_DECISION
        else None,
    )


def _texts(element: etree._Element, path: str) -> list[str]:
    return [(node.text or "").strip() for node in element.iterfind(path)]


def _countries(codes: list[str]) -> list[str]:
    """The codes in the network's spelling (EL, UK); a validated document has no unknown code
    (the business rules refuse one)."""
    return [normalise_country(code) for code in codes]


def _decision(root: etree._Element, ns: str, person: etree._Element | None) -> DecisionFacts:
    residence = (
        person.find(f"{_C}Address[@kind='residence']/{_C}Country") if person is not None else None
    )
    paid_to = _countries([(residence.text or "").strip()]) if residence is not None else []
    return DecisionFacts(
        granted=(root.findtext(f"{ns}Result") or "").strip() == "granted",
        payment_country=paid_to[0] if paid_to else None,
        refused_on=frozenset(_texts(root, f"{ns}Reason/{ns}Code")),
    )
