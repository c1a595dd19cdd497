"""Evidence bundles: what proves that one message was sent and received, checkable offline.

A bundle holds the signed envelope, the signed receipt, the certificates that verify them, the
network authority's certificate and fingerprint, the message's trace events with their chain
hashes, and the RFC 3161 anchor that covers them, if any. :func:`export_evidence` puts one
together on the node; :func:`verify_bundle` checks one anywhere. A bundle holds personal data
(the envelope): handle it as such.
"""

from __future__ import annotations

from gateway.evidence._bundle import FORMAT, AnchorProof, ChainProof, EvidenceBundle, ProvenEvent
from gateway.evidence._export import export_evidence
from gateway.evidence._verify import Check, verify_bundle

__all__ = [
    "FORMAT",
    "AnchorProof",
    "ChainProof",
    "Check",
    "EvidenceBundle",
    "ProvenEvent",
    "export_evidence",
    "verify_bundle",
]
