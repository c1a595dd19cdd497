"""Keys, certificates, signatures and encryption: the dangerous primitives behind a safe API.

Nothing here reads the network directory or the bus; callers pass the certificates they trust.
"""

from __future__ import annotations

from gateway.security._chain import GENESIS, chain_hash
from gateway.security._keys import (
    PrivateKey,
    certificate_fingerprint,
    load_certificate,
    load_private_key,
    read_certificate,
    write_file_atomically,
)
from gateway.security._pki import (
    KeyUse,
    authority_files,
    init_authority,
    institution_files,
    issue_certificate,
    issue_institution,
)
from gateway.security._sealing import DecryptionKey, SealingAlgorithms, open_sealed, seal
from gateway.security._signature import (
    PendingSignature,
    SignatureAlgorithm,
    SigningIdentity,
    VerifiedXml,
    inspect_signature,
    sign_enveloped,
    verify_signed,
)
from gateway.security._trust import check_authority, check_institution_certificate

__all__ = [
    "GENESIS",
    "DecryptionKey",
    "KeyUse",
    "PendingSignature",
    "PrivateKey",
    "SealingAlgorithms",
    "SignatureAlgorithm",
    "SigningIdentity",
    "VerifiedXml",
    "authority_files",
    "certificate_fingerprint",
    "chain_hash",
    "check_authority",
    "check_institution_certificate",
    "init_authority",
    "inspect_signature",
    "institution_files",
    "issue_certificate",
    "issue_institution",
    "load_certificate",
    "load_private_key",
    "open_sealed",
    "read_certificate",
    "seal",
    "sign_enveloped",
    "verify_signed",
    "write_file_atomically",
]
