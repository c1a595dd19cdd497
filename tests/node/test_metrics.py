"""The node's own metrics that no message moves: its certificates' expiry."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import generate_latest

from gateway.exchange import Credentials
from gateway.node import Node


def test_a_node_exports_when_its_newest_certificates_expire(
    make_node: Callable[..., Node], credentials: Callable[[str], Credentials]
) -> None:
    node = make_node("FR:CNAV")
    own = credentials("FR:CNAV")
    gauge = node.metrics.certificate_expiry
    assert gauge.labels(use="signing")._value.get() == (
        own.signing.certificate.not_valid_after_utc.timestamp()
    )
    assert gauge.labels(use="encryption")._value.get() == max(
        k.certificate.not_valid_after_utc.timestamp() for k in own.decryption
    )
    exported = generate_latest(node.metrics.registry).decode()
    assert 'ssgw_certificate_expiry_timestamp_seconds{use="signing"}' in exported
