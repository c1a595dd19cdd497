"""A dropped file: what it asks the node for, and how the folder adapter writes files.

A document dropped as ``NAME.xml`` or ``NAME.json`` may have a sidecar ``NAME.meta.json``
with the submission's options; :func:`read_request` reads both, or says in :class:`Refused`
why they cannot be sent. Every file the adapter writes is written whole or not at all
(:func:`write_atomically`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssgw_adapters.client import GatewayApiError

__all__ = [
    "DOCUMENT_SUFFIXES",
    "META_SUFFIX",
    "DropRequest",
    "Refused",
    "is_document",
    "json_bytes",
    "problem_text",
    "read_request",
    "split_name",
    "sync_folder",
    "write_atomically",
]

META_SUFFIX = ".meta.json"
DOCUMENT_SUFFIXES = (".xml", ".json")


class Refused(Exception):
    """The file itself is wrong; the text goes into NAME.error.txt."""

    def __init__(self, text: str, summary: str) -> None:
        super().__init__(summary)
        self.text = text
        self.summary = summary
        """For the log: never the node's detail, which may quote the document."""


@dataclass(frozen=True, slots=True)
class DropRequest:
    """A submission as a dropped file asks for it; ``meta`` is the sidecar as read."""

    document: bytes | Mapping[str, Any]
    recipient: str
    options: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a temporary file in the same folder (a hidden
    ``.NAME.*.tmp``), flushed to disk, renamed over ``path``, and the folder synced."""
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    # A rename is durable only once the folder's entry is on disk too.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def is_document(name: str) -> bool:
    return (
        not name.startswith(".")
        and name.endswith(DOCUMENT_SUFFIXES)
        and not name.endswith(META_SUFFIX)
    )


def split_name(name: str) -> tuple[str, str]:
    """``claim.xml`` -> (``claim``, ``.xml``)."""
    stem, dot, suffix = name.rpartition(".")
    return stem, dot + suffix


def json_bytes(value: Mapping[str, Any]) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()


def _uuid_member(meta: Mapping[str, Any], name: str, source: str) -> uuid.UUID | None:
    value = meta.get(name)
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Refused(
            f"{source}: {name} is not a UUID: {value!r}", f"{name} is not a UUID"
        ) from None


_SIDECAR_MEMBERS = frozenset(
    {
        "recipient",
        "case_id",
        "in_reply_to",
        "document_set_id",
        "version",
        "action",
        "protected_person",
    }
)


def problem_text(name: str, error: GatewayApiError) -> str:
    lines = [
        f"{name} was not submitted: the node refused it ({error.status} {error.code}).",
        f"Title: {error.title}",
        f"Detail: {error.detail}",
    ]
    if error.reason is not None:
        lines.append(f"Reason: {error.reason}")
    if error.errors:
        lines.append("Errors:")
        for item in error.errors:
            where = " ".join(
                f"{label} {item[key]}"
                for label, key in (("line", "line"), ("at", "path"))
                if item.get(key)
            )
            prefix = f"{where}: " if where else ""
            lines.append(f"  {prefix}[{item.get('code', '')}] {item.get('message', '')}")
    return "\n".join(lines) + "\n"


def read_request(path: Path, sidecar: Path, default_recipient: str | None) -> DropRequest:
    """What a dropped document and its sidecar ask the node for; :class:`Refused` when
    the files cannot be sent as they are."""
    data = path.read_bytes()
    meta = _read_sidecar(sidecar)
    recipient = _recipient(meta, sidecar.name, default_recipient)
    options = _options(meta, sidecar.name)
    options["idempotency_key"] = _drop_key(path.name, data, recipient, meta)
    document: bytes | Mapping[str, Any] = data
    if path.suffix == ".json":
        document = _json_form(data)
    return DropRequest(document, recipient, options, meta)


def _drop_key(name: str, data: bytes, recipient: str, meta: Mapping[str, Any]) -> str:
    """The idempotency key of a drop: the same for the same file (name, bytes, sidecar), so
    that a submit whose answer was lost, or an adapter that stopped before it moved the file
    to sent/, sends it again as the same submission and the node stores it once."""
    digest = hashlib.sha256()
    for part in (
        name.encode(),
        data,
        recipient.encode(),
        json.dumps(meta, sort_keys=True).encode(),
    ):
        digest.update(len(part).to_bytes(8, "big") + part)
    return f"drop-{digest.hexdigest()}"


def _read_sidecar(sidecar: Path) -> dict[str, Any]:
    """The sidecar's members (none without a sidecar), each one the adapter knows."""
    meta: dict[str, Any] = {}
    if sidecar.exists():
        try:
            loaded = json.loads(sidecar.read_bytes())
        except (ValueError, UnicodeDecodeError) as error:
            raise Refused(
                f"{sidecar.name} is not JSON: {error}", "the sidecar is not JSON"
            ) from None
        if not isinstance(loaded, dict):
            raise Refused(f"{sidecar.name} is not a JSON object", "the sidecar is no object")
        meta = loaded
    unknown = sorted(set(meta) - _SIDECAR_MEMBERS)
    if unknown:
        raise Refused(
            f"{sidecar.name} has unknown members: {', '.join(unknown)} "
            f"(allowed: {', '.join(sorted(_SIDECAR_MEMBERS))})",
            "the sidecar has unknown members",
        )
    return meta


def _recipient(meta: Mapping[str, Any], source: str, default: str | None) -> str:
    recipient = meta.get("recipient", default)
    if recipient is not None and (not isinstance(recipient, str) or not recipient):
        raise Refused(f"{source}: recipient is not an institution id", "bad recipient")
    if not isinstance(recipient, str):
        raise Refused(
            f"it has no recipient: give one in {source} "
            "or run the adapter with a default recipient",
            "no recipient",
        )
    return recipient


def _options(meta: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The submission's options from the sidecar, defaults for those it leaves out."""
    options: dict[str, Any] = {
        name: _uuid_member(meta, name, source)
        for name in ("case_id", "in_reply_to", "document_set_id")
    }
    version = meta.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int):
        raise Refused(f"{source}: version is not a whole number", "bad version")
    options["version"] = version
    action = meta.get("action", "new")
    if not isinstance(action, str):
        raise Refused(f"{source}: action is not a string", "bad action")
    options["action"] = action
    protected = meta.get("protected_person", False)
    if not isinstance(protected, bool):
        raise Refused(f"{source}: protected_person is not true or false", "bad flag")
    options["protected_person"] = protected
    return options


def _json_form(data: bytes) -> Mapping[str, Any]:
    try:
        form = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise Refused(f"it is not JSON: {error}", "not JSON") from None
    if not isinstance(form, dict):
        raise Refused("it is not a JSON object", "not a JSON object")
    return form
