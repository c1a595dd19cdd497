"""Enveloped XML signatures: one signer and one verifier around signxml, with pinned rules.

What is accepted is fixed, not negotiated: exactly one ``ds:Signature``, a child of the root;
exactly one reference, ``URI=""`` (the whole document); the transforms enveloped-signature then
exclusive c14n; SHA-256; ECDSA-SHA256 for EC keys or RSA-SHA256 for RSA keys. The key comes
from certificates the caller vouches for (the directory), never from ``KeyInfo``; a certificate
in ``KeyInfo`` is only a hint to choose among those. Callers use only the element returned by
:func:`verify_signed`, which is what the signature covers.

Verification takes two steps. :func:`inspect_signature` checks the shape on the caller's tree
and chooses the certificates; :func:`verify_signed` then verifies the bytes that tree was
parsed from. signxml copies whatever it is given (a tree is serialised and parsed again, and
copied twice more inside), so given the bytes, the caller's own tree need not stay alive
beside signxml's copies: for a large document each tree is about twice the size of its text.
"""

from __future__ import annotations

import base64
import binascii
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidDigest, InvalidSignature, SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from gateway.errors import CertificateUntrusted, SignatureInvalid
from gateway.security._keys import PrivateKey

__all__ = [
    "PendingSignature",
    "SignatureAlgorithm",
    "SigningIdentity",
    "VerifiedXml",
    "inspect_signature",
    "sign_enveloped",
    "verify_signed",
]

_DS = "http://www.w3.org/2000/09/xmldsig#"
_NS = {"ds": _DS}
_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


class SignatureAlgorithm(enum.Enum):
    """The signature methods the network accepts, by key type."""

    ECDSA_SHA256 = SignatureMethod.ECDSA_SHA256
    RSA_SHA256 = SignatureMethod.RSA_SHA256


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """A loaded private key and its certificate. Load once; reloading per message is slow."""

    key: PrivateKey
    certificate: x509.Certificate

    @property
    def algorithm(self) -> SignatureAlgorithm:
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            return SignatureAlgorithm.ECDSA_SHA256
        return SignatureAlgorithm.RSA_SHA256


@dataclass(frozen=True, slots=True)
class VerifiedXml:
    """The signed element (use nothing else) and the certificate that verified it."""

    root: etree._Element
    certificate: x509.Certificate


def _signer(algorithm: SignatureAlgorithm) -> XMLSigner:
    return XMLSigner(
        signature_algorithm=algorithm.value,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )


def sign_enveloped(root: etree._Element, identity: SigningIdentity) -> etree._Element:
    """Return a signed copy of ``root`` with the signature as its last child."""
    if root.find(f".//{{{_DS}}}Signature") is not None:
        raise SignatureInvalid("the document is already signed")
    signed: etree._Element = _signer(identity.algorithm).sign(
        root, key=identity.key, cert=[identity.certificate]
    )
    return signed


def _expect(algorithm: SignatureAlgorithm) -> SignatureConfiguration:
    return SignatureConfiguration(
        require_x509=False,
        location="./",
        expect_references=1,
        signature_methods=frozenset({algorithm.value}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
        # KeyInfo was already compared with the trusted certificates below.
        ignore_ambiguous_key_info=True,
        default_reference_c14n_method=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )


def _only(signature: etree._Element, path: str, what: str) -> etree._Element:
    found = signature.findall(path, _NS)
    if len(found) != 1:
        raise SignatureInvalid(f"the signature must have exactly one {what}")
    return found[0]


def _check_structure(root: etree._Element) -> etree._Element:
    """Refuse every signature shape other than the one the network uses."""
    signatures = root.findall(f".//{{{_DS}}}Signature")
    if not signatures:
        raise SignatureInvalid("the document is not signed")
    if len(signatures) > 1:
        raise SignatureInvalid("the document carries more than one signature")
    signature = signatures[0]
    if signature.getparent() is not root:
        raise SignatureInvalid("the signature is not a direct child of the document root")
    c14n = _only(signature, "ds:SignedInfo/ds:CanonicalizationMethod", "canonicalization method")
    if c14n.get("Algorithm") != _EXC_C14N:
        raise SignatureInvalid("the signature must use exclusive canonicalization")
    reference = _only(signature, "ds:SignedInfo/ds:Reference", "reference")
    if reference.get("URI") != "":
        raise SignatureInvalid('the signature must cover the whole document (Reference URI="")')
    transforms = [t.get("Algorithm") for t in reference.findall("ds:Transforms/ds:Transform", _NS)]
    if transforms != [_ENVELOPED, _EXC_C14N]:
        raise SignatureInvalid(
            "the signature's transforms must be enveloped-signature then exclusive c14n"
        )
    digest = _only(reference, "ds:DigestMethod", "digest method")
    if digest.get("Algorithm") != _SHA256:
        raise SignatureInvalid("the signature's digest must be SHA-256")
    for forbidden in ("HMACOutputLength", "RetrievalMethod", "Manifest", "Object"):
        if signature.find(f".//ds:{forbidden}", _NS) is not None:
            raise SignatureInvalid(f"the signature contains a forbidden {forbidden} element")
    return signature


def _keyinfo_certificate(signature: etree._Element) -> bytes | None:
    certificates = signature.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", _NS)
    if len(certificates) > 1:
        raise SignatureInvalid("KeyInfo holds more than one certificate")
    if not certificates:
        return None
    text = "".join(certificates[0].itertext())
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error:
        raise SignatureInvalid("KeyInfo holds a certificate that is not base64") from None


def _algorithm_for(certificate: x509.Certificate) -> SignatureAlgorithm:
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return SignatureAlgorithm.ECDSA_SHA256
    if isinstance(key, rsa.RSAPublicKey):
        return SignatureAlgorithm.RSA_SHA256
    raise CertificateUntrusted("the certificate's key type is not accepted")


@dataclass(frozen=True, slots=True)
class PendingSignature:
    """A signature whose shape passed the checks, with the certificates it may verify with:
    all that :func:`verify_signed` needs of the unverified tree. Not verified yet."""

    root_tag: str
    candidates: tuple[x509.Certificate, ...]


def inspect_signature(
    root: etree._Element, trusted: Sequence[x509.Certificate]
) -> PendingSignature:
    """Check the enveloped signature's shape on ``root`` and choose among ``trusted``.

    ``trusted`` are the certificates the caller already vouched for (for an envelope: the
    directory's valid signing certificates of the claimed sender, two during a rotation).
    """
    if not trusted:
        raise CertificateUntrusted("no valid certificate is known for the signer")
    signature = _check_structure(root)
    hint = _keyinfo_certificate(signature)
    candidates = list(trusted)
    if hint is not None:
        candidates = [c for c in trusted if c.public_bytes(serialization.Encoding.DER) == hint]
        if not candidates:
            raise CertificateUntrusted(
                "the certificate in KeyInfo is not one the directory holds for the signer"
            )
    return PendingSignature(root_tag=str(root.tag), candidates=tuple(candidates))


def verify_signed(
    data: bytes, pending: PendingSignature, *, parser: etree.XMLParser
) -> VerifiedXml:
    """Verify the enveloped signature of ``data`` with one of the pending certificates.

    ``pending`` comes from :func:`inspect_signature` on the tree the caller parsed ``data``
    into, and ``parser`` parses the same way (safely, with the caller's limits already
    checked): signxml parses ``data`` again with it, so both read the same tree.
    """
    failure = "the signature does not verify"
    for certificate in pending.candidates:
        try:
            result = XMLVerifier().verify(
                data,
                x509_cert=certificate,
                expect_config=_expect(_algorithm_for(certificate)),
                parser=parser,
            )
        except InvalidDigest:
            failure = "the signature does not verify: the signed content was altered"
            continue
        except InvalidSignature:
            failure = "the signature does not verify with the signer's certificate"
            continue
        except SignXMLException as error:
            failure = f"the signature is malformed: {error}"
            continue
        signed = None if isinstance(result, list) else result.signed_xml
        if signed is None or signed.tag != pending.root_tag:
            raise SignatureInvalid("the signature does not cover the document root")
        return VerifiedXml(root=signed, certificate=certificate)
    raise SignatureInvalid(failure)
