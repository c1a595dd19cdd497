"""Write the schema references from the documentation in the XSDs: docs/schemas.md from
schemas/v1/*.xsd (the envelope, the directory and the 1.0 documents) and docs/schemas-2.0.md
from schemas/v2/*.xsd (the 2.0 documents).

Run it from the project root and keep its output under version control::

    .venv/bin/python scripts/schema_reference.py > docs/schemas.md
    .venv/bin/python scripts/schema_reference.py v2 > docs/schemas-2.0.md

The output depends on nothing but the XSD files (no dates, no absolute paths, document order
kept), so running it twice gives the same bytes; ``tests/scripts/test_schema_reference.py``
fails when the committed file and the schemas disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree

# Run as a script, its folder is on the path; its sibling modules are found there.
from schema_content import NEST, ContentDescriber
from xsd_markdown import PARSER, Schema, child, children, code_span, documentation, table

__all__ = ["SCHEMA_DIR", "load_schemas", "main", "render"]

#: The folder of each version's schemas, and the reference written from it.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "v1"
_REFERENCES = {"v1": "docs/schemas.md", "v2": "docs/schemas-2.0.md"}


def load_schemas(folder: Path = SCHEMA_DIR) -> list[Schema]:
    """Every ``*.xsd`` in ``folder``, sorted by file name."""
    return [
        Schema(path, etree.parse(str(path), PARSER).getroot())
        for path in sorted(folder.glob("*.xsd"))
    ]


class _Renderer(ContentDescriber):
    """Turns the parsed schemas into Markdown lines."""

    # -- components -------------------------------------------------------------------------

    def _heading(self, anchor: str, title: str) -> list[str]:
        return [f'<a id="{anchor}"></a>', "", f"#### {code_span(title)}", ""]

    def _paragraph(self, text: str) -> list[str]:
        return [text, ""] if text else []

    def _element(self, schema: Schema, node: etree._Element) -> list[str]:
        name = node.get("name", "")
        anchor = f"{schema.stem}-element-{name}"
        lines = self._heading(anchor, name) + self._paragraph(documentation(node))
        declared = node.get("type")
        if declared:
            lines += [f"Type: {self._reference(node, declared, 'type')}.", ""]
        if node.get("abstract") == "true":
            lines += ["Abstract: it appears only through its substitution group.", ""]
        group = node.get("substitutionGroup")
        if group:
            lines += [f"Substitutes for {self._reference(node, group, 'element')}.", ""]
        simple = child(node, "simpleType")
        if simple is not None:
            lines += [f"Type: {self._simple_summary(simple, with_codes=True)}.", ""]
        constraints = self._constraints(node)
        complex_type = child(node, "complexType")
        if complex_type is not None:
            return lines + self._complex_content(complex_type, anchor, name, constraints)
        if constraints:
            lines += ["Constraints:", ""]
            lines += [f"- {constraint}" for constraint in constraints]
            lines.append("")
        return lines

    def _complex_type(self, schema: Schema, node: etree._Element) -> list[str]:
        name = node.get("name", "")
        anchor = f"{schema.stem}-type-{name}"
        lines = self._heading(anchor, name) + self._paragraph(documentation(node))
        return lines + self._complex_content(node, anchor, name)

    def _simple_type(self, schema: Schema, node: etree._Element) -> list[str]:
        name = node.get("name", "")
        anchor = f"{schema.stem}-type-{name}"
        lines = self._heading(anchor, name) + self._paragraph(documentation(node))
        restriction = child(node, "restriction")
        if restriction is None:
            summary = self._simple_summary(node, with_codes=False)
            return [*lines, f"{summary[:1].upper()}{summary[1:]}.", ""]
        base = restriction.get("base")
        inner = child(restriction, "simpleType")
        origin = (
            self._reference(restriction, base, "type")
            if base
            else self._simple_summary(inner, with_codes=False)
            if inner is not None
            else code_span("xs:anySimpleType")
        )
        facets = self._facets(restriction)
        lines += [f"Restricts {origin}" + (": " + "; ".join(facets) if facets else "") + ".", ""]
        codes = list(children(restriction, "enumeration"))
        if codes:
            lines += table(
                ["Code", "Meaning"],
                [[code_span(code.get("value", "")), documentation(code)] for code in codes],
            )
            lines.append("")
        return lines

    def _group(self, schema: Schema, node: etree._Element) -> list[str]:
        name = node.get("name", "")
        anchor = f"{schema.stem}-group-{name}"
        lines = self._heading(anchor, name) + self._paragraph(documentation(node))
        return lines + self._complex_content(node, anchor, name)

    def _attribute_group(self, schema: Schema, node: etree._Element) -> list[str]:
        name = node.get("name", "")
        anchor = f"{schema.stem}-attributeGroup-{name}"
        lines = self._heading(anchor, name) + self._paragraph(documentation(node))
        rows = self._attributes(node)
        return lines + table(["Attribute", "Type", "Use", "Description"], rows) + [""]

    def _global_attribute(self, schema: Schema, node: etree._Element) -> list[str]:
        name = node.get("name", "")
        anchor = f"{schema.stem}-attribute-{name}"
        lines = self._heading(anchor, name) + self._paragraph(documentation(node))
        return [*lines, f"Type: {self._type_cell(node, anchor)}.", ""]

    def _schema(self, schema: Schema) -> list[str]:
        root = schema.root
        lines = [f'<a id="{schema.stem}"></a>', "", f"## {schema.path.name}", ""]
        facts = [f"Namespace {code_span(schema.namespace)}", f"version {schema.version or '—'}"]
        imports = [
            f"{code_span(node.get('namespace', ''))} ({node.get('schemaLocation', '')})"
            for node in children(root, "import")
        ]
        includes = [node.get("schemaLocation", "") for node in children(root, "include")]
        if imports:
            facts.append("imports " + ", ".join(imports))
        if includes:
            facts.append("includes " + ", ".join(includes))
        lines += ["; ".join(facts) + ".", ""]
        lines += self._paragraph(documentation(root))
        sections = [
            ("Global elements", "element", self._element),
            ("Complex types", "complexType", self._complex_type),
            ("Simple types", "simpleType", self._simple_type),
            ("Model groups", "group", self._group),
            ("Attribute groups", "attributeGroup", self._attribute_group),
            ("Global attributes", "attribute", self._global_attribute),
        ]
        for title, kind, render_one in sections:
            nodes = list(children(root, kind))
            if not nodes:
                continue
            lines += [f"### {title}", ""]
            for node in nodes:
                lines += render_one(schema, node)
        return lines

    def document(self) -> str:
        argument = "" if self.folder == "v1" else f" {self.folder}"
        lines = [
            "# Schema reference" if self.folder == "v1" else "# Schema reference: version 2.0",
            "",
            f"Generated from the `xs:documentation` in `schemas/{self.folder}/*.xsd` by "
            "`scripts/schema_reference.py`. Do not edit it by hand: change the schema, then run",
            "",
            f"    .venv/bin/python scripts/schema_reference.py{argument} > "
            f"{_REFERENCES[self.folder]}",
            "",
            "`tests/scripts/test_schema_reference.py` fails while this file and the schemas "
            "disagree.",
            "",
            "Cardinality is written `min..max` (`*` for unbounded); `1` means exactly one. In the "
            f"element tables, `{NEST}` marks the members of a group (*one of* is an "
            "`xs:choice`).",
            "",
        ]
        rows = []
        for schema in self.schemas:
            names = [node.get("name", "") for node in children(schema.root, "element")]
            elements = [f"[{code_span(name)}](#{schema.stem}-element-{name})" for name in names]
            rows.append(
                [
                    f"[{schema.path.name}](#{schema.stem})",
                    code_span(schema.namespace),
                    schema.version,
                    ", ".join(elements),
                ]
            )
        lines += table(["Schema", "Namespace", "Version", "Global elements"], rows)
        lines.append("")
        for schema in self.schemas:
            lines += self._schema(schema)
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines) + "\n"


def render(folder: Path = SCHEMA_DIR) -> str:
    """The whole reference for the XSDs in ``folder``, as Markdown."""
    return _Renderer(load_schemas(folder), folder.name).document()


def main() -> None:
    """Print the reference of the version folder named (v1 by default) to standard output,
    UTF-8 whatever the locale."""
    name = sys.argv[1] if len(sys.argv) > 1 else "v1"
    if name not in _REFERENCES or len(sys.argv) > 2:
        sys.exit(f"usage: schema_reference.py [{' | '.join(_REFERENCES)}]")
    sys.stdout.buffer.write(render(SCHEMA_DIR.parent / name).encode("utf-8"))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
