"""Reading a signed directory file into a :class:`Directory`, trusting only the authority."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from itertools import pairwise

from cryptography import x509
from lxml import etree

from gateway.codes import (
    Branch,
    InstitutionId,
    InvalidIdentifier,
    Principle,
    normalise_country,
    parse_institution_id,
)
from gateway.directory._model import (
    DEFAULT_SCHEMA_VERSIONS,
    Agreement,
    AgreementStage,
    CertificateEntry,
    Directory,
    Institution,
    InstitutionStatus,
    NetworkKind,
)
from gateway.directory._terms import (
    EVERYONE,
    PartyTerms,
    PersonalScope,
    PersonsCovered,
    PersonStatus,
    PostingExtension,
    Rule,
    Scheme,
)
from gateway.documents import (
    DIRECTORY_NAMESPACE,
    CaseType,
    ParseLimits,
    directory_schema,
    parse_untrusted,
    reparser,
    schema_issues,
)
from gateway.errors import DirectoryError, KeyMaterialError, SecurityError, ValidationFailed
from gateway.security import (
    KeyUse,
    check_authority,
    inspect_signature,
    read_certificate,
    verify_signed,
)

__all__ = ["DIRECTORY_LIMITS", "load_directory", "parse_directory_element"]

# A directory of 10,000 institutions with two certificates each is about 25 MB.
DIRECTORY_LIMITS = ParseLimits(max_bytes=128 * 1024 * 1024, max_depth=16, max_elements=4_000_000)

_D = f"{{{DIRECTORY_NAMESPACE}}}"

#: Stage values of directories signed before the ILO's eight steps were spelt out one by one;
#: the schema still accepts them so that those directories keep loading.
_DEPRECATED_STAGES = {
    "feasibility": AgreementStage.PRELIMINARY_DISCUSSIONS,
    "negotiating": AgreementStage.NEGOTIATIONS,
    "arrangement-concluded": AgreementStage.ADMINISTRATIVE_ARRANGEMENT,
}

#: Each stage's place in the lifecycle, the order a history must follow.
_STEP = {stage: place for place, stage in enumerate(AgreementStage)}


def load_directory(
    data: bytes, authority: x509.Certificate, *, at: dt.datetime | None = None
) -> Directory:
    """Verify the authority's signature on a directory file and read it.

    Raises :class:`DirectoryError` saying what is wrong; a directory that is not signed by
    ``authority`` is never read further.
    """
    moment = at or dt.datetime.now(dt.UTC)
    try:
        # Only the inspection reads this tree; verification parses the bytes again.
        unverified = parse_untrusted(data, DIRECTORY_LIMITS).getroot()
        check_authority(authority, moment)
        pending = inspect_signature(unverified, [authority])
        del unverified
        verified = verify_signed(data, pending, parser=reparser())
    except ValidationFailed as error:
        raise DirectoryError(f"the directory is not readable XML: {error.detail}") from None
    except SecurityError as error:
        raise DirectoryError(f"the directory's signature is not trusted: {error.detail}") from None
    return parse_directory_element(verified.root, authority)


def parse_directory_element(root: etree._Element, authority: x509.Certificate) -> Directory:
    """Read a directory element whose authenticity the caller has established."""
    issues = schema_issues(directory_schema(), etree.ElementTree(root))
    if issues:
        listed = "; ".join(str(issue) for issue in issues[:5])
        raise DirectoryError(f"the directory does not match its schema: {listed}")
    institutions: dict[InstitutionId, Institution] = {}
    folded: dict[str, InstitutionId] = {}
    for element in root.iterfind(f"{_D}Institutions/{_D}Institution"):
        institution = _institution(element)
        if institution.id in institutions:
            # GR:X and EL:X are one institution once normalised.
            raise DirectoryError(f"institution {institution.id} is listed twice")
        # Ids keep their case, but an operator reading DE:DRV70001 and DE:Drv70001 would take
        # them for one institution: such a pair is refused rather than told apart by case.
        twin = folded.setdefault(institution.id.casefold(), institution.id)
        if twin != institution.id:
            raise DirectoryError(
                f"institutions {twin} and {institution.id} differ only in the case of letters"
            )
        institutions[institution.id] = institution
    agreements = tuple(_agreement(e) for e in root.iterfind(f"{_D}Agreements/{_D}Agreement"))
    revoked = frozenset(
        str(e.get("sha256")) for e in root.iterfind(f"{_D}RevokedCertificates/{_D}Revoked")
    )
    return Directory(
        network=NetworkKind(root.get("network", "")),
        version=int(root.get("version", "0")),
        issued=dt.datetime.fromisoformat(str(root.get("issued"))),
        institutions=institutions,
        agreements=agreements,
        authority=authority,
        revoked=revoked,
    )


def _texts(element: etree._Element, path: str) -> list[str]:
    return [(node.text or "").strip() for node in element.iterfind(path)]


def _institution(element: etree._Element) -> Institution:
    raw_id = str(element.get("id"))
    try:
        institution_id = parse_institution_id(raw_id)
    except InvalidIdentifier as error:
        raise DirectoryError(f"institution {raw_id}: {error}") from None
    country = institution_id.split(":", 1)[0]
    if _country(str(element.get("country")), f"institution {institution_id}") != country:
        raise DirectoryError(
            f"institution {institution_id}: country {element.get('country')} differs from its id"
        )
    certificates: list[CertificateEntry] = []
    for node in element.iterfind(f"{_D}Certificate"):
        try:
            certificate = read_certificate(
                _base64(node.text or ""), f"a certificate of {institution_id}"
            )
        except KeyMaterialError as error:
            raise DirectoryError(error.detail) from None
        certificates.append(CertificateEntry.of(KeyUse(node.get("use", "")), certificate))
    return Institution(
        id=institution_id,
        name=(element.findtext(f"{_D}Name") or "").strip(),
        country=country,
        branches=frozenset(Branch(b) for b in _texts(element, f"{_D}Branches/{_D}Branch")),
        case_types=frozenset(CaseType(c) for c in _texts(element, f"{_D}CaseTypes/{_D}CaseType")),
        routing_key=str(element.get("routingKey")),
        status=InstitutionStatus(element.get("status", "active")),
        certificates=tuple(certificates),
        schema_versions=frozenset(_texts(element, f"{_D}SchemaVersions/{_D}Version"))
        or DEFAULT_SCHEMA_VERSIONS,
    )


def _base64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error:
        raise DirectoryError("a certificate in the directory is not valid base64") from None


def _country(code: str, where: str) -> str:
    try:
        return normalise_country(code)
    except InvalidIdentifier as error:
        raise DirectoryError(f"{where}: {error}") from None


def _agreement(element: etree._Element) -> Agreement:
    agreement_id = str(element.get("id"))
    scopes: dict[str, frozenset[Branch]] = {}
    terms: dict[str, PartyTerms] = {}
    for party in element.iterfind(f"{_D}Party"):
        country = _country(str(party.get("country")), f"agreement {agreement_id}")
        if country in scopes:
            raise DirectoryError(f"agreement {agreement_id} lists {country} twice")
        scopes[country] = frozenset(Branch(b) for b in _texts(party, f"{_D}Branch"))
        terms[country] = _party_terms(party)
    in_force = element.find(f"{_D}InForce")
    stage = _stage(element.get("stage", ""))
    if stage is AgreementStage.IN_FORCE and in_force is None:
        raise DirectoryError(f"agreement {agreement_id} is in force but has no InForce dates")
    start = dt.date.fromisoformat(str(in_force.get("from"))) if in_force is not None else None
    end_text = in_force.get("to") if in_force is not None else None
    end = dt.date.fromisoformat(end_text) if end_text else None
    if start is not None and end is not None and end < start:
        raise DirectoryError(f"agreement {agreement_id} ends before it starts")
    limit = element.findtext(f"{_D}PostingLimitMonths")
    extension = element.find(f"{_D}PostingExtension")
    return Agreement(
        id=agreement_id,
        title=(element.findtext(f"{_D}Title") or "").strip(),
        stage=stage,
        scopes=scopes,
        principles=frozenset(Principle(p) for p in _texts(element, f"{_D}Principle")),
        in_force_from=start,
        in_force_to=end,
        posting_limit_months=int(limit) if limit else None,
        notes=(element.findtext(f"{_D}Notes") or "").strip(),
        history=_history(element, agreement_id),
        terms=terms,
        posting_extension=(
            PostingExtension(int(str(extension.get("months")))) if extension is not None else None
        ),
        articles={
            Rule(str(node.get("rule"))): (node.text or "").strip()
            for node in element.iterfind(f"{_D}Article")
        },
    )


def _party_terms(party: etree._Element) -> PartyTerms:
    """A party's personal scope and the branches it covers for some persons only."""
    only_for = {
        Branch((node.text or "").strip()): frozenset(
            PersonStatus(status) for status in str(node.get("onlyFor")).split()
        )
        for node in party.iterfind(f"{_D}Branch")
        if node.get("onlyFor")
    }
    scope = party.find(f"{_D}PersonalScope")
    personal_scope = EVERYONE
    if scope is not None:
        personal_scope = PersonalScope(
            persons=PersonsCovered(scope.get("persons", PersonsCovered.ALL_PERSONS.value)),
            statuses=frozenset(PersonStatus(s) for s in _texts(scope, f"{_D}Status")),
            excluded_schemes=frozenset(Scheme(s) for s in _texts(scope, f"{_D}ExcludedScheme")),
        )
    return PartyTerms(personal_scope=personal_scope, only_for=only_for)


def _stage(value: str) -> AgreementStage:
    return _DEPRECATED_STAGES.get(value) or AgreementStage(value)


def _history(
    element: etree._Element, agreement_id: str
) -> tuple[tuple[AgreementStage, dt.date], ...]:
    """The agreement's stage changes, refused unless in step order and forward in time."""
    changes = tuple(
        (_stage(str(change.get("stage"))), dt.date.fromisoformat(str(change.get("date"))))
        for change in element.iterfind(f"{_D}History/{_D}Change")
    )
    for (before, since), (after, on) in pairwise(changes):
        # A suspension may be lifted; otherwise no stage is reached twice or out of turn.
        resumed = before is AgreementStage.SUSPENDED and after is AgreementStage.IN_FORCE
        if _STEP[after] <= _STEP[before] and not resumed:
            raise DirectoryError(
                f"agreement {agreement_id}: its history is out of step order, "
                f"'{after.value}' after '{before.value}'"
            )
        if on < since:
            raise DirectoryError(
                f"agreement {agreement_id}: its history reaches '{after.value}' on "
                f"{on.isoformat()}, before '{before.value}' on {since.isoformat()}"
            )
    return changes
