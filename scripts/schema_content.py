"""How the schema reference (``schema_reference.py``) describes types and content models:
references to named components, simple types in words, and the tables of a complex type."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree
from xsd_markdown import (
    XS,
    Schema,
    child,
    children,
    code_span,
    documentation,
    local,
    occurs,
    table,
)

__all__ = ["NEST", "ContentDescriber"]

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
NEST = "\N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK}"

_CONSTRAINT_WORDS = {"unique": "unique", "key": "key", "keyref": "key reference"}


@dataclass
class Index:
    """Where each named global component is described: (kind, namespace, name) -> anchor."""

    anchors: dict[tuple[str, str, str], str] = field(default_factory=dict)
    components: dict[tuple[str, str, str], etree._Element] = field(default_factory=dict)

    def add(self, schema: Schema, kind: str, node: etree._Element) -> None:
        name = node.get("name", "")
        key = (kind, schema.namespace, name)
        self.anchors[key] = f"{schema.stem}-{kind}-{name}"
        self.components[key] = node


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a content table: an element, a wildcard or a group of particles."""

    name: str
    type: str
    occurs: str
    description: str


@dataclass
class Context:
    """What describing one content model collects: anonymous types and constraints of its
    local elements, shown after its tables."""

    anchor: str
    title: str
    nested: list[tuple[str, str, str, etree._Element]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class ContentDescriber:
    """Describes the components of the parsed schemas, linked to where each named one is
    described."""

    def __init__(self, schemas: list[Schema], folder: str = "v1") -> None:
        self.schemas = schemas
        self.folder = folder
        self.index = Index()
        for schema in schemas:
            for node in children(schema.root):
                kind = {
                    "element": "element",
                    "complexType": "type",
                    "simpleType": "type",
                    "group": "group",
                    "attributeGroup": "attributeGroup",
                    "attribute": "attribute",
                }.get(local(node))
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
            return code_span(f"xs:{local}")
        anchor = self.index.anchors.get((kind, namespace, local))
        return f"[{code_span(qname)}](#{anchor})" if anchor else code_span(qname)

    def _facets(self, restriction: etree._Element) -> list[str]:
        """The facets of a restriction in words (enumerations excepted)."""
        words: list[str] = []
        patterns = [p.get("value", "") for p in children(restriction, "pattern")]
        if patterns:
            words.append("pattern " + " or ".join(code_span(p) for p in patterns))
        for facet, phrase in _FACET_WORDS.items():
            for node in children(restriction, facet):
                words.append(phrase.format(code_span(node.get("value", ""))))
        return words

    def _simple_summary(self, simple: etree._Element, *, with_codes: bool) -> str:
        """A one-line description of a simple type definition (for inline, anonymous types)."""
        restriction = child(simple, "restriction")
        if restriction is not None:
            base = restriction.get("base")
            inner = child(restriction, "simpleType")
            text = (
                self._reference(restriction, base, "type")
                if base
                else self._simple_summary(inner, with_codes=False)
                if inner is not None
                else code_span("xs:anySimpleType")
            )
            details = self._facets(restriction)
            codes = list(children(restriction, "enumeration"))
            if codes and with_codes:
                listed = []
                for code in codes:
                    meaning = documentation(code)
                    value = code_span(code.get("value", ""))
                    listed.append(f"{value} ({meaning})" if meaning else value)
                details.append("one of " + ", ".join(listed))
            return text + (": " + "; ".join(details) if details else "")
        listing = child(simple, "list")
        if listing is not None:
            item = listing.get("itemType")
            return "list of " + (self._reference(listing, item, "type") if item else "values")
        union = child(simple, "union")
        if union is not None:
            members = (union.get("memberTypes") or "").split()
            return "union of " + ", ".join(self._reference(union, m, "type") for m in members)
        return code_span("xs:anySimpleType")

    def _type_cell(self, node: etree._Element, anchor: str) -> str:
        """The type of an element or attribute declaration."""
        declared = node.get("type")
        if declared:
            return self._reference(node, declared, "type")
        simple = child(node, "simpleType")
        if simple is not None:
            return self._simple_summary(simple, with_codes=True)
        if child(node, "complexType") is not None:
            return f"[anonymous, below](#{anchor})"
        return code_span("xs:anyType")

    # -- content models ---------------------------------------------------------------------

    def _particle_rows(
        self, particle: etree._Element, depth: int, in_sequence: bool, context: Context
    ) -> list[Row]:
        """Rows for one particle: an element, a wildcard, a group reference or a compositor."""
        kind = local(particle)
        indent = f"{NEST} " * depth
        if kind == "element":
            return [self._element_row(particle, indent, context)]
        if kind == "any":
            namespace = particle.get("namespace", "##any")
            process = particle.get("processContents", "strict")
            return [
                Row(
                    f"{indent}*any element*",
                    f"namespace {code_span(namespace)}, {process} processing",
                    occurs(particle),
                    documentation(particle),
                )
            ]
        if kind == "group":
            return [
                Row(
                    f"{indent}*group*",
                    self._reference(particle, particle.get("ref", ""), "group"),
                    occurs(particle),
                    documentation(particle),
                )
            ]
        if kind not in _COMPOSITORS:
            return []
        members = children(particle, "element", "any", "group", *_COMPOSITORS)
        plain = occurs(particle) == "1" and not documentation(particle)
        if kind == "sequence" and in_sequence and plain:
            # A plain sequence inside a sequence adds nothing: its members stand in line.
            return [row for m in members for row in self._particle_rows(m, depth, True, context)]
        rows = [
            Row(
                f"{indent}*{_COMPOSITORS[kind]}*",
                "",
                occurs(particle),
                documentation(particle),
            )
        ]
        for member in members:
            rows += self._particle_rows(member, depth + 1, kind == "sequence", context)
        return rows

    def _element_row(self, particle: etree._Element, indent: str, context: Context) -> Row:
        reference = particle.get("ref")
        if reference:
            target = self._resolve(particle, reference)
            declaration = self.index.components.get(("element", *target))
            described = documentation(particle) or (
                documentation(declaration) if declaration is not None else ""
            )
            return Row(
                f"{indent}{self._reference(particle, reference, 'element')}",
                "see the element",
                occurs(particle),
                described,
            )
        name = particle.get("name", "")
        anchor = f"{context.anchor}-{name}"
        complex_type = child(particle, "complexType")
        if complex_type is not None:
            title = f"{context.title} {NEST} {name}"
            context.nested.append((anchor, title, name, complex_type))
        description = documentation(particle)
        extras = []
        if particle.get("default") is not None:
            extras.append(f"Default {code_span(particle.get('default', ''))}.")
        if particle.get("fixed") is not None:
            extras.append(f"Fixed {code_span(particle.get('fixed', ''))}.")
        if particle.get("nillable") == "true":
            extras.append("May be nil.")
        for constraint in self._constraints(particle):
            context.notes.append(f"{code_span(name)}: {constraint}")
        return Row(
            f"{indent}{code_span(name)}",
            self._type_cell(particle, anchor),
            occurs(particle),
            " ".join([description, *extras]).strip(),
        )

    def _constraints(self, declaration: etree._Element) -> list[str]:
        """Identity constraints (unique, key, keyref) of an element declaration, in words."""
        found = []
        for constraint in children(declaration, "unique", "key", "keyref"):
            selector = child(constraint, "selector")
            fields = [f.get("xpath", "") for f in children(constraint, "field")]
            where = code_span(selector.get("xpath", "")) if selector is not None else "—"
            what = ", ".join(code_span(f) for f in fields)
            words = _CONSTRAINT_WORDS[local(constraint)]
            refers = constraint.get("refer")
            target = f", refers to {code_span(refers)}" if refers else ""
            doc = documentation(constraint)
            found.append(
                f"{words} {code_span(constraint.get('name', ''))} "
                f"(selector {where}, field {what}{target})" + (f": {doc}" if doc else "")
            )
        return found

    def _attributes(self, holder: etree._Element) -> list[tuple[str, str, str, str]]:
        rows: list[tuple[str, str, str, str]] = []
        for node in children(holder, "attribute", "attributeGroup", "anyAttribute"):
            kind = local(node)
            if kind == "attributeGroup":
                rows.append(
                    (
                        "*attribute group*",
                        self._reference(node, node.get("ref", ""), "attributeGroup"),
                        "",
                        documentation(node),
                    )
                )
                continue
            if kind == "anyAttribute":
                namespace = node.get("namespace", "##any")
                rows.append(
                    ("*any attribute*", code_span(namespace), "optional", documentation(node))
                )
                continue
            reference = node.get("ref")
            declaration = node
            if reference:
                name = self._reference(node, reference, "attribute")
                target = self.index.components.get(("attribute", *self._resolve(node, reference)))
                declaration = node if target is None else target
            else:
                name = code_span(node.get("name", ""))
            use = node.get("use", "optional")
            if node.get("default") is not None:
                use += f", default {code_span(node.get('default', ''))}"
            if node.get("fixed") is not None:
                use += f", fixed {code_span(node.get('fixed', ''))}"
            described = documentation(node) or documentation(declaration)
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
        context = Context(anchor, title, notes=list(constraints))
        lines, model, attributes_at = self._derivation(complex_type)
        rows = [
            row
            for compositor in children(model, "group", *_COMPOSITORS)
            for row in self._particle_rows(compositor, 0, True, context)
        ]
        if rows:
            lines += table(
                ["Element", "Type", "Occurs", "Description"],
                [[r.name, r.type, r.occurs, r.description] for r in rows],
            )
            lines.append("")
        elif child(complex_type, "simpleContent") is None:
            lines += ["No child elements.", ""]
        attributes = self._attributes(attributes_at)
        if attributes:
            lines += table(["Attribute", "Type", "Use", "Description"], attributes)
            lines.append("")
        if context.notes:
            lines += ["Constraints:", ""]
            lines += [f"- {note}" for note in context.notes]
            lines.append("")
        for nested_anchor, nested_title, name, nested_type in context.nested:
            lines += [f'<a id="{nested_anchor}"></a>', "", f"##### {nested_title}", ""]
            lines += [f"The anonymous type of {code_span(name)}.", ""]
            lines += self._complex_content(nested_type, nested_anchor, nested_title)
        return lines

    def _derivation(
        self, complex_type: etree._Element
    ) -> tuple[list[str], etree._Element, etree._Element]:
        """What a complex type says before its tables (abstract, mixed, what it derives from),
        the element holding its content model and the one holding its attributes."""
        lines: list[str] = []
        if complex_type.get("abstract") == "true":
            lines += ["Abstract: only types derived from it appear in documents.", ""]
        if complex_type.get("mixed") == "true":
            lines += ["Mixed content: text may appear between the child elements.", ""]
        simple = child(complex_type, "simpleContent")
        if simple is not None:
            derivation = next(children(simple, "extension", "restriction"), None)
            if derivation is None:
                return lines, simple, complex_type
            base = self._reference(derivation, derivation.get("base", ""), "type")
            facets = self._facets(derivation)
            restricted = (": " + "; ".join(facets)) if facets else ""
            return [*lines, f"Text content of type {base}{restricted}.", ""], simple, derivation
        complex_content = child(complex_type, "complexContent")
        if complex_content is None:
            return lines, complex_type, complex_type
        derivation = next(children(complex_content, "extension", "restriction"), None)
        if derivation is None:
            return lines, complex_type, complex_type
        base = self._reference(derivation, derivation.get("base", ""), "type")
        if local(derivation) == "extension":
            lines += [f"Extends {base}: the base type's elements come first, then these.", ""]
        else:
            lines += [f"Restricts {base} to the content below.", ""]
        return lines, derivation, derivation

    # -- components -------------------------------------------------------------------------
