"""What is wrong with a document: one :class:`Issue` per problem, with where it is."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

__all__ = ["Issue", "location_path"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a document.

    ``code`` is stable and machine-readable (``xml.*`` for well-formedness and limits,
    ``schema.*`` for XSD violations, ``rule.*`` for business rules); ``message`` is for people;
    ``line`` and ``path`` say where, when known. Messages never quote personal data.
    """

    code: str
    message: str
    line: int | None = None
    path: str | None = None

    @classmethod
    def at(cls, element: etree._Element, code: str, message: str) -> Issue:
        """An issue located at ``element`` (its source line and its XPath in the document)."""
        return cls(
            code=code,
            message=message,
            line=element.sourceline,
            path=location_path(element),
        )

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.line, self.path) if part is not None)
        return (
            f"{where}: [{self.code}] {self.message}" if where else f"[{self.code}] {self.message}"
        )


def location_path(element: etree._Element) -> str:
    """A readable XPath to ``element`` using the document's own prefixes.

    ``/p:InsurancePeriodsReply/p:Periods/p:Period[2]/p:End``: an index is given only where
    siblings share the name, so the path reads like the document.
    """
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        qname = etree.QName(node)
        name = f"{node.prefix}:{qname.localname}" if node.prefix else qname.localname
        parent = node.getparent()
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == node.tag]
            if len(same) > 1:
                name += f"[{same.index(node) + 1}]"
        steps.append(name)
        node = parent
    return "/" + "/".join(reversed(steps))
