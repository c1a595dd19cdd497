"""Signatures: what the verifier accepts is exactly what the sender signed, nothing else."""

from __future__ import annotations

import base64
import copy
import datetime as dt
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from gateway.codes import InstitutionId
from gateway.directory import Directory
from gateway.documents import ENVELOPE_NAMESPACE, build_envelope
from gateway.errors import CertificateUntrusted, SecurityError, SignatureInvalid
from gateway.exchange import Credentials, OutboundMessage, prepare_outbound, verify_envelope
from gateway.security import KeyUse, sign_enveloped
from support import example

DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"ds": DS, "env": ENVELOPE_NAMESPACE}


@pytest.fixture
def message(
    directory: Directory, credentials: Callable[[str], Credentials], now: dt.datetime
) -> OutboundMessage:
    return prepare_outbound(
        example("InsurancePeriodsReply"),
        credentials=credentials("DE:DRV70001"),
        directory=directory,
        recipient="FR:CNAV",
        now=now,
        in_reply_to=None,
    )


def tree_of(message: OutboundMessage) -> etree._Element:
    return etree.fromstring(message.signed_envelope)


def verify(root: etree._Element, directory: Directory, now: dt.datetime) -> object:
    return verify_envelope(etree.tostring(root), directory=directory, now=now)


def test_an_untouched_envelope_verifies(
    message: OutboundMessage, directory: Directory, now: dt.datetime
) -> None:
    verified = verify_envelope(message.signed_envelope, directory=directory, now=now)
    assert verified.header == message.header


@pytest.mark.parametrize(
    ("path", "attribute", "value"),
    [
        ("env:Header/env:MessageId", None, "0b9d7c1e-3f55-4c1b-9c57-6a1f4c1d2e3f"),
        ("env:Header/env:Case/env:Id", None, "0b9d7c1e-3f55-4c1b-9c57-6a1f4c1d2e3f"),
        ("env:Header/env:Case/env:Type", None, "benefit-claim"),
        ("env:Header/env:Case", "protectedPerson", "true"),
        ("env:Header/env:DocumentSet", "version", "2"),
        ("env:Header/env:DocumentSet", "action", "invalidate"),
        ("env:Header/env:Sender", None, "FR:CNAV"),
        ("env:Header/env:Recipient", None, "IN:EPFO"),
        ("env:Header/env:Document", "schemaVersion", "1.1"),
        ("env:Header/env:Created", None, "2026-01-01T00:00:00.000Z"),
        ("env:Header/env:Expires", None, "2099-01-01T00:00:00.000Z"),
    ],
    ids=lambda v: str(v),
)
def test_changing_any_header_field_breaks_the_signature(
    path: str,
    attribute: str | None,
    value: str,
    message: OutboundMessage,
    directory: Directory,
    now: dt.datetime,
) -> None:
    root = tree_of(message)
    node = root.find(path, NS)
    assert node is not None
    if attribute:
        node.set(attribute, value)
    else:
        node.text = value
    with pytest.raises(SecurityError):
        verify(root, directory, now)


def test_changing_the_body_breaks_the_signature(
    message: OutboundMessage, directory: Directory, now: dt.datetime
) -> None:
    root = tree_of(message)
    body = root.find("env:Body", NS)
    assert body is not None
    text_node = next(e for e in body.iter() if e.text and e.text.strip())
    text_node.text = (text_node.text or "") + "x"
    with pytest.raises(SignatureInvalid):
        verify(root, directory, now)


def test_changing_the_signature_value_breaks_it(
    message: OutboundMessage, directory: Directory, now: dt.datetime
) -> None:
    root = tree_of(message)
    value = root.find("ds:Signature/ds:SignatureValue", NS)
    assert value is not None and value.text
    value.text = ("B" if value.text[0] != "B" else "C") + value.text[1:]
    with pytest.raises(SignatureInvalid):
        verify(root, directory, now)


def test_another_institutions_certificate_in_keyinfo_is_refused(
    message: OutboundMessage, directory: Directory, now: dt.datetime
) -> None:
    root = tree_of(message)
    other = directory.certificates(InstitutionId("FR:CNAV"), KeyUse.SIGNING, now)[0]
    node = root.find("ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", NS)
    assert node is not None
    node.text = base64.b64encode(other.public_bytes(serialization.Encoding.DER)).decode()
    with pytest.raises(CertificateUntrusted, match="KeyInfo"):
        verify(root, directory, now)


def test_a_signature_by_another_institution_claiming_to_be_the_sender_is_refused(
    message: OutboundMessage,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    now: dt.datetime,
) -> None:
    impostor = credentials("FR:CNAV")
    document = example("InsurancePeriodsReply")
    forged = sign_enveloped(build_envelope(message.header, document.root), impostor.signing)
    with pytest.raises(CertificateUntrusted):
        verify(forged, directory, now)
    # Without KeyInfo the sender's real certificate is used, and it does not verify.
    key_info = forged.find("ds:Signature/ds:KeyInfo", NS)
    assert key_info is not None
    key_info.getparent().remove(key_info)  # type: ignore[union-attr]
    with pytest.raises(SignatureInvalid):
        verify(forged, directory, now)


def test_an_expired_or_not_yet_valid_certificate_is_refused(
    message: OutboundMessage, directory: Directory, now: dt.datetime
) -> None:
    root = tree_of(message)
    with pytest.raises(CertificateUntrusted, match="expired"):
        verify(root, directory, now + dt.timedelta(days=800))
    with pytest.raises(CertificateUntrusted, match="not yet valid"):
        verify(root, directory, now - dt.timedelta(days=1))


# Signature wrapping: each variant tries to make the verifier accept one thing while the
# application reads another. None may yield content the signature does not cover.


def _evil_copy(root: etree._Element) -> etree._Element:
    evil = copy.deepcopy(root)
    signature = evil.find("ds:Signature", NS)
    assert signature is not None
    evil.remove(signature)
    recipient = evil.find("env:Header/env:Recipient", NS)
    assert recipient is not None
    recipient.text = "IN:EPFO"
    return evil


def wrap_signed_inside_evil_body(root: etree._Element) -> etree._Element:
    evil = _evil_copy(root)
    body = evil.find("env:Body", NS)
    assert body is not None
    body.append(copy.deepcopy(root))
    return evil


def move_signature_to_evil_document(root: etree._Element) -> etree._Element:
    evil = _evil_copy(root)
    signature = root.find("ds:Signature", NS)
    assert signature is not None
    evil.append(copy.deepcopy(signature))
    return evil


def signed_copy_inside_signature_object(root: etree._Element) -> etree._Element:
    evil = _evil_copy(root)
    signature = copy.deepcopy(root.find("ds:Signature", NS))
    assert signature is not None
    holder = etree.SubElement(signature, f"{{{DS}}}Object")
    holder.append(copy.deepcopy(root))
    evil.append(signature)
    return evil


def insert_unsigned_sibling_body(root: etree._Element) -> etree._Element:
    forged = copy.deepcopy(root)
    body = forged.find("env:Body", NS)
    assert body is not None
    forged.insert(forged.index(body), copy.deepcopy(body))
    return forged


def insert_element_with_duplicate_id(root: etree._Element) -> etree._Element:
    forged = copy.deepcopy(root)
    header = forged.find("env:Header", NS)
    assert header is not None
    header.set("Id", "body")
    body = forged.find("env:Body", NS)
    assert body is not None
    body.set("Id", "body")
    return forged


def reference_another_element(root: etree._Element) -> etree._Element:
    forged = copy.deepcopy(root)
    reference = forged.find("ds:Signature/ds:SignedInfo/ds:Reference", NS)
    assert reference is not None
    reference.set("URI", "#body")
    return forged


def add_a_second_signature(root: etree._Element) -> etree._Element:
    forged = copy.deepcopy(root)
    signature = root.find("ds:Signature", NS)
    assert signature is not None
    forged.append(copy.deepcopy(signature))
    return forged


def remove_the_signature(root: etree._Element) -> etree._Element:
    forged = copy.deepcopy(root)
    signature = forged.find("ds:Signature", NS)
    assert signature is not None
    forged.remove(signature)
    return forged


def add_an_xpath_transform(root: etree._Element) -> etree._Element:
    forged = copy.deepcopy(root)
    transforms = forged.find("ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms", NS)
    assert transforms is not None
    extra = etree.SubElement(
        transforms, f"{{{DS}}}Transform", Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"
    )
    etree.SubElement(extra, f"{{{DS}}}XPath").text = "not(ancestor-or-self::*)"
    return forged


def downgrade_to_hmac(root: etree._Element) -> etree._Element:
    forged = copy.deepcopy(root)
    method = forged.find("ds:Signature/ds:SignedInfo/ds:SignatureMethod", NS)
    assert method is not None
    method.set("Algorithm", "http://www.w3.org/2000/09/xmldsig#hmac-sha1")
    etree.SubElement(method, f"{{{DS}}}HMACOutputLength").text = "8"
    return forged


def downgrade_digest_to_sha1(root: etree._Element) -> etree._Element:
    forged = copy.deepcopy(root)
    method = forged.find("ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestMethod", NS)
    assert method is not None
    method.set("Algorithm", "http://www.w3.org/2000/09/xmldsig#sha1")
    return forged


def add_a_retrieval_method(root: etree._Element) -> etree._Element:
    forged = copy.deepcopy(root)
    key_info = forged.find("ds:Signature/ds:KeyInfo", NS)
    assert key_info is not None
    etree.SubElement(key_info, f"{{{DS}}}RetrievalMethod", URI="http://127.0.0.1:9/key")
    return forged


@pytest.mark.parametrize(
    "forge",
    [
        wrap_signed_inside_evil_body,
        move_signature_to_evil_document,
        signed_copy_inside_signature_object,
        insert_unsigned_sibling_body,
        insert_element_with_duplicate_id,
        reference_another_element,
        add_a_second_signature,
        remove_the_signature,
        add_an_xpath_transform,
        downgrade_to_hmac,
        downgrade_digest_to_sha1,
        add_a_retrieval_method,
    ],
    ids=lambda f: f.__name__,
)
def test_wrapping_and_downgrade_variants_are_refused(
    forge: Callable[[etree._Element], etree._Element],
    message: OutboundMessage,
    directory: Directory,
    now: dt.datetime,
) -> None:
    forged = forge(tree_of(message))
    with pytest.raises(SecurityError):
        verify(forged, directory, now)


def test_a_comment_injected_into_signed_text_changes_nothing_read(
    message: OutboundMessage, directory: Directory, now: dt.datetime
) -> None:
    text = message.signed_envelope.decode()
    start = text.index("<c:FamilyName>") + len("<c:FamilyName>")
    injected = text[: start + 2] + "<!-- x -->" + text[start + 2 :]
    verified = verify_envelope(injected.encode(), directory=directory, now=now)
    names = verified.document.root.iter("{urn:ssgw:common:1}FamilyName")
    original = message.document.root.iter("{urn:ssgw:common:1}FamilyName")
    assert ["".join(n.itertext()) for n in names] == ["".join(n.itertext()) for n in original]
