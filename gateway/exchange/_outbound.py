"""The outbound half of the message path, pure: policy, envelope, signature, encryption."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from lxml import etree

from gateway.codes import InvalidIdentifier, parse_institution_id
from gateway.directory import Directory, Refused, decide
from gateway.documents import (
    CaseType,
    DocumentAction,
    EnvelopeHeader,
    Issue,
    ValidatedDocument,
    build_envelope,
    validate_envelope,
)
from gateway.errors import NotPermitted, ValidationFailed
from gateway.exchange._credentials import Credentials
from gateway.exchange._timing import StageTimer, untimed
from gateway.security import KeyUse, SigningIdentity, seal, sign_enveloped

__all__ = ["DEFAULT_TIME_TO_LIVE", "OutboundMessage", "prepare_outbound"]

#: How long a message stays acceptable to its recipient, unless the caller says otherwise.
DEFAULT_TIME_TO_LIVE = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A message ready for the bus: what was signed, and the sealed bytes that travel."""

    header: EnvelopeHeader
    document: ValidatedDocument
    agreement_id: str | None
    signed_envelope: bytes
    sealed: bytes

    @property
    def digest(self) -> str:
        """SHA-256 of the sealed bytes, lowercase hex: what the recipient's receipt repeats."""
        return hashlib.sha256(self.sealed).hexdigest()


def prepare_outbound(
    document: ValidatedDocument,
    *,
    credentials: Credentials,
    directory: Directory,
    recipient: str,
    now: dt.datetime,
    case_id: uuid.UUID | None = None,
    case_type: CaseType | None = None,
    in_reply_to: uuid.UUID | None = None,
    document_set_id: uuid.UUID | None = None,
    document_version: int = 1,
    action: DocumentAction = DocumentAction.NEW,
    message_id: uuid.UUID | None = None,
    protected_person: bool = False,
    time_to_live: dt.timedelta = DEFAULT_TIME_TO_LIVE,
    timer: StageTimer = untimed,
    adopt_document: bool = False,
) -> OutboundMessage:
    """Check the agreement policy, then wrap, sign and seal ``document`` for ``recipient``.

    Raises :class:`NotPermitted` when the policy refuses, and security errors when the
    recipient has no trusted encryption certificate; nothing is produced in either case.
    ``timer`` times the policy, signing and encryption stages. With ``adopt_document`` the
    document's own tree becomes the envelope's body instead of a copy of it (see
    :func:`build_envelope`): its root then has the envelope as an ancestor.
    """
    try:
        recipient_id = parse_institution_id(recipient)
    except InvalidIdentifier as error:
        raise ValidationFailed([Issue("request.recipient", str(error))]) from None
    with timer("policy"):
        decision = decide(
            directory,
            sender=credentials.institution,
            recipient=recipient_id,
            document_type=document.document_type,
            schema_version=document.schema_version,
            branches=document.branches,
            on=now.date(),
        )
    if isinstance(decision, Refused):
        raise NotPermitted(decision.reason.value, decision.detail)
    resolved_case_type = case_type or document.document_type.case_type
    if resolved_case_type is None:
        raise ValidationFailed(
            [
                Issue(
                    "request.case-type",
                    f"a {document.document_type.root_name} acts on an existing case: "
                    "give the case it belongs to",
                )
            ]
        )
    problems = []
    if not document.document_type.allowed_in(resolved_case_type):
        problems.append(
            Issue(
                "request.case-type",
                f"a {document.document_type.root_name} does not belong in a "
                f"{resolved_case_type.value} case",
            )
        )
    if document_version < 1:
        problems.append(Issue("request.version", "document versions start at 1"))
    if time_to_live <= dt.timedelta(0):
        problems.append(Issue("request.time-to-live", "the time to live must be positive"))
    if problems:
        raise ValidationFailed(problems)
    header = EnvelopeHeader(
        message_id=message_id or uuid.uuid4(),
        case_id=case_id or uuid.uuid4(),
        case_type=resolved_case_type,
        document_set_id=document_set_id or uuid.uuid4(),
        document_version=document_version,
        action=action,
        sender=credentials.institution,
        recipient=recipient_id,
        document_type=document.document_type,
        schema_version=document.schema_version,
        created=now,
        expires=now + time_to_live,
        in_reply_to=in_reply_to,
        protected_person=protected_person,
    )
    encryption_certificates = directory.certificates(recipient_id, KeyUse.ENCRYPTION, now)
    # During a rotation, seal to the newest certificate.
    newest = max(encryption_certificates, key=lambda c: c.not_valid_before_utc)
    with timer("sign"):
        signed = _signed_envelope(header, document.root, credentials.signing, adopt=adopt_document)
    with timer("encrypt"):
        sealed = seal(signed, newest)
    return OutboundMessage(
        header=header,
        document=document,
        agreement_id=decision.agreement.id if decision.agreement else None,
        signed_envelope=signed,
        sealed=sealed,
    )


def _signed_envelope(
    header: EnvelopeHeader, document: etree._Element, identity: SigningIdentity, *, adopt: bool
) -> bytes:
    """The signed envelope around ``document``, as bytes. Its trees (the envelope and the
    signed copy) are each as large as the document's own: none outlives this call, unless the
    envelope adopted the document."""
    envelope = build_envelope(header, document, adopt=adopt)
    # What we sign must be what the receiver will accept as an envelope.
    validate_envelope(envelope)
    signed = sign_enveloped(envelope, identity)
    del envelope
    return etree.tostring(signed, encoding="UTF-8", xml_declaration=True)
