"""What an agreement says beyond its branches, as the signed directory gives it: whom it
covers (personal scope), branches it covers only for some persons, the extension of its
posting limit, and the article of the agreement behind each rule the policy applies.

Every element is optional in the directory; its absence keeps the behaviour of a directory
signed before it existed: every person covered, every branch for everyone, no extension, and
no article named.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from gateway.codes import Branch

__all__ = [
    "PersonStatus",
    "PersonalScope",
    "PersonsCovered",
    "PostingExtension",
    "Rule",
    "Scheme",
]


class PersonStatus(enum.StrEnum):
    """What a person is, in the words of 2.0's ``WorkerStatus``, and ``pensioner``, which some
    agreements cover a branch for alone (no document names it yet)."""

    EMPLOYED = "employed"
    SELF_EMPLOYED = "self-employed"
    CIVIL_SERVANT = "civil-servant"
    EU_CONTRACT_STAFF = "eu-contract-staff"
    SEAFARER = "seafarer"
    FLIGHT_CREW = "flight-crew"
    UNEMPLOYED = "unemployed"
    MILITARY_SERVICE = "military-service"
    NON_ACTIVE = "non-active"
    PENSIONER = "pensioner"


class Scheme(enum.StrEnum):
    """An insurance scheme (``c:Scheme``), as an agreement may exclude one."""

    GENERAL = "general"
    EMPLOYED = "employed"
    SELF_EMPLOYED = "self-employed"
    CIVIL_SERVANTS = "civil-servants"
    MINERS = "miners"
    RESIDENCE = "residence"
    FARMERS = "farmers"
    SEAFARERS = "seafarers"
    OTHER = "other"


#: The scheme a person of a status belongs to, where the status names one: an agreement that
#: excludes the special scheme for civil servants excludes civil servants.
SCHEME_OF_STATUS: Mapping[PersonStatus, Scheme] = {
    PersonStatus.EMPLOYED: Scheme.EMPLOYED,
    PersonStatus.SELF_EMPLOYED: Scheme.SELF_EMPLOYED,
    PersonStatus.CIVIL_SERVANT: Scheme.CIVIL_SERVANTS,
    PersonStatus.SEAFARER: Scheme.SEAFARERS,
}


class PersonsCovered(enum.StrEnum):
    """Whether an agreement covers every person or only the nationals of its parties."""

    ALL_PERSONS = "all-persons"
    NATIONALS = "nationals"


@dataclass(frozen=True, slots=True)
class PersonalScope:
    """Whom a party's legislation under the agreement covers. ``statuses`` empty: persons of
    every status."""

    persons: PersonsCovered = PersonsCovered.ALL_PERSONS
    statuses: frozenset[PersonStatus] = frozenset()
    excluded_schemes: frozenset[Scheme] = frozenset()

    def covers(self, status: PersonStatus) -> bool:
        if self.statuses and status not in self.statuses:
            return False
        return SCHEME_OF_STATUS.get(status) not in self.excluded_schemes


#: What a directory that gives a party no personal scope means: everyone.
EVERYONE = PersonalScope()


@dataclass(frozen=True, slots=True)
class PostingExtension:
    """How many months a posting may run beyond the agreement's limit when both institutions
    agree to extend it."""

    months: int


class Rule(enum.StrEnum):
    """The rules of the agreement policy that may decide an exchange; the directory may name
    the article of each agreement behind each (``Article rule=...``)."""

    PRINCIPLE = "principle"
    MATERIAL_SCOPE = "material-scope"
    PERSONAL_SCOPE = "personal-scope"
    RECIPROCITY = "reciprocity"
    EXPORT_OF_BENEFITS = "export-of-benefits"
    EQUALITY_OF_TREATMENT = "equality-of-treatment"
    POSTING_LIMIT = "posting-limit"
    POSTING_EXTENSION = "posting-extension"


@dataclass(frozen=True, slots=True)
class PartyTerms:
    """One party's terms beyond its branches: its personal scope, and the branches it covers
    only for persons of some statuses."""

    personal_scope: PersonalScope = EVERYONE
    only_for: Mapping[Branch, frozenset[PersonStatus]] = field(default_factory=dict)


#: What a party the directory gives no terms means: everyone, every branch for everyone.
NO_TERMS = PartyTerms()
