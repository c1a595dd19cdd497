"""The one way untrusted bytes become an XML tree.

Every document that reaches the gateway, from a back-office or from the bus, passes here
before anything else reads it. The parser never loads a DTD, never expands an entity, never
opens a network connection and never follows XInclude. Limits on size, depth and element count
are enforced before the parse (size, DOCTYPE) and by libxml2's own bounds during it, then
checked exactly right after.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from lxml import etree

from gateway.documents._issues import Issue
from gateway.errors import ValidationFailed

__all__ = ["DEFAULT_LIMITS", "ParseLimits", "parse_untrusted", "reparser"]


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """How large an untrusted document may be. The defaults suit every document type."""

    max_bytes: int = 25 * 1024 * 1024
    max_depth: int = 48
    max_elements: int = 100_000


DEFAULT_LIMITS = ParseLimits()

# libxml2 refuses text nodes above 10 MB unless "huge" parsing is on. Only documents that
# could hold such a node get the huge parser; our own limits still bound them.
_HUGE_THRESHOLD = 8 * 1024 * 1024

# A DOCTYPE can only stand in the prolog: after the XML declaration, comments and processing
# instructions, before the root element.
_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*)*", re.DOTALL)
_DECLARED_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)")
_UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


def _safe_parser(*, huge: bool) -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
        huge_tree=huge,
    )


class _Parsers(threading.local):
    """lxml parsers are not thread-safe; each thread keeps its own pair."""

    def __init__(self) -> None:
        self.normal = _safe_parser(huge=False)
        self.huge = _safe_parser(huge=True)


_parsers = _Parsers()


def reparser() -> etree.XMLParser:
    """This thread's parser for bytes that :func:`parse_untrusted` accepted, when a library
    must parse them again (signxml does): the same settings, without libxml2's own size
    bounds, since ours were checked and the library's copies may be larger (it writes them in
    ASCII, with character references)."""
    return _parsers.huge


def _refuse(code: str, message: str, line: int | None = None) -> ValidationFailed:
    return ValidationFailed([Issue(code=code, message=message, line=line)])


def _depth_probe(max_depth: int) -> etree.XPath:
    return etree.XPath("boolean(/" + "/".join(["*"] * (max_depth + 1)) + ")")


_depth_probes: dict[int, etree.XPath] = {}
_count_elements = etree.XPath("count(//*)")


def parse_untrusted(data: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> etree._ElementTree:
    """Parse ``data`` safely or raise :class:`ValidationFailed` saying why not.

    Only UTF-8 (or its ASCII subset) is accepted: the network has one encoding, and a single
    encoding lets the DOCTYPE check run on the raw bytes before libxml2 sees them.
    Comments and processing instructions are dropped, so that text read from the tree is the
    text a signature covers.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_untrusted takes bytes")
    size = len(data)
    # Before the copy below, so that an oversized document is never copied.
    _check_size(size, limits)
    data = bytes(data)
    _check_prolog(data)
    tree = _parse(data, limits, huge=size > _HUGE_THRESHOLD)
    _check_bounds(tree, limits)
    return tree


def _doctype_forbidden() -> ValidationFailed:
    return _refuse(
        "xml.doctype-forbidden",
        "document type declarations (DTDs) and entities are not accepted",
    )


def _check_size(size: int, limits: ParseLimits) -> None:
    if size == 0:
        raise _refuse("xml.empty", "the document is empty")
    if size > limits.max_bytes:
        raise _refuse(
            "xml.too-large",
            f"the document is {size} bytes; at most {limits.max_bytes} are accepted",
        )


def _check_prolog(data: bytes) -> None:
    """Refuses another encoding than UTF-8 and a DOCTYPE, on the raw bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:4] in (b"\x00<\x00?", b"<\x00?\x00"):
        raise _refuse("xml.encoding", "the document is not UTF-8 encoded (UTF-16 found)")
    declared = _DECLARED_ENCODING.match(data)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in _UTF8_NAMES:
        raise _refuse("xml.encoding", "the document declares an encoding other than UTF-8")
    prolog_end = _PROLOG.match(data)
    # startswith at an offset: a slice would copy the whole document.
    if data.startswith(b"<!DOCTYPE", prolog_end.end() if prolog_end else 0):
        raise _doctype_forbidden()


def _parse(data: bytes, limits: ParseLimits, *, huge: bool) -> etree._ElementTree:
    parser = _parsers.huge if huge else _parsers.normal
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        line = error.lineno if error.lineno else None
        message = error.msg or "the document is not well-formed XML"
        if "depth" in message.lower():
            raise _refuse(
                "xml.too-deep", f"elements are nested deeper than {limits.max_depth} levels", line
            ) from None
        raise _refuse("xml.malformed", message, line) from None
    tree = root.getroottree()
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _doctype_forbidden()
    return tree


def _check_bounds(tree: etree._ElementTree, limits: ParseLimits) -> None:
    """Our exact depth and element limits, after libxml2's own looser bounds."""
    probe = _depth_probes.get(limits.max_depth)
    if probe is None:
        probe = _depth_probes.setdefault(limits.max_depth, _depth_probe(limits.max_depth))
    if probe(tree):
        raise _refuse("xml.too-deep", f"elements are nested deeper than {limits.max_depth} levels")
    elements = int(_count_elements(tree))
    if elements > limits.max_elements:
        raise _refuse(
            "xml.too-many-elements",
            f"the document has {elements} elements; at most {limits.max_elements} are accepted",
        )
