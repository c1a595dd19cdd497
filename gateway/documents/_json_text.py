"""Reading JSON text from outside: our JSON form of a document, a SED, a settings value.

Python's parser recurses once per nesting level, so a body nested a thousand deep ends in a
RecursionError instead of an answer, and anything that walks the result recursively later may
do the same. Every JSON text from outside is read here: its nesting is bounded first, by a scan
that does not recurse, and whatever is wrong comes back as one ``json.malformed`` issue."""

from __future__ import annotations

import json
import re

from gateway.documents._issues import Issue
from gateway.errors import ValidationFailed

__all__ = ["MAX_JSON_DEPTH", "read_json"]

#: Deeper than any document or SED form nests (about ten levels), shallow enough that no
#: recursive walk over the result comes near Python's recursion limit.
MAX_JSON_DEPTH = 64

# Strings (with their escapes) and the brackets outside them; nothing else moves the depth.
_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENING = frozenset(b"[{")


def _too_deep(data: bytes) -> int | None:
    """The offset where the nesting passes the bound, or None."""
    depth = 0
    for token in _TOKENS.finditer(data):
        first = token.group()[0]
        if first in _OPENING:
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return token.start()
        elif first != ord('"'):
            depth -= 1
    return None


def read_json(data: bytes | str) -> object:
    """The parsed JSON text; ValidationFailed (``json.malformed``) saying what is wrong."""
    raw = data.encode() if isinstance(data, str) else data
    offset = _too_deep(raw)
    if offset is not None:
        message = f"nested more than {MAX_JSON_DEPTH} levels deep (at byte {offset})"
        raise ValidationFailed([Issue(code="json.malformed", message=message, path="")])
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        # The parser's message names the line and column, never the text itself.
        message = f"not JSON: {error}"
        raise ValidationFailed([Issue(code="json.malformed", message=message, path="")]) from None
