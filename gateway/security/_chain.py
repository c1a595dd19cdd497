"""Hash chains: each link is the SHA-256 of the link before it and one record's fields.

Used by the console's audit log and the node's trace events, and by anyone who recomputes a
link offline (an evidence bundle's chain proof): it needs nothing but the fields.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

__all__ = ["GENESIS", "chain_hash"]

#: The hash the first link of every chain follows.
GENESIS = "0" * 64

#: What a record's fields may hold: they are hashed as canonical JSON.
Field = str | int | None


def chain_hash(previous: str, fields: Mapping[str, Field]) -> str:
    """``SHA-256(previous || "\\n" || canonical JSON of fields)``, lowercase hex.

    The JSON has sorted keys, no spaces and unescaped Unicode, so the same fields always give
    the same bytes, whoever computes them.
    """
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(previous.encode("ascii") + b"\n" + canonical.encode()).hexdigest()
