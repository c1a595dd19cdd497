"""The envelope: header fields as a frozen value, and the XML that carries them."""

from __future__ import annotations

import copy
import datetime as dt
import enum
import uuid
from dataclasses import dataclass

from lxml import etree

from gateway.codes import InstitutionId, InvalidIdentifier, parse_institution_id
from gateway.documents._catalogue import ENVELOPE_NAMESPACE, CaseType, DocumentType
from gateway.documents._issues import issue_at
from gateway.documents._registry import envelope_schema, schema_issues
from gateway.errors import ValidationFailed

__all__ = [
    "DocumentAction",
    "EnvelopeHeader",
    "build_envelope",
    "envelope_body",
    "read_header",
    "validate_envelope",
]

_NS = ENVELOPE_NAMESPACE
_E = f"{{{_NS}}}"
ENVELOPE_VERSION = "1.0"


class DocumentAction(enum.StrEnum):
    """What a transmission does to its document set."""

    NEW = "new"
    UPDATE = "update"
    INVALIDATE = "invalidate"


@dataclass(frozen=True, slots=True)
class EnvelopeHeader:
    """The routing and case metadata of one message; the signature covers all of it."""

    message_id: uuid.UUID
    case_id: uuid.UUID
    case_type: CaseType
    document_set_id: uuid.UUID
    document_version: int
    action: DocumentAction
    sender: InstitutionId
    recipient: InstitutionId
    document_type: DocumentType
    schema_version: str
    created: dt.datetime
    expires: dt.datetime
    in_reply_to: uuid.UUID | None = None
    protected_person: bool = False

    def __post_init__(self) -> None:
        # The envelope writes times in UTC to the millisecond; holding them the same way makes
        # a header equal to the one read back from its envelope.
        for name in ("created", "expires"):
            object.__setattr__(self, name, _to_envelope_precision(getattr(self, name)))

    def is_expired(self, now: dt.datetime) -> bool:
        return now >= self.expires


def _to_envelope_precision(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("envelope times must carry a time zone")
    utc = moment.astimezone(dt.UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def _timestamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_envelope(
    header: EnvelopeHeader, document: etree._Element, *, adopt: bool = False
) -> etree._Element:
    """An unsigned envelope holding a copy of ``document`` as its body, or with ``adopt``
    the element itself, moved out of its tree: for a caller that has no further use for the
    document standalone (a copy costs as much memory as the document's whole tree)."""
    envelope = etree.Element(_E + "Envelope", nsmap={"env": _NS})
    envelope.set("schemaVersion", ENVELOPE_VERSION)
    head = etree.SubElement(envelope, _E + "Header")
    etree.SubElement(head, _E + "MessageId").text = str(header.message_id)
    case = etree.SubElement(head, _E + "Case")
    if header.protected_person:
        case.set("protectedPerson", "true")
    etree.SubElement(case, _E + "Id").text = str(header.case_id)
    etree.SubElement(case, _E + "Type").text = header.case_type.value
    etree.SubElement(
        head,
        _E + "DocumentSet",
        id=str(header.document_set_id),
        version=str(header.document_version),
        action=header.action.value,
    )
    if header.in_reply_to is not None:
        etree.SubElement(head, _E + "InReplyTo").text = str(header.in_reply_to)
    etree.SubElement(head, _E + "Sender").text = header.sender
    etree.SubElement(head, _E + "Recipient").text = header.recipient
    etree.SubElement(
        head,
        _E + "Document",
        type=header.document_type.root_name,
        schemaVersion=header.schema_version,
    )
    etree.SubElement(head, _E + "Created").text = _timestamp(header.created)
    etree.SubElement(head, _E + "Expires").text = _timestamp(header.expires)
    body = etree.SubElement(envelope, _E + "Body")
    body.append(document if adopt else copy.deepcopy(document))
    return envelope


def validate_envelope(envelope: etree._Element) -> None:
    """Check the envelope against its schema and its header against its body."""
    if envelope.tag != _E + "Envelope":
        raise ValidationFailed(
            [issue_at(envelope, "envelope.not-an-envelope", "the root element is not an Envelope")]
        )
    issues = schema_issues(envelope_schema(), envelope.getroottree())
    if issues:
        raise ValidationFailed(issues)
    body = envelope_body(envelope)
    descriptor = envelope.find(f"{_E}Header/{_E}Document")
    assert descriptor is not None  # the schema requires it
    case_type = envelope.find(f"{_E}Header/{_E}Case/{_E}Type")
    document_type = DocumentType.from_root_name(descriptor.get("type", ""))
    if case_type is not None and not document_type.allowed_in(CaseType(case_type.text or "")):
        raise ValidationFailed(
            [
                issue_at(
                    case_type,
                    "envelope.case-type-mismatch",
                    f"a {document_type.root_name} does not belong in a {case_type.text} case",
                )
            ]
        )
    for party in ("Sender", "Recipient"):
        node = envelope.find(f"{_E}Header/{_E}{party}")
        assert node is not None and node.text is not None
        try:
            parse_institution_id(node.text)
        except InvalidIdentifier as error:
            raise ValidationFailed(
                [issue_at(node, "envelope.institution-id", str(error))]
            ) from None
    if etree.QName(body).localname != descriptor.get("type") or body.get(
        "schemaVersion"
    ) != descriptor.get("schemaVersion"):
        raise ValidationFailed(
            [
                issue_at(
                    descriptor,
                    "envelope.body-mismatch",
                    "the header's document type or schema version differs from the body's",
                )
            ]
        )


def envelope_body(envelope: etree._Element) -> etree._Element:
    """The document element inside a schema-valid envelope."""
    body = envelope.find(_E + "Body")
    if body is None or len(body) != 1:
        raise ValidationFailed(
            [issue_at(envelope, "envelope.no-body", "the envelope must hold exactly one document")]
        )
    return body[0]


def _text(head: etree._Element, path: str) -> str:
    node = head.find(path)
    assert node is not None and node.text is not None  # the schema requires it
    return node.text


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def read_header(envelope: etree._Element) -> EnvelopeHeader:
    """Read the header of an envelope that passed :func:`validate_envelope`.

    A few values the schema admits cannot be represented (a time of 24:00, a five-digit
    year): those are refused as :class:`ValidationFailed`.
    """
    try:
        return _read_header(envelope)
    except ValueError as error:
        head = envelope.find(_E + "Header")
        raise ValidationFailed(
            [
                issue_at(
                    head if head is not None else envelope,
                    "envelope.header-unreadable",
                    f"a header value cannot be read: {error}",
                )
            ]
        ) from None


def _read_header(envelope: etree._Element) -> EnvelopeHeader:
    head = envelope.find(_E + "Header")
    assert head is not None
    case = head.find(_E + "Case")
    document_set = head.find(_E + "DocumentSet")
    descriptor = head.find(_E + "Document")
    assert case is not None and document_set is not None and descriptor is not None
    reply = head.find(_E + "InReplyTo")
    return EnvelopeHeader(
        message_id=uuid.UUID(_text(head, _E + "MessageId")),
        case_id=uuid.UUID(_text(case, _E + "Id")),
        case_type=CaseType(_text(case, _E + "Type")),
        document_set_id=uuid.UUID(document_set.get("id", "")),
        document_version=int(document_set.get("version", "0")),
        action=DocumentAction(document_set.get("action", "")),
        sender=parse_institution_id(_text(head, _E + "Sender")),
        recipient=parse_institution_id(_text(head, _E + "Recipient")),
        document_type=DocumentType.from_root_name(descriptor.get("type", "")),
        schema_version=descriptor.get("schemaVersion", ""),
        created=_time(_text(head, _E + "Created")),
        expires=_time(_text(head, _E + "Expires")),
        in_reply_to=uuid.UUID(reply.text) if reply is not None and reply.text else None,
        protected_person=case.get("protectedPerson") in ("true", "1"),
    )
