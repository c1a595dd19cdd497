"""The outbound half of the message path, pure: addressing (recipient, policy, header), then
sealing (envelope, signature, encryption).

The two halves are apart so that a node can check the message against its case between them:
nothing is signed or encrypted for a message the case would refuse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass

from cryptography import x509
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
    posting_of,
    validate_envelope,
)
from gateway.errors import NotPermitted, ValidationFailed
from gateway.exchange._credentials import Credentials
from gateway.exchange._facts import facts_of
from gateway.exchange._timing import StageTimer, untimed
from gateway.security import KeyUse, SigningIdentity, seal, sign_enveloped

__all__ = [
    "DEFAULT_TIME_TO_LIVE",
    "OutboundAddress",
    "OutboundMessage",
    "address_outbound",
    "prepare_outbound",
    "seal_outbound",
    "sealing_certificate",
]

#: How long a message stays acceptable to its recipient, unless the caller says otherwise.
DEFAULT_TIME_TO_LIVE = dt.timedelta(days=7)


@dataclass(frozen=True, slots=True)
class OutboundAddress:
    """Where a message goes and under which agreement: its header, which the policy allowed,
    and the recipient's certificate to seal it for. Nothing is signed yet."""

    header: EnvelopeHeader
    agreement_id: str | None
    recipient_certificate: x509.Certificate


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


def sealing_certificate(
    directory: Directory, institution: str, now: dt.datetime
) -> x509.Certificate:
    """The encryption certificate to seal for ``institution``: during a rotation, the newest.

    Raises a security error when the directory holds no trusted one."""
    certificates = directory.certificates(institution, KeyUse.ENCRYPTION, now)
    return max(certificates, key=lambda c: c.not_valid_before_utc)


def address_outbound(
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
) -> OutboundAddress:
    """Check the agreement policy and the request, and write the header of ``document`` for
    ``recipient``. A new case (no ``case_id``) gets a new id.

    Raises :class:`NotPermitted` when the policy refuses, :class:`ValidationFailed` for a
    request that cannot be addressed, and security errors when the recipient has no trusted
    encryption certificate. ``timer`` times the policy stage.
    """
    try:
        recipient_id = parse_institution_id(recipient)
    except InvalidIdentifier as error:
        raise ValidationFailed([Issue("request.recipient", str(error))]) from None
    with timer("policy"):
        agreement_id = _agreement(document, credentials.institution, recipient_id, directory, now)
    resolved_case_type = _case_type(document, case_type)
    _check_request(document, resolved_case_type, document_version, time_to_live)
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
    return OutboundAddress(
        header=header,
        agreement_id=agreement_id,
        recipient_certificate=sealing_certificate(directory, recipient_id, now),
    )


def _agreement(
    document: ValidatedDocument,
    sender: str,
    recipient: str,
    directory: Directory,
    now: dt.datetime,
) -> str | None:
    """The agreement the policy lets ``sender`` send this document under, if any; raises
    :class:`NotPermitted` when the policy refuses."""
    decision = decide(
        directory,
        sender=sender,
        recipient=recipient,
        document_type=document.document_type,
        schema_version=document.schema_version,
        branches=document.branches,
        on=now.date(),
        posting=posting_of(document),
        facts=facts_of(document),
    )
    if isinstance(decision, Refused):
        raise NotPermitted(decision.reason.value, decision.detail)
    return decision.agreement.id if decision.agreement else None


def _case_type(document: ValidatedDocument, case_type: CaseType | None) -> CaseType:
    """The case type named, else the one the document opens."""
    resolved = case_type or document.document_type.case_type
    if resolved is None:
        raise ValidationFailed(
            [
                Issue(
                    "request.case-type",
                    f"a {document.document_type.root_name} acts on an existing case: "
                    "give the case it belongs to",
                )
            ]
        )
    return resolved


def _check_request(
    document: ValidatedDocument,
    case_type: CaseType,
    document_version: int,
    time_to_live: dt.timedelta,
) -> None:
    """The request's own mistakes, all named at once."""
    problems = []
    if not document.document_type.allowed_in(case_type):
        problems.append(
            Issue(
                "request.case-type",
                f"a {document.document_type.root_name} does not belong in a {case_type.value} case",
            )
        )
    if document_version < 1:
        problems.append(Issue("request.version", "document versions start at 1"))
    if time_to_live <= dt.timedelta(0):
        problems.append(Issue("request.time-to-live", "the time to live must be positive"))
    if problems:
        raise ValidationFailed(problems)


def seal_outbound(
    document: ValidatedDocument,
    address: OutboundAddress,
    *,
    signing: SigningIdentity,
    timer: StageTimer = untimed,
    adopt_document: bool = False,
) -> OutboundMessage:
    """Wrap ``document`` in the envelope of ``address``, sign it and seal it for the recipient.

    ``timer`` times the signing and encryption stages. With ``adopt_document`` the document's
    own tree becomes the envelope's body instead of a copy of it (see :func:`build_envelope`):
    its root then has the envelope as an ancestor.
    """
    with timer("sign"):
        signed = _signed_envelope(address.header, document.root, signing, adopt=adopt_document)
    with timer("encrypt"):
        sealed = seal(signed, address.recipient_certificate)
    return OutboundMessage(
        header=address.header,
        document=document,
        agreement_id=address.agreement_id,
        signed_envelope=signed,
        sealed=sealed,
    )


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
    """Address ``document`` for ``recipient``, then seal it (:func:`address_outbound`, then
    :func:`seal_outbound`); nothing is produced when addressing refuses."""
    address = address_outbound(
        document,
        credentials=credentials,
        directory=directory,
        recipient=recipient,
        now=now,
        case_id=case_id,
        case_type=case_type,
        in_reply_to=in_reply_to,
        document_set_id=document_set_id,
        document_version=document_version,
        action=action,
        message_id=message_id,
        protected_person=protected_person,
        time_to_live=time_to_live,
        timer=timer,
    )
    return seal_outbound(
        document,
        address,
        signing=credentials.signing,
        timer=timer,
        adopt_document=adopt_document,
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
