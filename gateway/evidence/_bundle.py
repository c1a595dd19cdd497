"""The evidence bundle of one message: one JSON document, readable without the node.

Binary parts (the signed XML, the sealed bytes) are base64; certificates are PEM. The format
is described in docs/security.md ("Evidence bundles"); ``format`` names its version.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.errors import EvidenceMalformed
from gateway.security import AnchorStatement, ChainPosition

__all__ = [
    "FORMAT",
    "MAX_BUNDLE_BYTES",
    "AnchorProof",
    "ChainProof",
    "EvidenceBundle",
    "ProvenEvent",
]

FORMAT = "ssgw-evidence/1"
#: A bundle holds one message and one receipt, both bounded in size: refuse anything bigger.
MAX_BUNDLE_BYTES = 64 * 1024 * 1024

_Fields = Mapping[str, str | int | None]


@dataclass(frozen=True, slots=True)
class ProvenEvent:
    """One trace event as the chain hashed it: its fields, the hash before it, its hash."""

    fields: _Fields
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainProof:
    """The message's trace events and the chain's head (length, newest hash) at export."""

    events: tuple[ProvenEvent, ...]
    head_length: int
    head_hash: str


@dataclass(frozen=True, slots=True)
class AnchorProof:
    """The exporting node's oldest anchor over the message's trace events: what it stamped,
    the time-stamping authority's token, and the CA certificate the node checks tokens with."""

    statement: AnchorStatement
    token: bytes
    tsa_certificate: str

    def to_json(self) -> dict[str, Any]:
        return {
            "institution": self.statement.institution,
            "trace": {"length": self.statement.trace.length, "hash": self.statement.trace.hash},
            "audit": {"length": self.statement.audit.length, "hash": self.statement.audit.hash},
            "token": _b64(self.token),
            "tsa_certificate": self.tsa_certificate,
        }

    @classmethod
    def from_json(cls, item: Any) -> AnchorProof | None:
        if item is None:
            return None
        if not isinstance(item, dict):
            raise EvidenceMalformed("the bundle's 'anchor' is neither an object nor null")
        return cls(
            statement=AnchorStatement(
                _text(item, "institution"),
                _position(_object(item, "trace")),
                _position(_object(item, "audit")),
            ),
            token=_bytes(item, "token"),
            tsa_certificate=_text(item, "tsa_certificate"),
        )


@dataclass(frozen=True, slots=True)
class EvidenceBundle:
    """What proves one message was sent and received. Holds personal data (the envelope),
    unless :attr:`redacted`."""

    message_id: uuid.UUID
    direction: str
    sender: str
    recipient: str
    digest: str
    sealed: bytes
    #: The signed envelope, or None in a bundle for operators: its document holds personal
    #: data, so only its SHA-256 (``envelope_digest``) is there.
    envelope: bytes | None
    envelope_digest: str
    receipt: bytes
    sender_certificate: str
    receiver_certificate: str
    authority_certificate: str
    authority_fingerprint: str
    chain: ChainProof
    exported_at: dt.datetime
    exported_by: str
    #: None when no anchor covered the message's trace events yet (or anchoring is off).
    anchor: AnchorProof | None = None

    @property
    def redacted(self) -> bool:
        """Whether the envelope was left out (a bundle for operators)."""
        return self.envelope is None

    def to_json(self) -> bytes:
        document = {
            "format": FORMAT,
            "exported_at": self.exported_at.astimezone(dt.UTC).isoformat(),
            "exported_by": self.exported_by,
            "message": {
                "id": str(self.message_id),
                "direction": self.direction,
                "sender": self.sender,
                "recipient": self.recipient,
                "digest": self.digest,
            },
            "sealed": _b64(self.sealed),
            "envelope": None if self.envelope is None else _b64(self.envelope),
            "envelope_sha256": self.envelope_digest,
            "receipt": _b64(self.receipt),
            "certificates": {
                "sender": self.sender_certificate,
                "receiver": self.receiver_certificate,
                "authority": self.authority_certificate,
            },
            "authority_fingerprint": self.authority_fingerprint,
            "chain": {
                "events": [
                    {"fields": dict(e.fields), "prev_hash": e.prev_hash, "hash": e.hash}
                    for e in self.chain.events
                ],
                "head": {"length": self.chain.head_length, "hash": self.chain.head_hash},
            },
            "anchor": None if self.anchor is None else self.anchor.to_json(),
        }
        return json.dumps(document, indent=1, ensure_ascii=False).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> EvidenceBundle:
        """Read a bundle; raises :class:`EvidenceMalformed` for anything else."""
        if len(data) > MAX_BUNDLE_BYTES:
            raise EvidenceMalformed(f"the file is larger than {MAX_BUNDLE_BYTES} bytes")
        try:
            document = json.loads(data)
            if not isinstance(document, dict) or document.get("format") != FORMAT:
                raise EvidenceMalformed(f"the file is not an evidence bundle ({FORMAT})")
            message = _object(document, "message")
            certificates = _object(document, "certificates")
            chain = _object(document, "chain")
            head = _object(chain, "head")
            return cls(
                message_id=uuid.UUID(_text(message, "id")),
                direction=_text(message, "direction"),
                sender=_text(message, "sender"),
                recipient=_text(message, "recipient"),
                digest=_text(message, "digest"),
                sealed=_bytes(document, "sealed"),
                envelope=None if document.get("envelope") is None else _bytes(document, "envelope"),
                envelope_digest=_text(document, "envelope_sha256"),
                receipt=_bytes(document, "receipt"),
                sender_certificate=_text(certificates, "sender"),
                receiver_certificate=_text(certificates, "receiver"),
                authority_certificate=_text(certificates, "authority"),
                authority_fingerprint=_text(document, "authority_fingerprint"),
                chain=ChainProof(
                    events=tuple(_event(item) for item in _list(chain, "events")),
                    head_length=_integer(head, "length"),
                    head_hash=_text(head, "hash"),
                ),
                exported_at=dt.datetime.fromisoformat(_text(document, "exported_at")),
                exported_by=_text(document, "exported_by"),
                anchor=AnchorProof.from_json(document.get("anchor")),
            )
        except (ValueError, UnicodeDecodeError, binascii.Error) as error:
            raise EvidenceMalformed(f"the evidence bundle is not readable: {error}") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _object(parent: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = parent.get(name)
    if not isinstance(value, dict):
        raise EvidenceMalformed(f"the bundle has no {name!r} object")
    return value


def _list(parent: Mapping[str, Any], name: str) -> list[Any]:
    value = parent.get(name)
    if not isinstance(value, list):
        raise EvidenceMalformed(f"the bundle has no {name!r} list")
    return value


def _text(parent: Mapping[str, Any], name: str) -> str:
    value = parent.get(name)
    if not isinstance(value, str):
        raise EvidenceMalformed(f"the bundle's {name!r} is not a string")
    return value


def _integer(parent: Mapping[str, Any], name: str) -> int:
    value = parent.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise EvidenceMalformed(f"the bundle's {name!r} is not a whole number")
    return value


def _bytes(parent: Mapping[str, Any], name: str) -> bytes:
    return base64.b64decode(_text(parent, name), validate=True)


def _position(item: Mapping[str, Any]) -> ChainPosition:
    return ChainPosition(_integer(item, "length"), _text(item, "hash"))


def _event(item: Any) -> ProvenEvent:
    if not isinstance(item, dict):
        raise EvidenceMalformed("a trace event of the chain proof is not an object")
    fields = _object(item, "fields")
    for key, value in fields.items():
        if not (value is None or isinstance(value, str | int)) or isinstance(value, bool):
            raise EvidenceMalformed(f"the trace event field {key!r} is neither text nor a number")
    return ProvenEvent(fields=fields, prev_hash=_text(item, "prev_hash"), hash=_text(item, "hash"))
