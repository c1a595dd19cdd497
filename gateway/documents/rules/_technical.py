"""Rules on receipts and rejections."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lxml import etree

from gateway.documents._issues import Issue, issue_at

from ._support import elements, first, is_future, text, xpath

__all__ = ["check_receipt", "check_rejection"]

_OUTCOME = xpath("t:Outcome")
_REASONS = xpath("t:Reason")
_DIGEST = xpath("t:ReceivedDigest")
_TIMESTAMP = xpath("t:ReceivedAt | t:RejectedAt")

#: Hexadecimal digits of each digest algorithm's output.
_DIGEST_LENGTH = {"sha-256": 64, "sha-384": 96, "sha-512": 128}


def _check_digest_and_time(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    digest = first(_DIGEST, root)
    if digest is not None:
        algorithm = digest.get("algorithm", "")
        expected = _DIGEST_LENGTH.get(algorithm)
        if expected is not None and len(text(digest)) != expected:
            yield issue_at(
                digest,
                "rule.digest-length-mismatch",
                f"a {algorithm} digest has {expected} hexadecimal digits, not {len(text(digest))}",
            )
    timestamp = first(_TIMESTAMP, root)
    if timestamp is None:
        return
    try:
        moment = datetime.datetime.fromisoformat(text(timestamp))
    except ValueError:
        return
    if moment.tzinfo is not None:
        # ``today`` is this node's UTC date; the schema requires a zone, so this always runs.
        moment = moment.astimezone(datetime.UTC)
    if is_future(moment.date(), today):
        yield issue_at(
            timestamp,
            "rule.timestamp-in-future",
            f"{etree.QName(timestamp).localname} ({text(timestamp)}) lies in the future",
        )


def check_receipt(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """A rejected outcome gives reasons and an accepted one none; digest and time are sane."""
    outcome = first(_OUTCOME, root)
    reasons = elements(_REASONS, root)
    if outcome is not None and text(outcome) == "rejected" and not reasons:
        yield issue_at(
            outcome, "rule.reason-missing", "a rejected message needs at least one reason"
        )
    if outcome is not None and text(outcome) == "accepted":
        for reason in reasons:
            yield issue_at(
                reason, "rule.reason-unexpected", "an accepted message has no rejection reasons"
            )
    yield from _check_digest_and_time(root, today)


def check_rejection(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """Digest length and time are sane."""
    yield from _check_digest_and_time(root, today)
