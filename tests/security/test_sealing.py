"""Encryption: only the recipient opens, nothing altered opens, no negotiation of algorithms."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from joserfc import jwe
from joserfc.jwk import ECKey

from gateway.errors import DecryptionFailed
from gateway.exchange import Credentials
from gateway.security import open_sealed, seal

PLAINTEXT = "<env:Envelope xmlns:env='urn:ssgw:envelope:1'>Ünïcödé</env:Envelope>".encode()


@pytest.fixture
def recipient(credentials: Callable[[str], Credentials]) -> Credentials:
    return credentials("DE:DRV70001")


def _public_jwk(recipient: Credentials) -> ECKey:
    pem = (
        recipient.decryption[0]
        .certificate.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return ECKey.import_key(pem)


def _header(token: bytes) -> dict[str, object]:
    part = token.split(b".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4))))


def test_round_trip(recipient: Credentials) -> None:
    token = seal(PLAINTEXT, recipient.decryption[0].certificate)
    header = _header(token)
    assert header["alg"] == "ECDH-ES+A256KW"
    assert header["enc"] == "A256GCM"
    assert header["kid"] == recipient.decryption[0].kid
    assert "zip" not in header
    assert open_sealed(token, recipient.decryption) == PLAINTEXT


def test_an_envelope_of_the_largest_document_round_trips(recipient: Credentials) -> None:
    # Nodes accept documents of 25 MB: their sealed envelopes must open too.
    plaintext = b"<Envelope>" + b"x" * (26 * 1024 * 1024) + b"</Envelope>"
    token = seal(plaintext, recipient.decryption[0].certificate)
    assert open_sealed(token, recipient.decryption) == plaintext


def test_another_institution_cannot_open(
    recipient: Credentials, credentials: Callable[[str], Credentials]
) -> None:
    token = seal(PLAINTEXT, recipient.decryption[0].certificate)
    with pytest.raises(DecryptionFailed):
        open_sealed(token, credentials("FR:CNAV").decryption)


def test_a_forged_kid_does_not_help(
    recipient: Credentials, credentials: Callable[[str], Credentials]
) -> None:
    # Sealed to DE's key but labelled with FR's kid: FR's key cannot open it.
    other = credentials("FR:CNAV")
    token = jwe.encrypt_compact(
        {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": other.decryption[0].kid},
        PLAINTEXT,
        _public_jwk(recipient),
        algorithms=["ECDH-ES+A256KW", "A256GCM"],
    ).encode()
    with pytest.raises(DecryptionFailed, match="altered or damaged"):
        open_sealed(token, other.decryption)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ({"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "zip": "DEF"}, "compressed"),
        ({"alg": "ECDH-ES", "enc": "A256GCM"}, "key management"),
        ({"alg": "ECDH-ES+A128KW", "enc": "A128GCM"}, "key management"),
        ({"alg": "ECDH-ES+A256KW", "enc": "A128CBC-HS256"}, "content encryption"),
        ({"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "jku": "http://127.0.0.1:9/"}, "unexpected"),
    ],
    ids=["zip", "direct-ecdh", "weaker-wrap", "cbc", "jku"],
)
def test_algorithms_outside_the_allow_list_are_refused(
    header: dict[str, str], message: str, recipient: Credentials
) -> None:
    protected = header | {"kid": recipient.decryption[0].kid}
    algorithms = [protected["alg"], protected["enc"]] + (["DEF"] if "zip" in protected else [])
    token = jwe.encrypt_compact(
        protected, PLAINTEXT, _public_jwk(recipient), algorithms=algorithms
    ).encode()
    with pytest.raises(DecryptionFailed, match=message):
        open_sealed(token, recipient.decryption)


@pytest.mark.parametrize("kid", [None, ""], ids=["absent", "empty"])
def test_a_header_without_a_kid_is_named_as_such(kid: object, recipient: Credentials) -> None:
    protected: dict[str, object] = {"alg": "ECDH-ES+A256KW", "enc": "A256GCM"}
    if kid is not None:
        protected["kid"] = kid
    token = jwe.encrypt_compact(
        protected, PLAINTEXT, _public_jwk(recipient), algorithms=["ECDH-ES+A256KW", "A256GCM"]
    ).encode()
    with pytest.raises(DecryptionFailed, match="names no key"):
        open_sealed(token, recipient.decryption)


def test_a_truncated_tag_is_refused(recipient: Credentials) -> None:
    token = seal(PLAINTEXT, recipient.decryption[0].certificate)
    parts = token.split(b".")
    parts[4] = parts[4][:-4]
    with pytest.raises(DecryptionFailed):
        open_sealed(b".".join(parts), recipient.decryption)


def test_an_altered_ciphertext_is_refused(recipient: Credentials) -> None:
    token = seal(PLAINTEXT, recipient.decryption[0].certificate)
    parts = token.split(b".")
    flipped = bytearray(base64.urlsafe_b64decode(parts[3] + b"=" * (-len(parts[3]) % 4)))
    flipped[0] ^= 1
    parts[3] = base64.urlsafe_b64encode(bytes(flipped)).rstrip(b"=")
    with pytest.raises(DecryptionFailed, match="altered"):
        open_sealed(b".".join(parts), recipient.decryption)


@pytest.mark.parametrize(
    "token",
    [
        b"",
        b"garbage",
        b"a.b.c.d.e",
        b"!!!!.b.c.d.e",
        base64.urlsafe_b64encode(b"[1]") + b".b.c.d.e",
    ],
    ids=["empty", "garbage", "not-base64-json", "bad-chars", "json-array"],
)
def test_garbage_is_refused_with_a_clear_error(token: bytes, recipient: Credentials) -> None:
    with pytest.raises(DecryptionFailed):
        open_sealed(token, recipient.decryption)
