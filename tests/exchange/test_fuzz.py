"""A bounded fuzz run over everything that reads untrusted bytes: the parser, the validator,
the signature verifier and the whole inbound authentication (JWE included).

Random bytes and mutated valid inputs must end in a domain error (a ``GatewayError``) or be
accepted; no other exception may escape. Whatever is accepted must mean exactly what was
signed: the same header and the same document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from gateway.directory import Directory
from gateway.documents import parse_untrusted, validate_document
from gateway.errors import GatewayError
from gateway.exchange import Credentials, OutboundMessage, authenticate, prepare_outbound
from gateway.exchange import verify_envelope as verify
from support import example, example_bytes

FUZZ = settings(
    max_examples=300,
    deadline=None,
    # The same examples in every run: a failure in CI is one that reproduces anywhere.
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Fragments that steer mutations towards what parsers and verifiers trip over.
TOKENS = [
    b"<!DOCTYPE d [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    b"&e;",
    b"<![CDATA[x]]>",
    b"<?xml version='1.0'?>",
    b"<!-- c -->",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    "\u00e9\u200d\u0301".encode(),
    b' xmlns:ds="http://www.w3.org/2000/09/xmldsig#"',
    b"<ds:Signature/>",
    b' Id="x"',
    b' URI=""',
    b"</",
    b">",
    b'"',
    b"=",
    b".",
    b"A",
]


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few bytes flipped, cut, repeated or spliced with a token."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        kind = draw(st.sampled_from(["flip", "delete", "insert", "token", "repeat", "cut"]))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
        else:
            data = data[:at]
    return bytes(data)


def c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True)


@pytest.fixture(scope="module")
def outbound(directory: Directory, credentials: Callable[[str], Credentials]) -> OutboundMessage:
    return prepare_outbound(
        example("InsurancePeriodsRequest"),
        credentials=credentials("FR:CNAV"),
        directory=directory,
        recipient="DE:DRV70001",
        now=dt.datetime.now(dt.UTC),
    )


DOCUMENT = example_bytes("InsurancePeriodsRequest")


@FUZZ
@given(st.one_of(st.binary(max_size=2048), mutated(DOCUMENT)))
def test_the_parser_ends_in_a_domain_error(data: bytes) -> None:
    try:
        tree = parse_untrusted(data)
    except GatewayError:
        return
    assert tree.getroot() is not None


@FUZZ
@given(st.one_of(st.binary(max_size=2048), mutated(DOCUMENT)))
def test_the_validator_ends_in_a_domain_error(data: bytes) -> None:
    try:
        validated = validate_document(data)
    except GatewayError:
        return
    assert validated.root is not None


@FUZZ
@given(data=st.data())
def test_the_signature_verifier_accepts_only_what_was_signed(
    data: st.DataObject, outbound: OutboundMessage, directory: Directory
) -> None:
    plaintext = data.draw(
        st.one_of(st.binary(max_size=2048), mutated(outbound.signed_envelope)), label="plaintext"
    )
    try:
        verified = verify(plaintext, directory=directory, now=outbound.header.created)
    except GatewayError:
        return
    assert verified.header == outbound.header
    original = example("InsurancePeriodsRequest").root
    assert c14n(verified.document.root) == c14n(original)


@FUZZ
@given(data=st.data())
def test_inbound_authentication_of_a_mutated_token_ends_in_a_domain_error(
    data: st.DataObject,
    outbound: OutboundMessage,
    directory: Directory,
    credentials: Callable[[str], Credentials],
) -> None:
    token = data.draw(st.one_of(st.binary(max_size=2048), mutated(outbound.sealed)), label="token")
    try:
        envelope = authenticate(
            token,
            credentials=credentials("DE:DRV70001"),
            directory=directory,
            now=outbound.header.created,
        )
    except GatewayError:
        return
    assert envelope.header == outbound.header
