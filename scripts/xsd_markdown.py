"""Reading the XSDs and writing Markdown, for the schema reference (``schema_reference.py``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

__all__ = [
    "PARSER",
    "XS",
    "XS_PREFIX",
    "Schema",
    "cell",
    "child",
    "children",
    "code_span",
    "documentation",
    "local",
    "occurs",
    "prose",
    "table",
    "text",
]

XS = "http://www.w3.org/2001/XMLSchema"
XS_PREFIX = f"{{{XS}}}"

# The XSDs are the project's own files; they are still read without DTDs, entities or network.
PARSER = etree.XMLParser(
    resolve_entities=False,
    load_dtd=False,
    no_network=True,
    remove_comments=True,
    remove_pis=True,
)


@dataclass(frozen=True, slots=True)
class Schema:
    """One parsed XSD file."""

    path: Path
    root: etree._Element

    @property
    def stem(self) -> str:
        """The file name without ``.xsd``; it prefixes every anchor of this schema."""
        return self.path.stem

    @property
    def namespace(self) -> str:
        return self.root.get("targetNamespace", "")

    @property
    def version(self) -> str:
        return self.root.get("version", "")


def local(node: etree._Element) -> str:
    """The local name of an XSD element, or an empty string for anything else."""
    tag = node.tag
    if isinstance(tag, str) and tag.startswith(XS_PREFIX):
        return tag[len(XS_PREFIX) :]
    return ""


def children(node: etree._Element, *names: str) -> Iterator[etree._Element]:
    """The XSD child elements of ``node``, only those called ``names`` when given."""
    for child in node:
        name = local(child)
        if name and (not names or name in names):
            yield child


def child(node: etree._Element, name: str) -> etree._Element | None:
    return next(children(node, name), None)


def text(node: etree._Element) -> str:
    """All text inside ``node``, whitespace collapsed."""
    parts = [part for part in node.itertext() if isinstance(part, str)]
    return " ".join("".join(parts).split())


def documentation(node: etree._Element) -> str:
    """The ``xs:documentation`` of a component (its own annotation only), as one paragraph."""
    texts = [
        text(documentation)
        for annotation in children(node, "annotation")
        for documentation in children(annotation, "documentation")
    ]
    return prose(" ".join(text for text in texts if text))


def prose(text: str) -> str:
    """Text safe to place in Markdown: no raw HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code_span(text: str) -> str:
    """``text`` as a Markdown code span."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def cell(text: str) -> str:
    """A table cell: pipes escaped (also inside code spans, as GitHub tables require)."""
    return text.replace("|", "\\|") if text else "—"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines.extend("| " + " | ".join(cell(value) for value in row) + " |" for row in rows)
    return lines


def occurs(node: etree._Element) -> str:
    low = node.get("minOccurs", "1")
    high = node.get("maxOccurs", "1")
    high = "*" if high == "unbounded" else high
    return low if low == high else f"{low}..{high}"
