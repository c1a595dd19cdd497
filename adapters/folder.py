"""Folder drop: documents dropped in an outbox folder are submitted to the node, and the
documents the node receives are written into an inbox folder.

    root/outbox/   the back-office drops NAME.xml or NAME.json (+ optional NAME.meta.json)
    root/sent/     NAME.<message-id>.xml and NAME.<message-id>.meta.json once submitted
    root/error/    NAME.xml, NAME.meta.json and NAME.error.txt when the node refused it
    root/inbox/    <message-id>.xml (or .json) and <message-id>.meta.json, received

    with GatewayClient(node_url, api_key) as node:
        FolderAdapter(node, FolderSettings.under(root, default_recipient="DE:DRV70001")).run(stop)

The contract (when a file counts as complete, where the recipient comes from, what a
failure does) is in docs/adapters.md. Command line: ``python -m adapters.folder run --help``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import enum
import json
import logging
import math
import os
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx2

from adapters._state import OneLineParser, UsageError, read_secret, seconds_between
from adapters.client import GatewayApiError, GatewayClient, Submission
from gateway.codes import InvalidIdentifier, parse_institution_id

__all__ = [
    "FolderAdapter",
    "FolderSettings",
    "Handled",
    "Outcome",
    "Received",
    "main",
    "write_atomically",
]

log = logging.getLogger("adapters.folder")

API_KEY_VARIABLE = "SSGW_API_KEY"
META_SUFFIX = ".meta.json"
ERROR_SUFFIX = ".error.txt"
DOCUMENT_SUFFIXES = (".xml", ".json")

DocumentForm = Literal["xml", "json"]

# Answers that say nothing about the file (the key, the URL, the node's health): the file
# stays in the outbox. Every other 4xx is the file's fault and sends it to error/.
_NOT_THE_FILE = frozenset({401, 404, 405, 408, 429})


@dataclass(frozen=True, slots=True)
class FolderSettings:
    """The four folders (on one file system: files move by rename) and the drop rules."""

    outbox: Path
    sent: Path
    error: Path
    inbox: Path
    default_recipient: str | None = None
    """The recipient of documents that have no NAME.meta.json or none in it."""
    form: DocumentForm = "xml"
    """Write received documents as XML, or in the node's JSON form."""
    interval: float = 1.0
    """Seconds between polls of the outbox; also the inbox long-poll."""
    settle: float = 1.0
    """Seconds a file must stay unchanged (size and time, its sidecar's too) to be taken."""

    def __post_init__(self) -> None:
        if self.form not in ("xml", "json"):
            raise ValueError(f"the form must be xml or json, not {self.form!r}")
        if not 0 < self.interval <= 60:
            raise ValueError("the interval must be more than 0 and at most 60 seconds")
        if not (math.isfinite(self.settle) and self.settle >= 0):
            raise ValueError("the settle time must be a number of seconds, 0 or more")

    @classmethod
    def under(
        cls,
        root: Path,
        *,
        default_recipient: str | None = None,
        form: DocumentForm = "xml",
        interval: float = 1.0,
        settle: float = 1.0,
    ) -> FolderSettings:
        """The standard layout: ``root/outbox``, ``root/sent``, ``root/error``, ``root/inbox``."""
        return cls(
            outbox=root / "outbox",
            sent=root / "sent",
            error=root / "error",
            inbox=root / "inbox",
            default_recipient=default_recipient,
            form=form,
            interval=interval,
            settle=settle,
        )


class Outcome(enum.StrEnum):
    """What became of a dropped file."""

    SENT = "sent"
    """The node accepted it; the file is in sent/."""
    REFUSED = "refused"
    """The file cannot be sent as it is; it is in error/ with NAME.error.txt."""
    WAITING = "waiting"
    """The node was unavailable (or refused the key); the file stays to be tried again."""


@dataclass(frozen=True, slots=True)
class Handled:
    """One dropped file taken in a poll."""

    name: str
    outcome: Outcome
    path: Path
    """Where the file is now."""
    submission: Submission | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Received:
    """One inbox page: the messages written and acknowledged, and those that could not be
    written (they stay in the node's inbox and are tried again)."""

    written: tuple[uuid.UUID, ...] = ()
    failed: tuple[uuid.UUID, ...] = ()


class _Refused(Exception):
    """The file itself is wrong; the text goes into NAME.error.txt."""

    def __init__(self, text: str, summary: str) -> None:
        super().__init__(summary)
        self.text = text
        self.summary = summary
        """For the log: never the node's detail, which may quote the document."""


@dataclass(frozen=True, slots=True)
class _Request:
    document: bytes | Mapping[str, Any]
    recipient: str
    options: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


_Signature = tuple[int, int, int, int]


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
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    # A rename is durable only once the folder's entry is on disk too.
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _is_document(name: str) -> bool:
    return (
        not name.startswith(".")
        and name.endswith(DOCUMENT_SUFFIXES)
        and not name.endswith(META_SUFFIX)
    )


def _split(name: str) -> tuple[str, str]:
    """``claim.xml`` -> (``claim``, ``.xml``)."""
    stem, dot, suffix = name.rpartition(".")
    return stem, dot + suffix


def _json_bytes(value: Mapping[str, Any]) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode()


def _uuid_member(meta: Mapping[str, Any], name: str, source: str) -> uuid.UUID | None:
    value = meta.get(name)
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise _Refused(
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


def _problem_text(name: str, error: GatewayApiError) -> str:
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


class FolderAdapter:
    """Moves documents between a node and the folders of ``settings``.

    Run one adapter per set of folders. The node client is the caller's.
    """

    def __init__(self, node: GatewayClient, settings: FolderSettings) -> None:
        self._node = node
        self._settings = settings
        for folder in (settings.outbox, settings.sent, settings.error, settings.inbox):
            folder.mkdir(parents=True, exist_ok=True)
        self._seen: dict[str, tuple[_Signature, float]] = {}
        # Files the node accepted that could not be moved to sent/: not to be sent again.
        self._unmovable: dict[str, _Signature] = {}

    # Outbox -------------------------------------------------------------------------------

    def scan(self) -> list[Handled]:
        """One poll of the outbox: submit each document that has stayed unchanged since the
        previous poll (and for at least ``settle`` seconds). When the node is unavailable
        the remaining documents wait for a later poll."""
        now = time.monotonic()
        seen: dict[str, tuple[_Signature, float]] = {}
        handled: list[Handled] = []
        node_unavailable = False
        for path in sorted(self._settings.outbox.iterdir()):
            if not _is_document(path.name):
                continue
            signature = self._signature(path)
            if signature is None:
                continue
            before = self._seen.get(path.name)
            unchanged = before is not None and before[0] == signature
            since = before[1] if before is not None and unchanged else now
            if (
                node_unavailable
                or not unchanged
                or now - since < self._settings.settle
                or self._unmovable.get(path.name) == signature
            ):
                seen[path.name] = (signature, since)
                continue
            result = self._take(path)
            if result is None:
                continue
            handled.append(result)
            if result.outcome is Outcome.WAITING:
                node_unavailable = True
                seen[path.name] = (signature, since)
        self._seen = seen
        return handled

    def _signature(self, path: Path) -> _Signature | None:
        """Size and modification time of a document and its sidecar; None if it is gone."""
        try:
            document = path.stat()
        except FileNotFoundError:
            return None
        if not path.is_file():
            return None
        try:
            sidecar = self._sidecar(path).stat()
            sidecar_size, sidecar_time = sidecar.st_size, sidecar.st_mtime_ns
        except FileNotFoundError:
            sidecar_size, sidecar_time = -1, -1
        return document.st_size, document.st_mtime_ns, sidecar_size, sidecar_time

    def _sidecar(self, path: Path) -> Path:
        return path.with_name(_split(path.name)[0] + META_SUFFIX)

    def _take(self, path: Path) -> Handled | None:
        """Submit one settled document; None if it vanished meanwhile."""
        sidecar = self._sidecar(path)
        try:
            request = self._request(path, sidecar)
        except FileNotFoundError:
            return None
        except _Refused as refused:
            text = f"{path.name} was not submitted: {refused.text}\n"
            return self._quarantine(path, sidecar, _Refused(text, refused.summary))
        except OSError as error:
            log.error("cannot read %s: %s", path.name, error.strerror)
            return Handled(path.name, Outcome.WAITING, path, reason=str(error.strerror))
        try:
            submission = self._node.submit(
                request.document, recipient=request.recipient, **request.options
            )
        except GatewayApiError as error:
            if error.status in _NOT_THE_FILE or error.status >= 500:
                log.warning(
                    "%s waits: the node answered %s %s", path.name, error.status, error.code
                )
                return Handled(path.name, Outcome.WAITING, path, reason=str(error))
            return self._quarantine(
                path,
                sidecar,
                _Refused(
                    _problem_text(path.name, error),
                    f"the node answered {error.status} {error.code}",
                ),
            )
        except httpx2.HTTPError as error:
            reason = f"{type(error).__name__}: {error}"
            log.warning("%s waits: the node is unavailable (%s)", path.name, reason)
            return Handled(path.name, Outcome.WAITING, path, reason=reason)
        try:
            return self._sent(path, sidecar, request, submission)
        except OSError as error:
            signature = self._signature(path)
            if signature is not None:
                self._unmovable[path.name] = signature
            log.error(
                "%s was submitted as message %s but cannot be moved to sent/ (%s); "
                "it is not submitted again unless it changes",
                path.name,
                submission.id,
                error.strerror,
            )
            return Handled(path.name, Outcome.SENT, path, submission=submission)

    def _request(self, path: Path, sidecar: Path) -> _Request:
        data = path.read_bytes()
        meta: dict[str, Any] = {}
        if sidecar.exists():
            try:
                loaded = json.loads(sidecar.read_bytes())
            except (ValueError, UnicodeDecodeError) as error:
                raise _Refused(
                    f"{sidecar.name} is not JSON: {error}", "the sidecar is not JSON"
                ) from None
            if not isinstance(loaded, dict):
                raise _Refused(f"{sidecar.name} is not a JSON object", "the sidecar is no object")
            meta = loaded
        unknown = sorted(set(meta) - _SIDECAR_MEMBERS)
        if unknown:
            raise _Refused(
                f"{sidecar.name} has unknown members: {', '.join(unknown)} "
                f"(allowed: {', '.join(sorted(_SIDECAR_MEMBERS))})",
                "the sidecar has unknown members",
            )
        recipient = meta.get("recipient", self._settings.default_recipient)
        if recipient is not None and (not isinstance(recipient, str) or not recipient):
            raise _Refused(f"{sidecar.name}: recipient is not an institution id", "bad recipient")
        if not isinstance(recipient, str):
            raise _Refused(
                f"it has no recipient: give one in {sidecar.name} "
                "or run the adapter with a default recipient",
                "no recipient",
            )
        options: dict[str, Any] = {
            name: _uuid_member(meta, name, sidecar.name)
            for name in ("case_id", "in_reply_to", "document_set_id")
        }
        version = meta.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int):
            raise _Refused(f"{sidecar.name}: version is not a whole number", "bad version")
        options["version"] = version
        action = meta.get("action", "new")
        if not isinstance(action, str):
            raise _Refused(f"{sidecar.name}: action is not a string", "bad action")
        options["action"] = action
        protected = meta.get("protected_person", False)
        if not isinstance(protected, bool):
            raise _Refused(f"{sidecar.name}: protected_person is not true or false", "bad flag")
        options["protected_person"] = protected
        document: bytes | Mapping[str, Any] = data
        if path.suffix == ".json":
            try:
                form = json.loads(data)
            except (ValueError, UnicodeDecodeError) as error:
                raise _Refused(f"it is not JSON: {error}", "not JSON") from None
            if not isinstance(form, dict):
                raise _Refused("it is not a JSON object", "not a JSON object")
            document = form
        return _Request(document, recipient, options, meta)

    def _sent(
        self, path: Path, sidecar: Path, request: _Request, submission: Submission
    ) -> Handled:
        stem, suffix = _split(path.name)
        target = self._settings.sent / f"{stem}.{submission.id}{suffix}"
        # The move comes first: once the document has left the outbox it is not sent twice.
        os.replace(path, target)
        meta = {
            **request.meta,
            "recipient": request.recipient,
            "message_id": str(submission.id),
            "case_id": str(submission.case_id),
            "status": submission.status,
            "submitted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "file": path.name,
        }
        write_atomically(
            self._settings.sent / f"{stem}.{submission.id}{META_SUFFIX}", _json_bytes(meta)
        )
        sidecar.unlink(missing_ok=True)
        _sync_folder(self._settings.outbox)
        log.info("submitted %s as message %s", path.name, submission.id)
        return Handled(path.name, Outcome.SENT, target, submission=submission)

    def _quarantine(self, path: Path, sidecar: Path, refused: _Refused) -> Handled:
        stem, suffix = _split(path.name)
        error = self._settings.error
        free, number = stem, 1
        while any((error / f"{free}{end}").exists() for end in (suffix, META_SUFFIX, ERROR_SUFFIX)):
            number += 1
            free = f"{stem}-{number}"
        # The reason is written first, so a file in error/ always has its explanation.
        write_atomically(error / f"{free}{ERROR_SUFFIX}", refused.text.encode())
        target = error / f"{free}{suffix}"
        os.replace(path, target)
        if sidecar.exists():
            os.replace(sidecar, error / f"{free}{META_SUFFIX}")
        _sync_folder(self._settings.outbox)
        _sync_folder(error)
        log.warning("%s moved to error/ as %s: %s", path.name, target.name, refused.summary)
        return Handled(path.name, Outcome.REFUSED, target, reason=refused.text)

    # Inbox --------------------------------------------------------------------------------

    def receive(self, *, wait: float = 0) -> Received:
        """Write one page of the node's inbox into the inbox folder, acknowledging each
        document once it is on disk. Node errors propagate (``httpx2.HTTPError``,
        ``GatewayApiError``); nothing is acknowledged that is not written."""
        # Acknowledged documents leave the node's inbox, so reading from the start yields
        # exactly those still due: no cursor to keep.
        page = self._node.inbox(after=0, wait=wait)
        written: list[uuid.UUID] = []
        failed: list[uuid.UUID] = []
        for item in page.items:
            try:
                if self._settings.form == "json":
                    data = _json_bytes(self._node.document_json(item.id))
                else:
                    data = self._node.document(item.id)
            except GatewayApiError as error:
                if error.status != 404:
                    raise
                log.warning("message %s left the node's inbox meanwhile", item.id)
                continue
            meta = {
                "message_id": str(item.id),
                "sender": item.sender,
                "case_id": str(item.case_id),
                "case_type": item.case_type,
                "document_type": item.document_type,
                "in_reply_to": str(item.in_reply_to) if item.in_reply_to else None,
            }
            try:
                # The meta first: when the document appears, its meta is already there.
                write_atomically(
                    self._settings.inbox / f"{item.id}{META_SUFFIX}", _json_bytes(meta)
                )
                write_atomically(self._settings.inbox / f"{item.id}.{self._settings.form}", data)
            except OSError as error:
                log.error("cannot write message %s: %s", item.id, error.strerror)
                failed.append(item.id)
                continue
            self._node.acknowledge(item.id)
            log.info("received message %s (%s from %s)", item.id, item.document_type, item.sender)
            written.append(item.id)
        return Received(tuple(written), tuple(failed))

    # Both ---------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Poll the outbox and the node's inbox until ``stop`` is set."""
        interval = self._settings.interval
        while not stop.is_set():
            try:
                self.scan()
            except OSError as error:
                log.error("the outbox poll failed: %s", error.strerror or error)
            try:
                received = self.receive(wait=interval)
            except (httpx2.HTTPError, GatewayApiError) as error:
                log.warning("the node's inbox is unavailable (%s)", type(error).__name__)
                stop.wait(interval)
                continue
            if received.failed:
                stop.wait(interval)


# Command line -----------------------------------------------------------------------------


_seconds = seconds_between(0, 3600)


def _recipient(text: str) -> str:
    try:
        return str(parse_institution_id(text))
    except InvalidIdentifier:
        raise argparse.ArgumentTypeError(
            f"not an institution id like DE:DRV70001: {text!r}"
        ) from None


def _parser() -> OneLineParser:
    parser = OneLineParser(
        prog="python -m adapters.folder",
        description="Submit documents dropped in a folder; write received ones into a folder.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    run = commands.add_parser("run", help="poll the folders until SIGTERM or Ctrl-C")
    run.add_argument("--node", required=True, help="the node's API base URL")
    run.add_argument(
        "--root", required=True, type=Path, help="holds outbox/, sent/, error/ and inbox/"
    )
    run.add_argument(
        "--api-key-file", type=Path, help=f"node API key file (else ${API_KEY_VARIABLE})"
    )
    run.add_argument("--recipient", type=_recipient, help="for documents without a sidecar one")
    run.add_argument("--form", choices=("xml", "json"), default="xml", help="received form")
    run.add_argument("--interval", type=_seconds, default=1.0, help="seconds between polls")
    run.add_argument("--settle", type=_seconds, default=1.0, help="seconds a file must rest")
    run.add_argument("--once", action="store_true", help="take what is there, then exit")
    return parser


def _once(adapter: FolderAdapter, settings: FolderSettings) -> int:
    handled = adapter.scan()
    # A file is taken at its second sighting: look again once it has had time to settle.
    time.sleep(max(settings.settle, 0.05))
    handled += adapter.scan()
    counts = {o: sum(h.outcome is o for h in handled) for o in Outcome}
    try:
        received = adapter.receive()
    except (httpx2.HTTPError, GatewayApiError) as error:
        print(f"error: the node's inbox is unavailable: {error}", file=sys.stderr)
        return 1
    print(
        ", ".join(f"{n} {o.value}" for o, n in counts.items())
        + f", {len(received.written)} received"
    )
    return 1 if counts[Outcome.WAITING] or received.failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit code (2 for bad arguments)."""
    arguments = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # The HTTP client logs every request at INFO: too chatty for a polling loop.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    try:
        adapter_settings = _settings(arguments)
        api_key = read_secret(arguments.api_key_file, API_KEY_VARIABLE, "node API key")
        if not arguments.node.startswith(("http://", "https://")):
            raise UsageError(f"the node URL must be http(s): {arguments.node!r}")
        with GatewayClient(arguments.node, api_key.decode()) as node:
            try:
                adapter = FolderAdapter(node, adapter_settings)
            except OSError as error:
                raise UsageError(
                    f"cannot make the folders under {arguments.root}: {error}"
                ) from None
            if arguments.once:
                return _once(adapter, adapter_settings)
            return _run(adapter, stop=threading.Event(), node_url=arguments.node)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _settings(arguments: argparse.Namespace) -> FolderSettings:
    try:
        return FolderSettings.under(
            arguments.root,
            default_recipient=arguments.recipient,
            form=arguments.form,
            interval=arguments.interval,
            settle=arguments.settle,
        )
    except ValueError as error:
        raise UsageError(str(error)) from None


def _run(adapter: FolderAdapter, *, stop: threading.Event, node_url: str) -> int:
    previous = {
        number: signal.signal(number, lambda *_: stop.set())
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        log.info("moving documents between the folders and %s", node_url)
        adapter.run(stop)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
