"""RFC 3161 time-stamps of the evidence chains' heads: what the node asks its time-stamping
authority (TSA) to sign, and the checks a token must pass, then and at any later time.

What is stamped is an *anchor statement*: a few lines of ASCII naming the institution and,
for each chain, its length and head hash. The token's message imprint is the statement's
SHA-256, so one token fixes both heads at once, at a given position, for one node: it cannot
be passed off for another chain, another position or another institution. The requests,
the replies and the signature checks are rfc3161-client's; this module adds what the node
asks of a token on top of them (the imprint of its own statement, a time, the configured
authority) and turns the library's errors into :class:`TimestampInvalid`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimeStampRequest,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from gateway.errors import TimestampInvalid

__all__ = [
    "ANCHOR_FORMAT",
    "QUERY_MEDIA_TYPE",
    "REPLY_MEDIA_TYPE",
    "AnchorStatement",
    "ChainPosition",
    "Timestamp",
    "TimestampQuery",
    "check_timestamp",
    "read_timestamp_reply",
    "timestamp_query",
]

#: The first line of every anchor statement: the statement's own version.
ANCHOR_FORMAT = "ssgw-anchor/1"
#: Media types of RFC 3161 over HTTP (RFC 3161, section 3.4).
QUERY_MEDIA_TYPE = "application/timestamp-query"
REPLY_MEDIA_TYPE = "application/timestamp-reply"
_SHA256 = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")


@dataclass(frozen=True, slots=True)
class ChainPosition:
    """A chain's length and the hash of its newest row (:data:`GENESIS` when empty)."""

    length: int
    hash: str


@dataclass(frozen=True, slots=True)
class AnchorStatement:
    """What one anchor fixes: both chains' heads of one institution's node."""

    institution: str
    trace: ChainPosition
    audit: ChainPosition

    def text(self) -> bytes:
        """The statement as stamped; its SHA-256 is the token's message imprint."""
        lines = (
            ANCHOR_FORMAT,
            f"institution {self.institution}",
            f"trace {self.trace.length} {self.trace.hash}",
            f"audit {self.audit.length} {self.audit.hash}",
        )
        return ("\n".join(lines) + "\n").encode("ascii")

    @property
    def imprint(self) -> bytes:
        return hashlib.sha256(self.text()).digest()


@dataclass(frozen=True, slots=True)
class TimestampQuery:
    """A time-stamp request for one statement: the DER body to send, kept with the request
    so that the reply can be matched to it (the nonce)."""

    statement: AnchorStatement
    request: TimeStampRequest

    @property
    def body(self) -> bytes:
        return self.request.as_bytes()


@dataclass(frozen=True, slots=True)
class Timestamp:
    """A checked token: the TSA's whole reply (DER, as kept) and the time it states."""

    token: bytes
    time: dt.datetime


def timestamp_query(statement: AnchorStatement) -> TimestampQuery:
    """A SHA-256 request for ``statement``, with a nonce, asking for the TSA's certificate
    in the token (so that the token can be checked against a CA alone)."""
    request = (
        TimestampRequestBuilder()
        .data(statement.text())
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    return TimestampQuery(statement, request)


def read_timestamp_reply(
    query: TimestampQuery, reply: bytes, authority: Sequence[x509.Certificate]
) -> Timestamp:
    """Check the TSA's reply to ``query``: granted, the request's nonce, signed by a
    certificate for time-stamping issued by ``authority``, stamping this statement.
    Raises :class:`TimestampInvalid`."""
    response = _decode(reply)
    builder = VerifierBuilder.from_request(query.request)
    return _checked(response, reply, query.statement, builder, authority)


def check_timestamp(
    token: bytes, statement: AnchorStatement, authority: Sequence[x509.Certificate]
) -> Timestamp:
    """Check a kept token, at any later time: as :func:`read_timestamp_reply` but without
    the nonce, which only served to match the reply. The TSA's certificate must have been
    valid when it stamped, not now. Raises :class:`TimestampInvalid`."""
    return _checked(_decode(token), token, statement, VerifierBuilder(), authority)


def _decode(data: bytes) -> TimeStampResponse:
    try:
        response = decode_timestamp_response(data)
    except ValueError as error:
        raise TimestampInvalid(f"not an RFC 3161 time-stamp reply: {error}") from None
    if response.status != PKIStatus.GRANTED:
        said = "; ".join(response.status_string) or "no reason given"
        raise TimestampInvalid(
            f"the time-stamping authority refused the request (status {response.status}: {said})"
        )
    return response


def _checked(
    response: TimeStampResponse,
    token: bytes,
    statement: AnchorStatement,
    builder: VerifierBuilder,
    authority: Sequence[x509.Certificate],
) -> Timestamp:
    if not authority:
        raise TimestampInvalid("no time-stamping authority certificate to check the token with")
    imprint = response.tst_info.message_imprint
    if imprint.hash_algorithm != _SHA256:
        raise TimestampInvalid(
            f"the token's imprint uses {imprint.hash_algorithm.dotted_string}, not SHA-256"
        )
    if imprint.message != statement.imprint:
        raise TimestampInvalid(
            "the token stamps other chain heads than the anchor records: its imprint is "
            f"{imprint.message.hex()}, the anchor's statement hashes to "
            f"{statement.imprint.hex()}"
        )
    for certificate in authority:
        builder = builder.add_root_certificate(certificate)
    try:
        builder.build().verify(response, statement.imprint)
    except (VerificationError, ValueError) as error:
        raise TimestampInvalid(
            f"the token is not signed by the configured time-stamping authority: {error}"
        ) from None
    time = response.tst_info.gen_time
    if time is None:
        raise TimestampInvalid("the token states no time")
    return Timestamp(token, time if time.tzinfo else time.replace(tzinfo=dt.UTC))
