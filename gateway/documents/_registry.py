"""Compiled XSDs, loaded only from the project's ``schemas/`` folder and compiled once."""

from __future__ import annotations

import threading
from pathlib import Path

from lxml import etree

from gateway.documents._catalogue import SCHEMA_DIR, DocumentFamily
from gateway.documents._issues import Issue

__all__ = ["directory_schema", "envelope_schema", "family_schema", "schema_issues"]


# Schema documents are our own files; the parser still refuses network access so an import
# can never reach outside the schemas folder.
class _Compiled(threading.local):
    """Each thread compiles its own copy: a schema keeps the error log of its last run, so
    two threads validating with one object could read each other's errors."""

    def __init__(self) -> None:
        self.schemas: dict[Path, etree.XMLSchema] = {}


_compiled = _Compiled()


def _compile(path: Path) -> etree.XMLSchema:
    schema = _compiled.schemas.get(path)
    if schema is None:
        parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
        schema = etree.XMLSchema(etree.parse(str(path), parser))
        _compiled.schemas[path] = schema
    return schema


def family_schema(family: DocumentFamily, version: str) -> etree.XMLSchema:
    """The compiled schema of a document family in one schema version."""
    return _compile(family.schema_path(version))


def envelope_schema() -> etree.XMLSchema:
    return _compile(SCHEMA_DIR / "v1" / "envelope.xsd")


def directory_schema() -> etree.XMLSchema:
    return _compile(SCHEMA_DIR / "v1" / "directory.xsd")


def schema_issues(schema: etree.XMLSchema, tree: etree._ElementTree) -> list[Issue]:
    """Validate ``tree``; return one :class:`Issue` per schema error (empty when valid).

    The error's code is ``schema.`` plus libxml2's error name in kebab case, so a client can
    tell a missing element from a bad value; the path is the error's location in the document.
    """
    if schema.validate(tree):
        return []
    return [
        Issue(
            code="schema." + entry.type_name.removeprefix("SCHEMAV_").lower().replace("_", "-"),
            message=entry.message,
            line=entry.line or None,
            path=entry.path or None,
        )
        for entry in schema.error_log
        # libxml2 follows some errors with warnings that only restate them.
        if entry.level >= etree.ErrorLevels.ERROR
    ]
