"""The inputs of ``ssgw policy check``, read from its options into the policy's values: each
mistake is the asker's, one line naming the option (exit 2), never the policy's refusal."""

from __future__ import annotations

import datetime as dt

from gateway.codes import (
    Branch,
    InstitutionId,
    InvalidIdentifier,
    normalise_country,
    parse_institution_id,
)
from gateway.directory import DecisionFacts, ExchangeFacts, PersonStatus, Scheme
from gateway.documents import DocumentFamily, DocumentType, Posting
from gateway.errors import ConfigurationError

__all__ = [
    "MAX_POSTING_MONTHS",
    "OPTION_OF_INPUT",
    "branches_option",
    "document_type_option",
    "facts_options",
    "institution_option",
    "posting_options",
]

#: A century of posting is more than any agreement allows, and keeps the dates representable.
MAX_POSTING_MONTHS = 1200

#: The option that gives each input a rule of the policy may need (``Permitted.unchecked``).
OPTION_OF_INPUT = {
    "person status": "--person-status",
    "nationality": "--nationality",
    "decision result": "--result",
    "payment country": "--payment-country",
}


#: How an institution id is written (gateway.codes checks it).
_INSTITUTION_ID_SHAPE = (
    "a country code, a colon and 4 to 10 ASCII letters or digits, as in DE:DRV70001"
)

#: The families whose documents concern branches of social security: the policy checks the
#: branch against the agreement's material scope, so a question without one has no answer.
#: Coverage, case-level and technical documents concern none (see document_branches).
_BRANCHED = frozenset({DocumentFamily.PERIODS, DocumentFamily.CLAIMS})


def institution_option(option: str, text: str) -> InstitutionId:
    """A mistyped id is the asker's mistake, not the policy's refusal: only a well-formed id
    the directory does not list is an unknown institution."""
    try:
        return parse_institution_id(text)
    except InvalidIdentifier as error:
        detail = str(error)
        if _INSTITUTION_ID_SHAPE not in detail:  # well formed, but the country is unknown
            detail = (
                f"{text!r} is not an institution id: {detail}; expected {_INSTITUTION_ID_SHAPE}"
            )
        raise ConfigurationError(f"{option}: {detail}") from None


def document_type_option(name: str) -> DocumentType:
    try:
        return DocumentType.from_root_name(name)
    except KeyError:
        known = ", ".join(t.root_name for t in DocumentType)
        raise ConfigurationError(f"unknown document type {name!r} (known: {known})") from None


def branches_option(names: list[str], kind: DocumentType) -> frozenset[Branch]:
    known = ", ".join(b.value for b in Branch)
    try:
        branches = frozenset(Branch(name) for name in names)
    except ValueError:
        raise ConfigurationError(f"unknown branch in {names} (known: {known})") from None
    if not branches and kind.family in _BRANCHED:
        raise ConfigurationError(
            f"--branch is needed: {kind.root_name} documents concern a branch of social "
            f"security, which the agreement must cover (known: {known})"
        )
    return branches


def posting_options(
    kind: DocumentType,
    months: int | None,
    earlier_months: int,
    day: dt.date,
    *,
    extension_agreed: bool,
) -> Posting | None:
    """The posting asked about (see ``_posting``), with the extension both institutions agreed
    on where the asker says so."""
    posting = _posting(kind, months, earlier_months, day)
    if posting is None:
        if extension_agreed:
            raise ConfigurationError("--extension-agreed needs --posting-months")
        return None
    return Posting(posting.start, posting.end, posting.earlier, extension_agreed=extension_agreed)


def _posting(
    kind: DocumentType, months: int | None, earlier_months: int, day: dt.date
) -> Posting | None:
    """The posting asked about: ``months`` from the first of ``day``'s month, after
    ``earlier_months`` of earlier posting that run up to it. Whole calendar months from a
    first day are exact, whatever the months' lengths."""
    if months is None:
        if earlier_months:
            raise ConfigurationError("--earlier-months needs --posting-months")
        return None
    if kind is not DocumentType.COVERAGE_CERTIFICATE:
        raise ConfigurationError(
            "--posting-months asks about a posting, which a CoverageCertificate certifies or "
            f"notifies, not a {kind.root_name}"
        )
    try:
        start = _month_start(day, 0)
        end = _month_start(day, months) - dt.timedelta(days=1)
        earlier_start = _month_start(day, -earlier_months)
    except ValueError:
        raise ConfigurationError(
            f"--posting-months: {months} months from {day.isoformat()} run past the calendar"
        ) from None
    earlier = ((earlier_start, start - dt.timedelta(days=1)),) if earlier_months else ()
    return Posting(start=start, end=end, earlier=earlier)


def _month_start(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after ``day``'s (before it when negative)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month_index + 1, 1)


def facts_options(
    kind: DocumentType,
    *,
    statuses: list[str],
    nationalities: list[str],
    schemes: list[str],
    result: str | None,
    payment_country: str | None,
    refused_on: list[str],
) -> ExchangeFacts:
    """What the asker says of the person and the decision; what is not said stays unknown."""
    return ExchangeFacts(
        statuses=_statuses(statuses),
        nationalities=frozenset(_country("--nationality", c) for c in nationalities) or None,
        schemes=_schemes(schemes),
        decision=_decision(kind, result, payment_country, refused_on),
    )


def _statuses(names: list[str]) -> frozenset[PersonStatus] | None:
    try:
        return frozenset(PersonStatus(name) for name in names) or None
    except ValueError:
        known = ", ".join(s.value for s in PersonStatus)
        raise ConfigurationError(f"--person-status: unknown in {names} (known: {known})") from None


def _schemes(names: list[str]) -> frozenset[Scheme]:
    try:
        return frozenset(Scheme(name) for name in names)
    except ValueError:
        known = ", ".join(s.value for s in Scheme)
        raise ConfigurationError(f"--scheme: unknown in {names} (known: {known})") from None


def _country(option: str, code: str) -> str:
    try:
        return normalise_country(code)
    except InvalidIdentifier as error:
        raise ConfigurationError(f"{option}: {error}") from None


_RESULTS = {"granted": True, "refused": False}


def _decision(
    kind: DocumentType, result: str | None, payment_country: str | None, refused_on: list[str]
) -> DecisionFacts | None:
    """The decision asked about; only a BenefitDecision carries one."""
    if result is None:
        if payment_country or refused_on:
            raise ConfigurationError("--payment-country and --refused-on need --result")
        return None
    if kind is not DocumentType.BENEFIT_DECISION:
        raise ConfigurationError(f"--result is for a BenefitDecision, not a {kind.root_name}")
    if result not in _RESULTS:
        raise ConfigurationError(f"--result: {result!r} is not granted or refused")
    granted = _RESULTS[result]
    if granted and refused_on:
        raise ConfigurationError("--refused-on is for a decision that refuses: --result refused")
    if not granted and payment_country:
        raise ConfigurationError("--payment-country is for a benefit granted: --result granted")
    return DecisionFacts(
        granted=granted,
        payment_country=_country("--payment-country", payment_country) if payment_country else None,
        refused_on=frozenset(refused_on),
    )
