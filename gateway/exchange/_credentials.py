"""An institution's own keys, loaded once when a node or a command starts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.x509.oid import NameOID

from gateway.codes import InstitutionId, InvalidIdentifier, parse_institution_id
from gateway.errors import KeyMaterialError
from gateway.security import (
    DecryptionKey,
    InstitutionFiles,
    KeyUse,
    SigningIdentity,
    institution_files,
    load_certificate,
    load_private_key,
)

__all__ = ["Credentials"]


@dataclass(frozen=True)
class Credentials:
    """Who this node is: its institution id, signing identity and decryption keys.

    During a rotation a node holds two decryption keys: messages sealed to either open.
    """

    institution: InstitutionId
    signing: SigningIdentity
    decryption: tuple[DecryptionKey, ...]

    @classmethod
    def from_files(
        cls,
        *,
        signing_key: Path,
        signing_certificate: Path,
        encryption_keys: list[tuple[Path, Path]],
        passphrase: bytes | None = None,
    ) -> Credentials:
        """Load keys from PEM files; the institution id is the signing certificate's subject."""
        certificate = load_certificate(signing_certificate)
        names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        try:
            institution = parse_institution_id(str(names[0].value) if names else "")
        except InvalidIdentifier:
            raise KeyMaterialError(
                f"{signing_certificate} does not name an institution in its common name"
            ) from None
        signing = SigningIdentity(load_private_key(signing_key, passphrase), certificate)
        decryption = tuple(
            DecryptionKey(load_private_key(key, passphrase), load_certificate(cert))
            for key, cert in encryption_keys
        )
        return cls(institution=institution, signing=signing, decryption=decryption)

    @classmethod
    def from_pki(
        cls, pki_dir: Path, institution: InstitutionId, passphrase: bytes | None = None
    ) -> Credentials:
        """Load an institution's keys from a folder laid out by ``ssgw pki issue``."""
        return cls.from_institution_files(institution_files(pki_dir, institution), passphrase)

    @classmethod
    def from_institution_files(
        cls, files: InstitutionFiles, passphrase: bytes | None = None
    ) -> Credentials:
        """Load the keys and certificates of one institution's folder (``ssgw keys generate``
        and ``ssgw keys install`` lay it out as ``ssgw pki issue`` does)."""
        return cls.from_files(
            signing_key=files.key(KeyUse.SIGNING),
            signing_certificate=files.certificate(KeyUse.SIGNING),
            encryption_keys=[(files.key(KeyUse.ENCRYPTION), files.certificate(KeyUse.ENCRYPTION))],
            passphrase=passphrase,
        )
