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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

__all__ = ["SCHEMA_DIR", "Schema", "load_schemas", "main", "render"]

XS = "http://www.w3.org/2001/XMLSchema"
_XS = f"{{{XS}}}"

#: The folder of each version's schemas, and the reference written from it.
SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "v1"
_REFERENCES = {"v1": "docs/schemas.md", "v2": "docs/schemas-2.0.md"}

# The XSDs are the project's own files; they are still read without DTDs, entities or network.
_PARSER = etree.XMLParser(
    resolve_entities=False,
    load_dtd=False,
    no_network=True,
    remove_comments=True,
    remove_pis=True,
)

#: Element particles and the heading word for groups of them.
_COMPOSITORS = {"sequence": "sequence of", "choice": "one of", "all": "all of, in any order"}

#: Facets, in the order they are described, with the words that introduce their value.
_FACET_WORDS = {
    "length": "exactly {} characters",
    "minLength": "at least {} characters",
    "maxLength": "at most {} characters",
    "minInclusive": "at least {}",
    "minExclusive": "more than {}",
    "maxInclusive": "at most {}",
    "maxExclusive": "less than {}",
    "totalDigits": "at most {} digits",
    "fractionDigits": "at most {} decimal places",
    "whiteSpace": "whitespace {}",
}

#: Marks the members of a group in the element tables, and nesting in headings.
_NEST = "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"

_CONSTRAINT_WORDS = {"unique": "unique", "key": "key", "keyref": "key reference"}


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


@dataclass
class _Index:
    """Where each named global component is described: (kind, namespace, name) -> anchor."""

    anchors: dict[tuple[str, str, str], str] = field(default_factory=dict)
    components: dict[tuple[str, str, str], etree._Element] = field(default_factory=dict)

    def add(self, schema: Schema, kind: str, node: etree._Element) -> None:
        name = node.get("name", "")
        key = (kind, schema.namespace, name)
        self.anchors[key] = f"{schema.stem}-{kind}-{name}"
        self.components[key] = node


@dataclass(frozen=True, slots=True)
class _Row:
    """One line of a content table: an element, a wildcard or a group of particles."""

    name: str
    type: str
    occurs: str
    description: str


@dataclass
class _Context:
    """What describing one content model collects: anonymous types and constraints of its
    local elements, shown after its tables."""

    anchor: str
    title: str
    nested: list[tuple[str, str, str, etree._Element]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def load_schemas(folder: Path = SCHEMA_DIR) -> list[Schema]:
    """Every ``*.xsd`` in ``folder``, sorted by file name."""
    return [
        Schema(path, etree.parse(str(path), _PARSER).getroot())
        for path in sorted(folder.glob("*.xsd"))
    ]


def _local(node: etree._Element) -> str:
    """The local name of an XSD element, or an empty string for anything else."""
    tag = node.tag
    if isinstance(tag, str) and tag.startswith(_XS):
        return tag[len(_XS) :]
    return ""


def _children(node: etree._Element, *names: str) -> Iterator[etree._Element]:
    """The XSD child elements of ``node``, only those called ``names`` when given."""
    for child in node:
        name = _local(child)
        if name and (not names or name in names):
            yield child


def _child(node: etree._Element, name: str) -> etree._Element | None:
    return next(_children(node, name), None)


def _text(node: etree._Element) -> str:
    """All text inside ``node``, whitespace collapsed."""
    parts = [part for part in node.itertext() if isinstance(part, str)]
    return " ".join("".join(parts).split())


def _documentation(node: etree._Element) -> str:
    """The ``xs:documentation`` of a component (its own annotation only), as one paragraph."""
    texts = [
        _text(documentation)
        for annotation in _children(node, "annotation")
        for documentation in _children(annotation, "documentation")
    ]
    return _prose(" ".join(text for text in texts if text))


def _prose(text: str) -> str:
    """Text safe to place in Markdown: no raw HTML."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _code(text: str) -> str:
    """``text`` as a Markdown code span."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _cell(text: str) -> str:
    """A table cell: pipes escaped (also inside code spans, as GitHub tables require)."""
    return text.replace("|", "\\|") if text else "—"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines.extend("| " + " | ".join(_cell(value) for value in row) + " |" for row in rows)
    return lines


def _occurs(node: etree._Element) -> str:
    low = node.get("minOccurs", "1")
    high = node.get("maxOccurs", "1")
    high = "*" if high == "unbounded" else high
    return low if low == high else f"{low}..{high}"


class _Renderer:
    """Turns the parsed schemas into Markdown lines."""

    def __init__(self, schemas: list[Schema], folder: str = "v1") -> None:
        self.schemas = schemas
        self.folder = folder
        self.index = _Index()
        for schema in schemas:
            for node in _children(schema.root):
                kind = {
                    "element": "element",
                    "complexType": "type",
                    "simpleType": "type",
                    "group": "group",
                    "attributeGroup": "attributeGroup",
                    "attribute": "attribute",
                }.get(_local(node))
                if kind is not None and node.get("name"):
                    self.index.add(schema, kind, node)

    # -- names and types --------------------------------------------------------------------

    def _resolve(self, node: etree._Element, qname: str) -> tuple[str, str]:
        prefix, _, local = qname.rpartition(":")
        namespace = node.nsmap.get(prefix or None, "")
        return namespace, local

    def _reference(self, node: etree._Element, qname: str, kind: str) -> str:
        """A QName as written in the schema, linked to its description when there is one."""
        namespace, local = self._resolve(node, qname)
        if namespace == XS:
            return _code(f"xs:{local}")
        anchor = self.index.anchors.get((kind, namespace, local))
        return f"[{_code(qname)}](#{anchor})" if anchor else _code(qname)

    def _facets(self, restriction: etree._Element) -> list[str]:
        """The facets of a restriction in words (enumerations excepted)."""
        words: list[str] = []
        patterns = [p.get("value", "") for p in _children(restriction, "pattern")]
        if patterns:
            words.append("pattern " + " or ".join(_code(p) for p in patterns))
        for facet, phrase in _FACET_WORDS.items():
            for node in _children(restriction, facet):
                words.append(phrase.format(_code(node.get("value", ""))))
        return words

    def _simple_summary(self, simple: etree._Element, *, with_codes: bool) -> str:
        """A one-line description of a simple type definition (for inline, anonymous types)."""
        restriction = _child(simple, "restriction")
        if restriction is not None:
            base = restriction.get("base")
            inner = _child(restriction, "simpleType")
            text = (
                self._reference(restriction, base, "type")
                if base
                else self._simple_summary(inner, with_codes=False)
                if inner is not None
                else _code("xs:anySimpleType")
            )
            details = self._facets(restriction)
            codes = list(_children(restriction, "enumeration"))
            if codes and with_codes:
                listed = []
                for code in codes:
                    meaning = _documentation(code)
                    value = _code(code.get("value", ""))
                    listed.append(f"{value} ({meaning})" if meaning else value)
                details.append("one of " + ", ".join(listed))
            return text + (": " + "; ".join(details) if details else "")
        listing = _child(simple, "list")
        if listing is not None:
            item = listing.get("itemType")
            return "list of " + (self._reference(listing, item, "type") if item else "values")
        union = _child(simple, "union")
        if union is not None:
            members = (union.get("memberTypes") or "").split()
            return "union of " + ", ".join(self._reference(union, m, "type") for m in members)
        return _code("xs:anySimpleType")

    def _type_cell(self, node: etree._Element, anchor: str) -> str:
        """The type of an element or attribute declaration."""
        declared = node.get("type")
        if declared:
            return self._reference(node, declared, "type")
        simple = _child(node, "simpleType")
        if simple is not None:
            return self._simple_summary(simple, with_codes=True)
        if _child(node, "complexType") is not None:
            return f"[anonymous, below](#{anchor})"
        return _code("xs:anyType")

    # -- content models ---------------------------------------------------------------------

    def _particle_rows(
        self, particle: etree._Element, depth: int, in_sequence: bool, context: _Context
    ) -> list[_Row]:
        """Rows for one particle: an element, a wildcard, a group reference or a compositor."""
        kind = _local(particle)
        indent = f"{_NEST} " * depth
        if kind == "element":
            return [self._element_row(particle, indent, context)]
        if kind == "any":
            namespace = particle.get("namespace", "##any")
            process = particle.get("processContents", "strict")
            return [
                _Row(
                    f"{indent}*any element*",
                    f"namespace {_code(namespace)}, {process} processing",
                    _occurs(particle),
                    _documentation(particle),
                )
            ]
        if kind == "group":
            return [
                _Row(
                    f"{indent}*group*",
                    self._reference(particle, particle.get("ref", ""), "group"),
                    _occurs(particle),
                    _documentation(particle),
                )
            ]
        if kind not in _COMPOSITORS:
            return []
        members = _children(particle, "element", "any", "group", *_COMPOSITORS)
        plain = _occurs(particle) == "1" and not _documentation(particle)
        if kind == "sequence" and in_sequence and plain:
            # A plain sequence inside a sequence adds nothing: its members stand in line.
            return [row for m in members for row in self._particle_rows(m, depth, True, context)]
        rows = [
            _Row(
                f"{indent}*{_COMPOSITORS[kind]}*",
                "",
                _occurs(particle),
                _documentation(particle),
            )
        ]
        for member in members:
            rows += self._particle_rows(member, depth + 1, kind == "sequence", context)
        return rows

    def _element_row(self, particle: etree._Element, indent: str, context: _Context) -> _Row:
        reference = particle.get("ref")
        if reference:
            target = self._resolve(particle, reference)
            declaration = self.index.components.get(("element", *target))
            described = _documentation(particle) or (
                _documentation(declaration) if declaration is not None else ""
            )
            return _Row(
                f"{indent}{self._reference(particle, reference, 'element')}",
                "see the element",
                _occurs(particle),
                described,
            )
        name = particle.get("name", "")
        anchor = f"{context.anchor}-{name}"
        complex_type = _child(particle, "complexType")
        if complex_type is not None:
            title = f"{context.title} {_NEST} {name}"
            context.nested.append((anchor, title, name, complex_type))
        description = _documentation(particle)
        extras = []
        if particle.get("default") is not None:
            extras.append(f"Default {_code(particle.get('default', ''))}.")
        if particle.get("fixed") is not None:
            extras.append(f"Fixed {_code(particle.get('fixed', ''))}.")
        if particle.get("nillable") == "true":
            extras.append("May be nil.")
        for constraint in self._constraints(particle):
            context.notes.append(f"{_code(name)}: {constraint}")
        return _Row(
            f"{indent}{_code(name)}",
            self._type_cell(particle, anchor),
            _occurs(particle),
            " ".join([description, *extras]).strip(),
        )

    def _constraints(self, declaration: etree._Element) -> list[str]:
        """Identity constraints (unique, key, keyref) of an element declaration, in words."""
        found = []
        for constraint in _children(declaration, "unique", "key", "keyref"):
            selector = _child(constraint, "selector")
            fields = [f.get("xpath", "") for f in _children(constraint, "field")]
            where = _code(selector.get("xpath", "")) if selector is not None else "—"
            what = ", ".join(_code(f) for f in fields)
            words = _CONSTRAINT_WORDS[_local(constraint)]
            refers = constraint.get("refer")
            target = f", refers to {_code(refers)}" if refers else ""
            doc = _documentation(constraint)
            found.append(
                f"{words} {_code(constraint.get('name', ''))} "
                f"(selector {where}, field {what}{target})" + (f": {doc}" if doc else "")
            )
        return found

    def _attributes(self, holder: etree._Element) -> list[tuple[str, str, str, str]]:
        rows: list[tuple[str, str, str, str]] = []
        for node in _children(holder, "attribute", "attributeGroup", "anyAttribute"):
            kind = _local(node)
            if kind == "attributeGroup":
                rows.append(
                    (
                        "*attribute group*",
                        self._reference(node, node.get("ref", ""), "attributeGroup"),
                        "",
                        _documentation(node),
                    )
                )
                continue
            if kind == "anyAttribute":
                namespace = node.get("namespace", "##any")
                rows.append(("*any attribute*", _code(namespace), "optional", _documentation(node)))
                continue
            reference = node.get("ref")
            declaration = node
            if reference:
                name = self._reference(node, reference, "attribute")
                target = self.index.components.get(("attribute", *self._resolve(node, reference)))
                declaration = node if target is None else target
            else:
                name = _code(node.get("name", ""))
            use = node.get("use", "optional")
            if node.get("default") is not None:
                use += f", default {_code(node.get('default', ''))}"
            if node.get("fixed") is not None:
                use += f", fixed {_code(node.get('fixed', ''))}"
            described = _documentation(node) or _documentation(declaration)
            rows.append((name, self._type_cell(declaration, ""), use, described))
        return rows

    def _complex_content(
        self,
        complex_type: etree._Element,
        anchor: str,
        title: str,
        constraints: Iterable[str] = (),
    ) -> list[str]:
        """The description of a complex type's content: base, children, attributes, then the
        identity ``constraints`` of its element and the anonymous types of its children."""
        lines: list[str] = []
        context = _Context(anchor, title, notes=list(constraints))
        model: etree._Element = complex_type
        attributes_at: etree._Element = complex_type
        if complex_type.get("abstract") == "true":
            lines += ["Abstract: only types derived from it appear in documents.", ""]
        if complex_type.get("mixed") == "true":
            lines += ["Mixed content: text may appear between the child elements.", ""]
        simple = _child(complex_type, "simpleContent")
        complex_content = _child(complex_type, "complexContent")
        if simple is not None:
            derivation = next(_children(simple, "extension", "restriction"), None)
            if derivation is not None:
                base = self._reference(derivation, derivation.get("base", ""), "type")
                facets = self._facets(derivation)
                restricted = (": " + "; ".join(facets)) if facets else ""
                lines += [f"Text content of type {base}{restricted}.", ""]
                attributes_at = derivation
            model = simple
        elif complex_content is not None:
            derivation = next(_children(complex_content, "extension", "restriction"), None)
            if derivation is not None:
                base = self._reference(derivation, derivation.get("base", ""), "type")
                if _local(derivation) == "extension":
                    lines += [
                        f"Extends {base}: the base type's elements come first, then these.",
                        "",
                    ]
                else:
                    lines += [f"Restricts {base} to the content below.", ""]
                model = derivation
                attributes_at = derivation
        rows: list[_Row] = []
        for compositor in _children(model, "group", *_COMPOSITORS):
            rows += self._particle_rows(compositor, 0, True, context)
        if rows:
            lines += _table(
                ["Element", "Type", "Occurs", "Description"],
                [[r.name, r.type, r.occurs, r.description] for r in rows],
            )
            lines.append("")
        elif simple is None:
            lines += ["No child elements.", ""]
        attributes = self._attributes(attributes_at)
        if attributes:
            lines += _table(["Attribute", "Type", "Use", "Description"], attributes)
            lines.append("")
        if context.notes:
            lines += ["Constraints:", ""]
            lines += [f"- {note}" for note in context.notes]
            lines.append("")
        for nested_anchor, nested_title, name, nested_type in context.nested:
            lines += [f'<a id="{nested_anchor}"></a>', "", f"##### {nested_title}", ""]
            lines += [f"The anonymous type of {_code(name)}.", ""]
            lines += self._complex_content(nested_type, nested_anchor, nested_title)
        return lines

    # -- components -------------------------------------------------------------------------

    def _heading(self, anchor: str, title: str) -> list[str]:
        return [f'<a id="{anchor}"></a>', "", f"#### {_code(title)}", ""]

    def _paragraph(self, text: str) -> list[str]:
        return [text, ""] if text else []

    def _element(self, schema: Schema, node: etree._Element) -> list[str]:
        name = node.get("name", "")
        anchor = f"{schema.stem}-element-{name}"
        lines = self._heading(anchor, name) + self._paragraph(_documentation(node))
        declared = node.get("type")
        if declared:
            lines += [f"Type: {self._reference(node, declared, 'type')}.", ""]
        if node.get("abstract") == "true":
            lines += ["Abstract: it appears only through its substitution group.", ""]
        group = node.get("substitutionGroup")
        if group:
            lines += [f"Substitutes for {self._reference(node, group, 'element')}.", ""]
        simple = _child(node, "simpleType")
        if simple is not None:
            lines += [f"Type: {self._simple_summary(simple, with_codes=True)}.", ""]
        constraints = self._constraints(node)
        complex_type = _child(node, "complexType")
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
        lines = self._heading(anchor, name) + self._paragraph(_documentation(node))
        return lines + self._complex_content(node, anchor, name)

    def _simple_type(self, schema: Schema, node: etree._Element) -> list[str]:
        name = node.get("name", "")
        anchor = f"{schema.stem}-type-{name}"
        lines = self._heading(anchor, name) + self._paragraph(_documentation(node))
        restriction = _child(node, "restriction")
        if restriction is None:
            summary = self._simple_summary(node, with_codes=False)
            return [*lines, f"{summary[:1].upper()}{summary[1:]}.", ""]
        base = restriction.get("base")
        inner = _child(restriction, "simpleType")
        origin = (
            self._reference(restriction, base, "type")
            if base
            else self._simple_summary(inner, with_codes=False)
            if inner is not None
            else _code("xs:anySimpleType")
        )
        facets = self._facets(restriction)
        lines += [f"Restricts {origin}" + (": " + "; ".join(facets) if facets else "") + ".", ""]
        codes = list(_children(restriction, "enumeration"))
        if codes:
            lines += _table(
                ["Code", "Meaning"],
                [[_code(code.get("value", "")), _documentation(code)] for code in codes],
            )
            lines.append("")
        return lines

    def _group(self, schema: Schema, node: etree._Element) -> list[str]:
        name = node.get("name", "")
        anchor = f"{schema.stem}-group-{name}"
        lines = self._heading(anchor, name) + self._paragraph(_documentation(node))
        return lines + self._complex_content(node, anchor, name)

    def _attribute_group(self, schema: Schema, node: etree._Element) -> list[str]:
        name = node.get("name", "")
        anchor = f"{schema.stem}-attributeGroup-{name}"
        lines = self._heading(anchor, name) + self._paragraph(_documentation(node))
        rows = self._attributes(node)
        return lines + _table(["Attribute", "Type", "Use", "Description"], rows) + [""]

    def _global_attribute(self, schema: Schema, node: etree._Element) -> list[str]:
        name = node.get("name", "")
        anchor = f"{schema.stem}-attribute-{name}"
        lines = self._heading(anchor, name) + self._paragraph(_documentation(node))
        return [*lines, f"Type: {self._type_cell(node, anchor)}.", ""]

    def _schema(self, schema: Schema) -> list[str]:
        root = schema.root
        lines = [f'<a id="{schema.stem}"></a>', "", f"## {schema.path.name}", ""]
        facts = [f"Namespace {_code(schema.namespace)}", f"version {schema.version or '—'}"]
        imports = [
            f"{_code(node.get('namespace', ''))} ({node.get('schemaLocation', '')})"
            for node in _children(root, "import")
        ]
        includes = [node.get("schemaLocation", "") for node in _children(root, "include")]
        if imports:
            facts.append("imports " + ", ".join(imports))
        if includes:
            facts.append("includes " + ", ".join(includes))
        lines += ["; ".join(facts) + ".", ""]
        lines += self._paragraph(_documentation(root))
        sections = [
            ("Global elements", "element", self._element),
            ("Complex types", "complexType", self._complex_type),
            ("Simple types", "simpleType", self._simple_type),
            ("Model groups", "group", self._group),
            ("Attribute groups", "attributeGroup", self._attribute_group),
            ("Global attributes", "attribute", self._global_attribute),
        ]
        for title, kind, render_one in sections:
            nodes = list(_children(root, kind))
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
            f"element tables, `{_NEST}` marks the members of a group (*one of* is an "
            "`xs:choice`).",
            "",
        ]
        rows = []
        for schema in self.schemas:
            elements = [
                f"[{_code(node.get('name', ''))}](#{schema.stem}-element-{node.get('name', '')})"
                for node in _children(schema.root, "element")
            ]
            rows.append(
                [
                    f"[{schema.path.name}](#{schema.stem})",
                    _code(schema.namespace),
                    schema.version,
                    ", ".join(elements),
                ]
            )
        lines += _table(["Schema", "Namespace", "Version", "Global elements"], rows)
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
