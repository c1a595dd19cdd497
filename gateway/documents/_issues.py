"""Where in a document a problem is: issues located at an element, and readable paths.

:class:`Issue` itself belongs to the error tree (``gateway.errors``), which carries it."""

from __future__ import annotations

from lxml import etree

from gateway.errors import Issue

__all__ = ["Issue", "issue_at", "location_path"]


def issue_at(element: etree._Element, code: str, message: str) -> Issue:
    """An issue located at ``element`` (its source line and its XPath in the document)."""
    return Issue(
        code=code,
        message=message,
        line=element.sourceline,
        path=location_path(element),
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
