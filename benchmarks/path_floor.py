"""The floor of the whole path: the essential work of one delivered document and nothing else.

The libraries are called directly, with keys, schemas and signers loaded once: lxml parses and
validates, signxml signs and verifies, joserfc seals and opens, AES-GCM keeps the copy at rest.
For each document of the mix, the sending node parses, validates, signs and seals it and keeps
a copy at rest; the receiving node opens, parses, validates and verifies it (it keeps what it
received, already sealed, at no cost), then signs, seals and keeps its receipt; the sending
node opens, parses, validates and verifies that receipt. The sum is ``ms_per_document``: what
both nodes together cannot spend less than, whatever the design around it.

The inputs (a real signed envelope and a real receipt) are made by the gateway itself, outside
the timings, so the floor does the same work on the same bytes as the path it is compared with.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import median_us
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from joserfc import jwe
from joserfc.jwk import ECKey
from lxml import etree
from path_plan import RECIPIENT, SENDER
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from gateway.demo import node_keys, prepare_network
from gateway.directory import Directory, load_directory
from gateway.documents import (
    ValidatedDocument,
    envelope_body,
    validate_document,
    validate_element,
)
from gateway.exchange import Credentials, OutboundMessage, build_receipt, prepare_outbound
from gateway.security import authority_files, load_certificate

__all__ = ["floor"]

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_JWE_ALGORITHMS = ["ECDH-ES+A256KW", "A256GCM"]


@dataclass(frozen=True)
class _Party:
    """One node's keys as the libraries take them, loaded once."""

    credentials: Credentials
    private_jwk: ECKey
    public_jwk: ECKey
    certificate_pem: bytes
    data_key: AESGCM


def _party(credentials: Credentials) -> _Party:
    own = credentials.decryption[0]
    private_pem = own.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = own.certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return _Party(
        credentials=credentials,
        private_jwk=ECKey.import_key(private_pem),
        public_jwk=ECKey.import_key(public_pem),
        certificate_pem=credentials.signing.certificate.public_bytes(serialization.Encoding.PEM),
        data_key=AESGCM(AESGCM.generate_key(bit_length=256)),
    )


_SIGNER = XMLSigner(
    signature_algorithm=SignatureMethod.ECDSA_SHA256,
    digest_algorithm=DigestAlgorithm.SHA256,
    c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
)
_EXPECT = SignatureConfiguration(
    require_x509=False,
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)


def _unsigned(signed: bytes) -> etree._Element:
    root = etree.fromstring(signed, _PARSER)
    root.remove(root[-1])
    return root


def _sealer(party: _Party) -> Callable[[bytes], bytes]:
    header = {"alg": _JWE_ALGORITHMS[0], "enc": _JWE_ALGORITHMS[1]}
    return lambda data: jwe.encrypt_compact(
        header, data, party.public_jwk, algorithms=_JWE_ALGORITHMS
    ).encode()


def _opener(party: _Party) -> Callable[[bytes], object]:
    registry = jwe.JWERegistry(algorithms=_JWE_ALGORITHMS)
    registry.max_ciphertext_length = 128 * 1024 * 1024
    return lambda token: jwe.decrypt_compact(token, party.private_jwk, registry=registry)


def _kept(party: _Party) -> Callable[[bytes], bytes]:
    return lambda data: party.data_key.encrypt(os.urandom(12), data, None)


def _one_way(
    prefix: str, message: OutboundMessage, signer: _Party, reader: _Party, schema: etree.XMLSchema
) -> dict[str, Callable[[], object]]:
    """The stages of one signed, sealed message: written by ``signer``, read by ``reader``."""
    signed = message.signed_envelope
    unsigned, root = _unsigned(signed), etree.fromstring(signed, _PARSER)
    key, cert = signer.credentials.signing.key, signer.credentials.signing.certificate
    seal, open_, keep = _sealer(reader), _opener(reader), _kept(signer)
    verifier_cert = signer.certificate_pem.decode()
    return {
        f"{prefix} sign": lambda: _SIGNER.sign(unsigned, key=key, cert=[cert]),
        f"{prefix} seal": lambda: seal(signed),
        f"{prefix} at rest": lambda: keep(signed),
        f"{prefix} open": lambda: open_(message.sealed),
        f"{prefix} parse": lambda: etree.fromstring(signed, _PARSER),
        f"{prefix} validate": lambda: schema.validate(envelope_body(root)),
        f"{prefix} verify": lambda: XMLVerifier().verify(
            root, x509_cert=verifier_cert, expect_config=_EXPECT
        ),
    }


def _check(message: OutboundMessage, schema: etree.XMLSchema) -> None:
    """A floor measured on an invalid document would time the quick way out of validation."""
    body = envelope_body(etree.fromstring(message.signed_envelope, _PARSER))
    if not schema.validate(body):
        raise SystemExit(f"floor: the schema refuses the message: {schema.error_log}")


def _messages(
    data: bytes, sender: _Party, receiver: _Party, directory: Directory
) -> tuple[OutboundMessage, OutboundMessage, etree.XMLSchema, etree.XMLSchema]:
    """A real message of ``data`` and its real receipt, and the schema each is valid under."""
    now = dt.datetime.now(dt.UTC)
    document = validate_document(data)
    message = prepare_outbound(
        document, credentials=sender.credentials, directory=directory, recipient=RECIPIENT, now=now
    )
    receipt = validate_element(build_receipt(uuid.uuid4(), message.digest, now))
    answer = prepare_outbound(
        receipt,
        credentials=receiver.credentials,
        directory=directory,
        recipient=SENDER,
        now=now,
        case_id=message.header.case_id,
        case_type=message.header.case_type,
        in_reply_to=message.header.message_id,
        adopt_document=True,
    )
    return message, answer, _schema(document), _schema(receipt)


def _schema(document: ValidatedDocument) -> etree.XMLSchema:
    path = document.document_type.family.schema_path(document.schema_version)
    return etree.XMLSchema(etree.parse(str(path), _PARSER))


def floor(folder: Path, documents: Sequence[bytes], rounds: int) -> dict[str, Any]:
    """The essential CPU of one delivered document of the mix, in milliseconds, and of each
    stage in microseconds (the mean over the mix of each document's median)."""
    directory_file = prepare_network(folder, (SENDER, RECIPIENT))
    pki = folder / "pki"
    authority = load_certificate(authority_files(pki).certificate)
    directory = load_directory(directory_file.read_bytes(), authority)
    sender = _party(Credentials.from_institution_files(node_keys(folder, SENDER)))
    receiver = _party(Credentials.from_institution_files(node_keys(folder, RECIPIENT)))
    per_document: list[dict[str, float]] = []
    for data in documents:
        message, receipt, schema, receipt_schema = _messages(data, sender, receiver, directory)
        stages = _one_way("document", message, sender, receiver, schema)
        stages |= _one_way("receipt", receipt, receiver, sender, receipt_schema)
        _check(message, schema)
        _check(receipt, receipt_schema)
        per_document.append({name: median_us(a, rounds) for name, a in stages.items()})
    stage_us = {
        name: statistics.mean(figures[name] for figures in per_document) for name in per_document[0]
    }
    return {
        "ms_per_document": sum(stage_us.values()) / 1e3,
        "stage_us": stage_us,
        "rounds": rounds,
    }
