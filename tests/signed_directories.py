"""Helpers for tests that change the signed directory: take it apart, edit it, sign it again."""

from __future__ import annotations

import base64
from pathlib import Path

from lxml import etree

from gateway.directory import DIRECTORY_LIMITS
from gateway.documents import DIRECTORY_NAMESPACE, parse_untrusted
from gateway.security import (
    KeyUse,
    SigningIdentity,
    load_certificate,
    load_private_key,
    sign_enveloped,
)

D = f"{{{DIRECTORY_NAMESPACE}}}"


def authority_identity(pki_dir: Path) -> SigningIdentity:
    """The network authority of the session's PKI, which signs directories."""
    return SigningIdentity(
        load_private_key(pki_dir / "authority.key"), load_certificate(pki_dir / "authority.pem")
    )


def unsigned_copy(signed_directory_file: Path) -> etree._Element:
    """The directory's XML without its signature, ready to edit."""
    root = parse_untrusted(signed_directory_file.read_bytes(), DIRECTORY_LIMITS).getroot()
    signature = root.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    assert signature is not None
    root.remove(signature)
    return root


def resign(root: etree._Element, pki_dir: Path) -> bytes:
    """An edited directory signed by the authority again."""
    return etree.tostring(sign_enveloped(root, authority_identity(pki_dir)))


def add_certificate(
    root: etree._Element, institution: str, certificate_der: bytes, use: KeyUse
) -> None:
    """List one more certificate of ``use`` for ``institution``."""
    for node in root.iterfind(f"{D}Institutions/{D}Institution"):
        if node.get("id") == institution:
            certificate = etree.SubElement(node, f"{D}Certificate", use=use.value)
            certificate.text = base64.b64encode(certificate_der).decode()
            return
    raise AssertionError(institution)
