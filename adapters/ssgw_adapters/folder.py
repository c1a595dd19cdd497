"""Folder drop: documents dropped in an outbox folder are submitted to the node, and the
documents the node receives are written into an inbox folder.

    root/outbox/   the back-office drops NAME.xml or NAME.json (+ optional NAME.meta.json)
    root/sent/     NAME.<message-id>.xml and NAME.<message-id>.meta.json once submitted
    root/error/    NAME.xml, NAME.meta.json and NAME.error.txt when the node refused it
    root/inbox/    <message-id>.xml (or .json) and <message-id>.meta.json, received

    with GatewayClient(node_url, api_key) as node:
        FolderAdapter(node, FolderSettings.under(root, default_recipient="DE:DRV70001")).run(stop)

The contract (when a file counts as complete, where the recipient comes from, what a
failure does) is in docs/adapters.md. Command line: ``ssgw-adapter folder run --help``
(:mod:`ssgw_adapters.cli`).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx2

from ssgw_adapters._drop import (
    META_SUFFIX,
    DropRequest,
    Refused,
    is_document,
    json_bytes,
    problem_text,
    read_request,
    split_name,
    sync_folder,
    write_atomically,
)
from ssgw_adapters.client import GatewayApiError, GatewayClient, Submission
from ssgw_adapters.running import poll_until_stopped

__all__ = [
    "FolderAdapter",
    "FolderSettings",
    "Handled",
    "Outcome",
    "Received",
    "write_atomically",
]

log = logging.getLogger("ssgw_adapters.folder")

ERROR_SUFFIX = ".error.txt"

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


_Signature = tuple[int, int, int, int]


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
            if not is_document(path.name):
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
        return path.with_name(split_name(path.name)[0] + META_SUFFIX)

    def _take(self, path: Path) -> Handled | None:
        """Submit one settled document; None if it vanished meanwhile."""
        sidecar = self._sidecar(path)
        try:
            request = read_request(path, sidecar, self._settings.default_recipient)
        except FileNotFoundError:
            return None
        except Refused as refused:
            text = f"{path.name} was not submitted: {refused.text}\n"
            return self._quarantine(path, sidecar, Refused(text, refused.summary))
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
                Refused(
                    problem_text(path.name, error),
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

    def _sent(
        self, path: Path, sidecar: Path, request: DropRequest, submission: Submission
    ) -> Handled:
        stem, suffix = split_name(path.name)
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
            self._settings.sent / f"{stem}.{submission.id}{META_SUFFIX}", json_bytes(meta)
        )
        sidecar.unlink(missing_ok=True)
        sync_folder(self._settings.outbox)
        log.info("submitted %s as message %s", path.name, submission.id)
        return Handled(path.name, Outcome.SENT, target, submission=submission)

    def _quarantine(self, path: Path, sidecar: Path, refused: Refused) -> Handled:
        stem, suffix = split_name(path.name)
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
        sync_folder(self._settings.outbox)
        sync_folder(error)
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
                    data = json_bytes(self._node.document_json(item.id))
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
                write_atomically(self._settings.inbox / f"{item.id}{META_SUFFIX}", json_bytes(meta))
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
        """Poll the outbox and the node's inbox until ``stop`` is set; a node that does not
        answer is asked again after the interval."""
        interval = self._settings.interval

        def both() -> None:
            try:
                self.scan()
            except OSError as error:
                log.error("the outbox poll failed: %s", error.strerror or error)
            if self.receive(wait=interval).failed:
                stop.wait(interval)

        poll_until_stopped(both, stop, retry_delay=lambda _: interval, who="folder drop")
