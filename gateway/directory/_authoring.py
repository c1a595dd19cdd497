"""Making a signed directory snapshot from its source and a PKI folder (the authority's job)."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from lxml import etree

from gateway.codes import InvalidIdentifier, parse_institution_id
from gateway.directory._loader import DIRECTORY_LIMITS, parse_directory_element
from gateway.documents import DIRECTORY_NAMESPACE, parse_untrusted
from gateway.errors import DirectoryError
from gateway.security import (
    KeyUse,
    SigningIdentity,
    institution_files,
    load_certificate,
    sign_enveloped,
)

__all__ = ["sign_directory"]

_D = f"{{{DIRECTORY_NAMESPACE}}}"


def sign_directory(
    source: bytes,
    *,
    authority: SigningIdentity,
    pki_dir: Path | None = None,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """Fill in certificates, stamp the issue time and sign a directory with the authority key.

    Institutions listed without certificates get theirs from ``pki_dir`` when it holds them.
    The result is read back against the schema before it is signed, so a snapshot that a
    node would refuse is never produced.
    """
    root = parse_untrusted(source, DIRECTORY_LIMITS).getroot()
    if root.tag != f"{_D}Directory":
        raise DirectoryError("the source is not a network directory")
    if pki_dir is not None:
        for institution in root.iterfind(f"{_D}Institutions/{_D}Institution"):
            if institution.find(f"{_D}Certificate") is not None:
                continue
            try:
                institution_id = parse_institution_id(str(institution.get("id")))
            except InvalidIdentifier as error:
                raise DirectoryError(str(error)) from None
            folder = institution_files(pki_dir, institution_id)
            for use in KeyUse:
                path = folder.certificate(use)
                if path.exists():
                    der = load_certificate(path).public_bytes(serialization.Encoding.DER)
                    node = etree.SubElement(institution, f"{_D}Certificate", use=use.value)
                    node.text = base64.b64encode(der).decode("ascii")
    moment = now or dt.datetime.now(dt.UTC)
    root.set("issued", moment.isoformat(timespec="seconds"))
    if version is not None:
        root.set("version", str(version))
    parse_directory_element(root, authority.certificate)
    etree.indent(root, space="  ")
    signed = sign_enveloped(root, authority)
    return etree.tostring(signed, encoding="UTF-8", xml_declaration=True)
