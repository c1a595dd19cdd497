"""The document types the network carries, with the namespace and schema file of each."""

from __future__ import annotations

import enum
from pathlib import Path

__all__ = [
    "BASE_SCHEMA_VERSION",
    "COMMON_NAMESPACE",
    "DIRECTORY_NAMESPACE",
    "ENVELOPE_NAMESPACE",
    "LATEST_SCHEMA_VERSION",
    "SCHEMA_DIR",
    "SUPPORTED_SCHEMA_VERSIONS",
    "CaseType",
    "DocumentFamily",
    "DocumentType",
]


def _schema_dir() -> Path:
    # An installed wheel carries the schemas as the data package gateway/schemas; a source
    # checkout (and an editable install) reads the repository's top-level schemas/ folder,
    # which is where the wheel's copy comes from.
    package = Path(__file__).resolve().parent.parent
    packaged = package / "schemas"
    return packaged if packaged.is_dir() else package.parent / "schemas"


#: Where the XSDs live. Schemas are loaded only from here, never from hints in instances.
SCHEMA_DIR = _schema_dir()

COMMON_NAMESPACE = "urn:ssgw:common:1"
ENVELOPE_NAMESPACE = "urn:ssgw:envelope:1"
DIRECTORY_NAMESPACE = "urn:ssgw:directory:1"

# Each version of the document schemas lives in its own folder. Versions share the namespaces:
# 2.0 only adds to 1.0 and loosens it, so every reader of 2.0 reads 1.0 too, and a document's
# ``schemaVersion`` attribute picks the files it is validated against.
_VERSION_FOLDERS = {"1.0": "v1", "2.0": "v2"}

#: The document schema versions this node reads and writes.
SUPPORTED_SCHEMA_VERSIONS = frozenset(_VERSION_FOLDERS)

#: The newest version, which conversions write.
LATEST_SCHEMA_VERSION = "2.0"

#: The version of the envelope, the directory, and the receipts and rejections the node writes
#: itself: every node reads it, whatever its back-office takes.
BASE_SCHEMA_VERSION = "1.0"


class CaseType(enum.StrEnum):
    """The business exchanges a case can be (like an EESSI business use case)."""

    INSURANCE_PERIODS = "insurance-periods"
    BENEFIT_CLAIM = "benefit-claim"
    COVERAGE = "coverage"


class DocumentFamily(enum.Enum):
    """A group of document types that share one XSD and one target namespace."""

    PERIODS = ("urn:ssgw:periods:1", "periods.xsd")
    CLAIMS = ("urn:ssgw:claims:1", "claims.xsd")
    COVERAGE = ("urn:ssgw:coverage:1", "coverage.xsd")
    TECHNICAL = ("urn:ssgw:technical:1", "technical.xsd")
    CASE = ("urn:ssgw:case:1", "case.xsd")

    def __init__(self, namespace: str, schema_file: str) -> None:
        self.namespace = namespace
        self.schema_file = schema_file

    def schema_path(self, version: str) -> Path:
        """The XSD of this family in schema ``version``; KeyError for an unknown version."""
        return SCHEMA_DIR / _VERSION_FOLDERS[version] / self.schema_file


class DocumentType(enum.Enum):
    """A business, case-level or technical document: its root element name is its value.

    Business documents belong to one case type. Case-level documents (closure, reminder,
    forward) act on a case of any type, and technical documents (receipt, rejection) answer a
    message; neither has a case type of its own.
    """

    INSURANCE_PERIODS_REQUEST = ("InsurancePeriodsRequest", DocumentFamily.PERIODS)
    INSURANCE_PERIODS_REPLY = ("InsurancePeriodsReply", DocumentFamily.PERIODS)
    BENEFIT_CLAIM = ("BenefitClaim", DocumentFamily.CLAIMS)
    BENEFIT_CLAIM_ACKNOWLEDGEMENT = ("BenefitClaimAcknowledgement", DocumentFamily.CLAIMS)
    BENEFIT_DECISION = ("BenefitDecision", DocumentFamily.CLAIMS)
    COVERAGE_REQUEST = ("CoverageRequest", DocumentFamily.COVERAGE)
    COVERAGE_CERTIFICATE = ("CoverageCertificate", DocumentFamily.COVERAGE)
    COVERAGE_REFUSAL = ("CoverageRefusal", DocumentFamily.COVERAGE)
    COVERAGE_WITHDRAWAL = ("CoverageWithdrawal", DocumentFamily.COVERAGE)
    CASE_CLOSURE = ("CaseClosure", DocumentFamily.CASE)
    REMINDER = ("Reminder", DocumentFamily.CASE)
    CASE_FORWARD = ("CaseForward", DocumentFamily.CASE)
    RECEIPT = ("Receipt", DocumentFamily.TECHNICAL)
    REJECTION = ("Rejection", DocumentFamily.TECHNICAL)

    def __init__(self, root_name: str, family: DocumentFamily) -> None:
        self.root_name = root_name
        self.family = family

    @property
    def namespace(self) -> str:
        return self.family.namespace

    @property
    def qualified_name(self) -> str:
        """The root element's name in Clark notation, ``{namespace}LocalName``."""
        return f"{{{self.family.namespace}}}{self.root_name}"

    @property
    def case_type(self) -> CaseType | None:
        """The case type this document belongs to; None for case-level and technical ones."""
        return _CASE_TYPES.get(self.family)

    def allowed_in(self, case_type: CaseType) -> bool:
        """Whether this document may travel in a case of ``case_type``.

        A business document belongs to its own case type, and periods are also gathered
        inside a benefit claim's case; case-level and technical documents fit any case.
        """
        own = self.case_type
        if own is None or own is case_type:
            return True
        return own is CaseType.INSURANCE_PERIODS and case_type is CaseType.BENEFIT_CLAIM

    @classmethod
    def from_root_name(cls, name: str) -> DocumentType:
        """Look a type up by its root element's local name; KeyError when unknown."""
        return _BY_ROOT_NAME[name]

    @classmethod
    def from_qualified_name(cls, qname: str) -> DocumentType | None:
        return _BY_QNAME.get(qname)


_CASE_TYPES = {
    DocumentFamily.PERIODS: CaseType.INSURANCE_PERIODS,
    DocumentFamily.CLAIMS: CaseType.BENEFIT_CLAIM,
    DocumentFamily.COVERAGE: CaseType.COVERAGE,
}
_BY_ROOT_NAME = {t.root_name: t for t in DocumentType}
_BY_QNAME = {t.qualified_name: t for t in DocumentType}
