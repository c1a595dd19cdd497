"""Receipts and rejections: the technical documents a node answers every message with."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from gateway.directory import RefusalReason
from gateway.documents import BASE_SCHEMA_VERSION, DocumentFamily, Issue
from gateway.errors import (
    CaseStateError,
    CertificateUntrusted,
    DecryptionFailed,
    GatewayError,
    MessageExpired,
    NotPermitted,
    SignatureInvalid,
    ValidationFailed,
    WrongRecipient,
)

__all__ = [
    "DIGEST_ALGORITHM",
    "Acknowledgement",
    "build_receipt",
    "build_rejection",
    "read_acknowledgement",
    "rejection_reason",
]

_NS = DocumentFamily.TECHNICAL.namespace
_T = f"{{{_NS}}}"
DIGEST_ALGORITHM = "sha-256"
_ISSUE_CODE = re.compile(r"[a-z]+(\.[a-z0-9]+(-[a-z0-9]+)*)+")
_MAX_REASONS = 50


#: Refusals by a term of the agreement, each its own reason code in a rejection.
_AGREEMENT_TERMS = frozenset(
    reason.value
    for reason in (
        RefusalReason.POSTING_LIMIT_EXCEEDED,
        RefusalReason.OUTSIDE_PERSONAL_SCOPE,
        RefusalReason.OUTSIDE_MATERIAL_SCOPE,
        RefusalReason.NOT_RECIPROCAL,
        RefusalReason.EXPORT_NOT_PROVIDED,
        RefusalReason.UNEQUAL_TREATMENT,
    )
)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """What a received receipt or rejection says about one of this node's messages."""

    message_id: uuid.UUID
    digest: str | None
    accepted: bool
    reasons: tuple[str, ...]


def _root(name: str) -> etree._Element:
    root = etree.Element(_T + name, nsmap={"t": _NS})
    root.set("schemaVersion", BASE_SCHEMA_VERSION)
    return root


def _time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _digest(parent: etree._Element, digest: str) -> None:
    etree.SubElement(parent, _T + "ReceivedDigest", algorithm=DIGEST_ALGORITHM).text = digest


def build_receipt(message_id: uuid.UUID, digest: str, received_at: dt.datetime) -> etree._Element:
    """A receipt saying the message with this id and digest was taken in."""
    root = _root("Receipt")
    etree.SubElement(root, _T + "ReceivedMessageId").text = str(message_id)
    _digest(root, digest)
    etree.SubElement(root, _T + "ReceivedAt").text = _time(received_at)
    etree.SubElement(root, _T + "Outcome").text = "accepted"
    return root


def rejection_reason(error: GatewayError) -> str:
    """The rejection reason code for a refusal."""
    if isinstance(error, ValidationFailed):
        prefix = error.issues[0].code.split(".", 1)[0] if error.issues else ""
        return {"xml": "malformed", "rule": "business-rule"}.get(prefix, "invalid-schema")
    if isinstance(error, NotPermitted):
        # The sender's institution must learn which term of the agreement its document
        # breaks (a shorter posting, another person, a decision without the refused ground
        # would be taken), not only that the exchange was refused.
        if error.reason in _AGREEMENT_TERMS:
            return error.reason
        agreement = {
            "no-agreement",
            "agreement-not-in-force",
            "branch-not-covered",
            "principle-not-covered",
        }
        return "no-agreement" if error.reason in agreement else "not-authorised"
    for kind, code in (
        (CaseStateError, "case-state"),
        (SignatureInvalid, "signature-invalid"),
        (CertificateUntrusted, "certificate-untrusted"),
        (MessageExpired, "expired"),
        (WrongRecipient, "wrong-recipient"),
        (DecryptionFailed, "decryption-failed"),
    ):
        if isinstance(error, kind):
            return code
    return "other"


def _issue_text(issue: Issue) -> str:
    # Schema messages from libxml2 may quote the offending value, which can be personal data;
    # our own messages never do.
    if issue.code.startswith("schema."):
        return "the element does not match its schema"
    return issue.message


def build_rejection(
    message_id: uuid.UUID, digest: str | None, rejected_at: dt.datetime, error: GatewayError
) -> etree._Element:
    """A rejection of the message with this id, saying why in words without personal data."""
    root = _root("Rejection")
    etree.SubElement(root, _T + "RejectedMessageId").text = str(message_id)
    if digest is not None:
        _digest(root, digest)
    etree.SubElement(root, _T + "RejectedAt").text = _time(rejected_at)
    code = rejection_reason(error)
    issues: Sequence[Issue] = error.issues if isinstance(error, ValidationFailed) else ()
    if issues:
        for issue in issues[:_MAX_REASONS]:
            reason = etree.SubElement(root, _T + "Reason")
            etree.SubElement(reason, _T + "Code").text = code
            if _ISSUE_CODE.fullmatch(issue.code) and len(issue.code) <= 100:
                etree.SubElement(reason, _T + "IssueCode").text = issue.code
            etree.SubElement(reason, _T + "Text").text = _issue_text(issue)[:4000]
            if issue.line:
                etree.SubElement(reason, _T + "Line").text = str(issue.line)
            if issue.path:
                etree.SubElement(reason, _T + "Path").text = issue.path[:1000]
    else:
        reason = etree.SubElement(root, _T + "Reason")
        etree.SubElement(reason, _T + "Code").text = code
        etree.SubElement(reason, _T + "Text").text = error.detail[:4000] or error.code
    return root


def read_acknowledgement(root: etree._Element) -> Acknowledgement:
    """Read a validated Receipt or Rejection."""
    accepted = root.tag == _T + "Receipt" and root.findtext(_T + "Outcome") == "accepted"
    identifier = root.findtext(_T + "ReceivedMessageId") or root.findtext(_T + "RejectedMessageId")
    reasons = tuple(
        " ".join(filter(None, (r.findtext(_T + "Code"), r.findtext(_T + "Text"))))
        for r in root.iterfind(_T + "Reason")
    )
    return Acknowledgement(
        message_id=uuid.UUID(identifier or ""),
        digest=root.findtext(_T + "ReceivedDigest"),
        accepted=accepted,
        reasons=reasons,
    )
