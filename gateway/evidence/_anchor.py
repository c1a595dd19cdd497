"""Checking the anchor of an evidence bundle: the exporting node's chain heads, as its
time-stamping authority (TSA) stamped them after the message's trace events were written."""

from __future__ import annotations

from cryptography import x509

from gateway.errors import TimestampInvalid
from gateway.evidence._bundle import AnchorProof, EvidenceBundle
from gateway.security import certificate_fingerprint, check_timestamp, read_certificate

__all__ = ["check_anchor"]


def check_anchor(
    bundle: EvidenceBundle, proof: AnchorProof, tsa_root: x509.Certificate | None
) -> tuple[None, str]:
    """The anchor's token is the TSA's over what the anchor records, for the exporting
    institution, and the anchored trace chain covers the message's events (at an event or
    the bundle's head, with the same hash). ``tsa_root`` pins the TSA's CA; without it, the
    bundle's own copy is used and the detail says so. Raises :class:`TimestampInvalid`."""
    vouching, pinned = _vouching(proof, tsa_root)
    statement = proof.statement
    if statement.institution != bundle.exported_by:
        raise TimestampInvalid(
            f"the anchor stamps {statement.institution}'s chains, not the exporter's"
        )
    stamp = check_timestamp(proof.token, statement, [vouching])
    _covers(bundle, proof)
    stamped = stamp.time.isoformat(timespec="seconds")
    return None, (
        f"stamped {stamped} by a TSA certified by {vouching.subject.rfc4514_string()} "
        f"{certificate_fingerprint(vouching)} ({pinned}): the exporter's trace chain had "
        f"{statement.trace.length} rows ending in {statement.trace.hash}, past this message's "
        "events; 'ssgw audit verify' on that node recomputes its rows to it"
    )


def _vouching(
    proof: AnchorProof, tsa_root: x509.Certificate | None
) -> tuple[x509.Certificate, str]:
    included = read_certificate(proof.tsa_certificate.encode(), "the anchor's TSA certificate")
    if tsa_root is None:
        return included, "the bundle's own copy, not pinned: give --tsa-certificate"
    if certificate_fingerprint(tsa_root) != certificate_fingerprint(included):
        raise TimestampInvalid(
            "the bundle names another TSA certificate than the one given: "
            f"{certificate_fingerprint(included)}"
        )
    return tsa_root, "pinned by the given certificate"


def _covers(bundle: EvidenceBundle, proof: AnchorProof) -> None:
    trace = proof.statement.trace
    for event in bundle.chain.events:
        number = event.fields.get("id")
        if not isinstance(number, int) or number > trace.length:
            raise TimestampInvalid(
                f"the anchor covers {trace.length} trace rows, not the message's row {number}"
            )
        if number == trace.length and event.hash != trace.hash:
            raise TimestampInvalid(f"trace event {number} is not the row the anchor stamped")
    if bundle.chain.head_length == trace.length and bundle.chain.head_hash != trace.hash:
        raise TimestampInvalid("the chain's head at export is not the row the anchor stamped")
