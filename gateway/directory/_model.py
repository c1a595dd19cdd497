"""The network directory as immutable values: institutions, agreements, revocations."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from cryptography import x509

from gateway.codes import Branch, InstitutionId, Principle
from gateway.directory._terms import NO_TERMS, PartyTerms, PostingExtension, Rule
from gateway.documents import CaseType
from gateway.errors import CertificateUntrusted, UnknownInstitution
from gateway.security import KeyUse, certificate_fingerprint, check_institution_certificate

__all__ = [
    "DEFAULT_SCHEMA_VERSIONS",
    "Agreement",
    "AgreementStage",
    "CertificateEntry",
    "Directory",
    "Institution",
    "InstitutionStatus",
    "NetworkKind",
]


#: What an institution that names no schema versions takes: the directory predates 2.0.
DEFAULT_SCHEMA_VERSIONS = frozenset({"1.0"})


class NetworkKind(enum.StrEnum):
    PRODUCTION = "production"
    TEST = "test"


class InstitutionStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


class AgreementStage(enum.StrEnum):
    """Where an agreement stands: the ILO's eight steps in order, then suspended and
    terminated. Only ``IN_FORCE`` carries production traffic; ``ADMINISTRATIVE_ARRANGEMENT``
    may carry test traffic on a test network."""

    PRELIMINARY_DISCUSSIONS = "preliminary-discussions"
    INITIAL_DRAFT = "initial-draft"
    NEGOTIATIONS = "negotiations"
    TEXT_REVIEW = "text-review"
    SIGNED = "signed"
    APPROVED = "approved"
    ADMINISTRATIVE_ARRANGEMENT = "administrative-arrangement"
    IN_FORCE = "in-force"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


@dataclass(frozen=True, slots=True)
class CertificateEntry:
    use: KeyUse
    certificate: x509.Certificate
    fingerprint: str

    @classmethod
    def of(cls, use: KeyUse, certificate: x509.Certificate) -> CertificateEntry:
        return cls(use, certificate, certificate_fingerprint(certificate))


@dataclass(frozen=True, slots=True)
class Institution:
    id: InstitutionId
    name: str
    country: str
    branches: frozenset[Branch]
    case_types: frozenset[CaseType]
    routing_key: str
    status: InstitutionStatus = InstitutionStatus.ACTIVE
    certificates: tuple[CertificateEntry, ...] = ()
    schema_versions: frozenset[str] = DEFAULT_SCHEMA_VERSIONS

    def handles(self, case_type: CaseType) -> bool:
        return case_type in self.case_types

    def takes(self, schema_version: str) -> bool:
        """Whether the institution's back-office takes business documents of this version."""
        return schema_version in self.schema_versions


@dataclass(frozen=True, slots=True)
class Agreement:
    id: str
    title: str
    stage: AgreementStage
    scopes: Mapping[str, frozenset[Branch]]
    principles: frozenset[Principle]
    in_force_from: dt.date | None = None
    in_force_to: dt.date | None = None
    posting_limit_months: int | None = None
    notes: str = ""
    #: The stage changes the directory records, oldest first: each stage and the day reached.
    history: tuple[tuple[AgreementStage, dt.date], ...] = ()
    #: Each party's personal scope and branches covered for some persons only, by country.
    terms: Mapping[str, PartyTerms] = field(default_factory=dict)
    posting_extension: PostingExtension | None = None
    #: The article of the agreement behind each rule, where the directory names it.
    articles: Mapping[Rule, str] = field(default_factory=dict)

    def terms_of(self, country: str) -> PartyTerms:
        return self.terms.get(country, NO_TERMS)

    @property
    def parties(self) -> frozenset[str]:
        return frozenset(self.scopes)

    def binds(self, country_a: str, country_b: str) -> bool:
        return country_a in self.scopes and country_b in self.scopes

    def applies_on(self, day: dt.date) -> bool:
        if self.in_force_from is None or day < self.in_force_from:
            return False
        return self.in_force_to is None or day <= self.in_force_to

    def in_force_on(self, day: dt.date) -> bool:
        """Whether the agreement is at stage in force and applies on ``day``: one at stage
        administrative arrangement may carry test traffic, but opens no right to totalization."""
        return self.stage is AgreementStage.IN_FORCE and self.applies_on(day)


@dataclass(frozen=True)
class Directory:
    """One verified snapshot of the network directory."""

    network: NetworkKind
    version: int
    issued: dt.datetime
    institutions: Mapping[InstitutionId, Institution]
    agreements: tuple[Agreement, ...]
    authority: x509.Certificate
    revoked: frozenset[str] = field(default_factory=frozenset)

    def institution(self, institution_id: str) -> Institution:
        try:
            return self.institutions[InstitutionId(institution_id)]
        except KeyError:
            raise UnknownInstitution(
                f"{institution_id} is not an institution of this network"
            ) from None

    def institution_by_routing_key(self, routing_key: str) -> Institution | None:
        for institution in self.institutions.values():
            if institution.routing_key == routing_key:
                return institution
        return None

    def agreements_between(self, country_a: str, country_b: str) -> tuple[Agreement, ...]:
        return tuple(
            a for a in self._agreements_of.get(country_a, ()) if a.binds(country_a, country_b)
        )

    @cached_property
    def _agreements_of(self) -> Mapping[str, tuple[Agreement, ...]]:
        # Each policy decision looks up one pair of countries: with a thousand agreements a
        # scan of them all was most of its time. In directory order, like the scan.
        index: dict[str, list[Agreement]] = {}
        for agreement in self.agreements:
            for country in agreement.scopes:
                index.setdefault(country, []).append(agreement)
        return {country: tuple(found) for country, found in index.items()}

    def partners(self, institution_id: str, on: dt.date) -> frozenset[InstitutionId]:
        """The institutions ``institution_id`` may exchange documents with on day ``on``:
        those of its own country and of countries bound to it by an agreement usable then."""
        own = self.institution(institution_id)
        countries = {own.country}
        for agreement in self.agreements:
            usable = agreement.stage is AgreementStage.IN_FORCE and agreement.applies_on(on)
            test = (
                self.network is NetworkKind.TEST
                and agreement.stage is AgreementStage.ADMINISTRATIVE_ARRANGEMENT
            )
            if own.country in agreement.scopes and (usable or test):
                countries |= set(agreement.scopes)
        return frozenset(
            i.id
            for i in self.institutions.values()
            if i.country in countries and i.id != own.id and i.status is InstitutionStatus.ACTIVE
        )

    def certificates(
        self, institution_id: str, use: KeyUse, at: dt.datetime
    ) -> tuple[x509.Certificate, ...]:
        """The institution's certificates for ``use`` that are trusted at ``at``.

        Usually one; two while a rotation overlaps. An institution that is not active has
        none. Raises :class:`CertificateUntrusted` when none is trusted, saying why.
        """
        institution = self.institution(institution_id)
        if institution.status is not InstitutionStatus.ACTIVE:
            raise CertificateUntrusted(f"{institution_id} is {institution.status.value}")
        trusted: list[x509.Certificate] = []
        last_reason = f"the directory lists no {use.value} certificate for {institution_id}"
        for entry in institution.certificates:
            if entry.use is not use:
                continue
            try:
                check_institution_certificate(
                    entry.certificate,
                    institution=institution_id,
                    use=use,
                    authority=self.authority,
                    at=at,
                    revoked=self.revoked,
                )
            except CertificateUntrusted as error:
                last_reason = error.detail
                continue
            trusted.append(entry.certificate)
        if not trusted:
            raise CertificateUntrusted(last_reason)
        return tuple(trusted)
