"""Keys, certificates, signatures and encryption: the dangerous primitives behind a safe API.

Nothing here reads the network directory or the bus; callers pass the certificates they trust.
"""

from __future__ import annotations

from gateway.security._chain import GENESIS, chain_hash
from gateway.security._csr import (
    IssuedCertificate,
    generate_institution_keys,
    install_certificates,
    read_certificate_request,
    sign_certificate_request,
)
from gateway.security._keys import (
    PrivateKey,
    certificate_fingerprint,
    load_certificate,
    load_private_key,
    read_certificate,
    write_file_atomically,
)
from gateway.security._pki import (
    InstitutionFiles,
    KeyUse,
    authority_files,
    certificate_pem,
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
from gateway.security._timestamp import (
    ANCHOR_FORMAT,
    QUERY_MEDIA_TYPE,
    REPLY_MEDIA_TYPE,
    AnchorStatement,
    ChainPosition,
    Timestamp,
    TimestampQuery,
    check_timestamp,
    read_timestamp_reply,
    timestamp_query,
)
from gateway.security._trust import check_authority, check_institution_certificate

__all__ = [
    "ANCHOR_FORMAT",
    "GENESIS",
    "QUERY_MEDIA_TYPE",
    "REPLY_MEDIA_TYPE",
    "AnchorStatement",
    "ChainPosition",
    "DecryptionKey",
    "InstitutionFiles",
    "IssuedCertificate",
    "KeyUse",
    "PendingSignature",
    "PrivateKey",
    "SealingAlgorithms",
    "SignatureAlgorithm",
    "SigningIdentity",
    "Timestamp",
    "TimestampQuery",
    "VerifiedXml",
    "authority_files",
    "certificate_fingerprint",
    "certificate_pem",
    "chain_hash",
    "check_authority",
    "check_institution_certificate",
    "check_timestamp",
    "generate_institution_keys",
    "init_authority",
    "inspect_signature",
    "install_certificates",
    "institution_files",
    "issue_certificate",
    "issue_institution",
    "load_certificate",
    "load_private_key",
    "open_sealed",
    "read_certificate",
    "read_certificate_request",
    "read_timestamp_reply",
    "seal",
    "sign_certificate_request",
    "sign_enveloped",
    "timestamp_query",
    "verify_signed",
    "write_file_atomically",
]
