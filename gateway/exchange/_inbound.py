"""The inbound half of the message path, pure: decrypt, verify, check, validate, authorise.

The order matters (SECURITY-RULES 4): decrypt, then verify the signature against the
directory's certificate of the *claimed* sender, and only then trust anything the header says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cryptography import x509
from lxml import etree

from gateway.codes import InvalidIdentifier, parse_institution_id
from gateway.directory import Directory, Refused, decide
from gateway.documents import (
    DEFAULT_LIMITS,
    ENVELOPE_NAMESPACE,
    EnvelopeHeader,
    ParseLimits,
    ValidatedDocument,
    envelope_body,
    parse_untrusted,
    posting_of,
    read_header,
    reparser,
    validate_element,
    validate_envelope,
)
from gateway.errors import (
    DecryptionFailed,
    HeaderMismatch,
    MessageExpired,
    NotPermitted,
    SignatureInvalid,
    WrongRecipient,
)
from gateway.exchange._credentials import Credentials
from gateway.exchange._facts import facts_of
from gateway.exchange._timing import StageTimer, untimed
from gateway.security import (
    KeyUse,
    PendingSignature,
    inspect_signature,
    open_sealed,
    verify_signed,
)

__all__ = [
    "CLOCK_SKEW",
    "AuthenticatedEnvelope",
    "BusHeaders",
    "InboundMessage",
    "VerifiedEnvelope",
    "admit",
    "authenticate",
    "authenticate_signed",
    "open_inbound",
    "verify_envelope",
]

#: How far ahead of this node's clock a sender's clock may run.
CLOCK_SKEW = dt.timedelta(minutes=5)

_E = f"{{{ENVELOPE_NAMESPACE}}}"


@dataclass(frozen=True, slots=True)
class BusHeaders:
    """The routing fields the bus carries in clear; they must equal the signed ones.

    ``case_id`` and ``document_type`` are checked when given (None: the caller has no bus).
    """

    message_id: str
    sender: str
    recipient: str
    case_id: str | None = None
    document_type: str | None = None


@dataclass(frozen=True, slots=True)
class AuthenticatedEnvelope:
    """An envelope whose signature verified against the directory's certificate of its sender.

    Only signed content is here. Its body has not been validated yet, and nothing is known
    about its recipient or freshness: see :func:`admit`. Once a message is authenticated, a
    refusal can be answered with a signed rejection to its sender.
    """

    header: EnvelopeHeader
    root: etree._Element
    signer: x509.Certificate


@dataclass(frozen=True, slots=True)
class VerifiedEnvelope:
    """An authenticated envelope whose document is valid as well."""

    header: EnvelopeHeader
    document: ValidatedDocument
    root: etree._Element
    signer: x509.Certificate


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A received message that passed every check; ``root`` is the verified envelope."""

    header: EnvelopeHeader
    document: ValidatedDocument
    root: etree._Element
    signer: x509.Certificate
    agreement_id: str | None

    @property
    def signed_envelope(self) -> bytes:
        """The verified envelope as bytes, what its signature covers. Made on demand: for a
        large document it is one more copy of the whole, and only receipts are kept this way."""
        return etree.tostring(self.root, encoding="UTF-8", xml_declaration=True)


def _claimed_sender(root: etree._Element) -> str:
    node = root.find(f"{_E}Header/{_E}Sender")
    if node is None or not node.text:
        raise SignatureInvalid("the envelope names no sender")
    try:
        return parse_institution_id(node.text.strip())
    except InvalidIdentifier as error:
        raise SignatureInvalid(f"the envelope's sender is not an institution id: {error}") from None


def _inspect(
    plaintext: bytes,
    certificates: Callable[[str], Sequence[x509.Certificate]],
    limits: ParseLimits,
) -> tuple[str, PendingSignature]:
    """The claimed sender and the signature to verify, read from a tree that is gone when
    this returns: verification parses the bytes again."""
    unverified = parse_untrusted(plaintext, limits).getroot()
    sender = _claimed_sender(unverified)
    return sender, inspect_signature(unverified, certificates(sender))


def authenticate_signed(
    plaintext: bytes,
    *,
    certificates: Callable[[str], Sequence[x509.Certificate]],
    limits: ParseLimits = DEFAULT_LIMITS,
    timer: StageTimer = untimed,
) -> AuthenticatedEnvelope:
    """Verify a signed envelope with the certificates ``certificates`` vouches for its claimed
    sender (the directory's, or those of an evidence bundle), then check the envelope."""
    with timer("verify"):
        sender, pending = _inspect(plaintext, certificates, limits)
        verified = verify_signed(plaintext, pending, parser=reparser())
        validate_envelope(verified.root)
    header = read_header(verified.root)
    if header.sender != sender:
        raise SignatureInvalid("the signed header names another sender than the signer")
    return AuthenticatedEnvelope(header=header, root=verified.root, signer=verified.certificate)


def _signing_certificates(
    directory: Directory, now: dt.datetime
) -> Callable[[str], Sequence[x509.Certificate]]:
    return lambda sender: directory.certificates(sender, KeyUse.SIGNING, now)


def verify_envelope(
    plaintext: bytes,
    *,
    directory: Directory,
    now: dt.datetime,
    limits: ParseLimits = DEFAULT_LIMITS,
) -> VerifiedEnvelope:
    """Verify a signed envelope against its claimed sender's certificates in the directory,
    then validate the envelope and its document. Says nothing about recipient or freshness."""
    envelope = authenticate_signed(
        plaintext, certificates=_signing_certificates(directory, now), limits=limits
    )
    document = validate_element(envelope_body(envelope.root), today=now.date())
    return VerifiedEnvelope(
        header=envelope.header, document=document, root=envelope.root, signer=envelope.signer
    )


def authenticate(
    sealed: bytes,
    *,
    credentials: Credentials,
    directory: Directory,
    now: dt.datetime,
    limits: ParseLimits = DEFAULT_LIMITS,
    timer: StageTimer = untimed,
) -> AuthenticatedEnvelope:
    """Decrypt a sealed message and verify its signature and envelope (``timer`` times the
    decryption and verification stages)."""
    # Base64url makes the token a third larger than the envelope inside.
    if len(sealed) > limits.max_bytes * 4 // 3 + 4096:
        raise DecryptionFailed("the sealed message is larger than any acceptable envelope")
    with timer("decrypt"):
        plaintext = open_sealed(sealed, credentials.decryption)
    return authenticate_signed(
        plaintext, certificates=_signing_certificates(directory, now), limits=limits, timer=timer
    )


def admit(
    envelope: AuthenticatedEnvelope,
    *,
    credentials: Credentials,
    directory: Directory,
    now: dt.datetime,
    bus: BusHeaders | None = None,
    timer: StageTimer = untimed,
) -> InboundMessage:
    """Check an authenticated envelope is for this node, fresh, as the bus said, valid and
    permitted by the agreement policy (``timer`` times validation and policy)."""
    header = envelope.header
    if header.recipient != credentials.institution:
        raise WrongRecipient(
            f"the message is addressed to {header.recipient}, not to {credentials.institution}"
        )
    if bus is not None:
        mismatched = [
            name
            for name, clear, signed in (
                ("message id", bus.message_id, str(header.message_id)),
                ("sender", bus.sender, header.sender),
                ("recipient", bus.recipient, header.recipient),
                ("case id", bus.case_id, str(header.case_id)),
                ("document type", bus.document_type, header.document_type.root_name),
            )
            if clear is not None and clear != signed
        ]
        if mismatched:
            raise HeaderMismatch(
                f"the bus headers disagree with the signed header on: {', '.join(mismatched)}"
            )
    if header.is_expired(now):
        raise MessageExpired(f"the message expired at {header.expires.isoformat()}")
    if header.created > now + CLOCK_SKEW:
        raise MessageExpired("the message claims to be created in the future")
    with timer("validate"):
        document = validate_element(envelope_body(envelope.root), today=now.date())
    with timer("policy"):
        decision = decide(
            directory,
            sender=header.sender,
            recipient=header.recipient,
            document_type=header.document_type,
            schema_version=document.schema_version,
            branches=document.branches,
            on=now.date(),
            posting=posting_of(document),
            facts=facts_of(document),
        )
    if isinstance(decision, Refused):
        raise NotPermitted(decision.reason.value, decision.detail)
    return InboundMessage(
        header=header,
        document=document,
        root=envelope.root,
        signer=envelope.signer,
        agreement_id=decision.agreement.id if decision.agreement else None,
    )


def open_inbound(
    sealed: bytes,
    *,
    credentials: Credentials,
    directory: Directory,
    now: dt.datetime,
    bus: BusHeaders | None = None,
    limits: ParseLimits = DEFAULT_LIMITS,
) -> InboundMessage:
    """Open a sealed message addressed to this node, or raise the error that says why not."""
    envelope = authenticate(
        sealed, credentials=credentials, directory=directory, now=now, limits=limits
    )
    return admit(envelope, credentials=credentials, directory=directory, now=now, bus=bus)
