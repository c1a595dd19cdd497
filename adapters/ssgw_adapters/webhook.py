"""Webhook push: documents a node receives are POSTed to a back-office URL, signed.

    with GatewayClient(node_url, api_key) as node, WebhookPusher(node, settings) as pusher:
        pusher.run(stop)          # until stop is set; or pusher.run_once() for one page

The pusher long-polls the node's inbox, POSTs each document with ``X-Ssgw-*`` headers and an
HMAC-SHA256 signature, and acknowledges it on the node once the back-office answers 2xx.
Failures are retried with exponential backoff; after the last attempt the message is marked
failed in the pusher's state and stays unacknowledged in the node's inbox. Delivery is at
least once: back-offices dedupe on ``X-Ssgw-Message-Id``. See docs/adapters.md.

Command line: ``ssgw-adapter webhook {run,status,retry} --help`` (:mod:`ssgw_adapters.cli`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Literal

import httpx2

from ssgw_adapters._state import Delivery, DeliveryStatus, StateStore
from ssgw_adapters.client import GatewayApiError, GatewayClient, InboxItem
from ssgw_adapters.running import describe, poll_until_stopped

__all__ = [
    "Delivery",
    "DeliveryStatus",
    "RetryPolicy",
    "WebhookPusher",
    "WebhookSettings",
    "delivery_status",
    "sign",
    "verify_signature",
]

log = logging.getLogger("ssgw_adapters.webhook")

MESSAGE_ID_HEADER = "X-Ssgw-Message-Id"
TIMESTAMP_HEADER = "X-Ssgw-Timestamp"
SIGNATURE_HEADER = "X-Ssgw-Signature"

DocumentForm = Literal["xml", "json"]

#: An unreachable node is asked again with the retry policy's backoff, but at least this often.
NODE_RETRY_MAX_DELAY = 30.0


# The signature ----------------------------------------------------------------------------


def sign(secret: bytes, timestamp: int | str, message_id: str, body: bytes) -> str:
    """The ``X-Ssgw-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of
    ``f"{timestamp}.{message_id}.".encode() + body`` under the shared secret."""
    mac = hmac.new(secret, f"{timestamp}.{message_id}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: bytes | str,
    headers: Mapping[str, str],
    body: bytes,
    tolerance: float = 300,
    *,
    now: float | None = None,
) -> bool:
    """Whether a pushed request is authentic and fresh: for back-offices receiving pushes.

    ``headers`` are the request's headers (any letter case), ``body`` its raw bytes as
    received. False when a header is missing, the timestamp is more than ``tolerance``
    seconds away from ``now`` (default: the current time), or the signature does not match;
    the comparison is constant-time.
    """
    key = secret.encode() if isinstance(secret, str) else secret
    lowered = {name.lower(): value for name, value in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    message_id = lowered.get(MESSAGE_ID_HEADER.lower(), "")
    given = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not (timestamp.isascii() and timestamp.isdigit()) or not message_id or not given:
        return False
    moment = time.time() if now is None else now
    if abs(moment - int(timestamp)) > tolerance:
        return False
    expected = sign(key, timestamp, message_id, body)
    return hmac.compare_digest(expected.encode(), given.encode())


# Settings ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: the n-th retry waits ``initial_delay * factor**(n-1)`` seconds,
    at most ``max_delay``; a message is given up after ``max_attempts`` pushes."""

    initial_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 300.0
    max_attempts: int = 8

    def __post_init__(self) -> None:
        if not all(math.isfinite(v) for v in (self.initial_delay, self.factor, self.max_delay)):
            raise ValueError("the delays and the factor must be finite numbers")
        if self.initial_delay < 0:
            raise ValueError("the initial delay must not be negative")
        if self.factor < 1:
            raise ValueError("the backoff factor must be at least 1")
        if self.max_delay < self.initial_delay:
            raise ValueError("the maximum delay must be at least the initial delay")
        if self.max_attempts < 1:
            raise ValueError("at least one attempt is needed")

    def delay(self, failures: int) -> float:
        """Seconds to wait after ``failures`` failed attempts in a row (``failures`` >= 1)."""
        try:
            return min(self.max_delay, self.initial_delay * self.factor ** max(failures - 1, 0))
        except OverflowError:
            return self.max_delay


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    """Where and how to push. The secret is never shown in a repr."""

    url: str
    """The back-office endpoint that receives the POSTs."""
    secret: bytes = field(repr=False)
    state_file: Path
    form: DocumentForm = "xml"
    """Push the document as XML, or in the node's JSON form."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 10.0
    """Seconds the back-office has to answer one POST."""
    wait: float = 20.0
    """Long-poll seconds of each inbox request (at most 60)."""
    batch: int = 50
    """Inbox items per request."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.timeout) and math.isfinite(self.wait)):
            raise ValueError("the timeout and the wait must be finite numbers")
        if not self.url.startswith(("http://", "https://")):
            raise ValueError(f"the back-office URL must be http(s): {self.url!r}")
        if not self.secret:
            raise ValueError("the shared secret is empty")
        if self.form not in ("xml", "json"):
            raise ValueError(f"the form must be xml or json, not {self.form!r}")
        if self.timeout <= 0:
            raise ValueError("the timeout must be positive")
        if not 0 <= self.wait <= 60:
            raise ValueError("the long-poll wait must be between 0 and 60 seconds")
        if not 1 <= self.batch <= 500:
            raise ValueError("the batch must be between 1 and 500")


# The pusher -------------------------------------------------------------------------------


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WebhookPusher:
    """Pushes a node's inbox to one back-office URL; its state lives in ``settings.state_file``.

    Run one pusher per state file. The node client is the caller's; ``close`` closes the
    pusher's own HTTP client and state.
    """

    def __init__(
        self,
        node: GatewayClient,
        settings: WebhookSettings,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._node = node
        self._settings = settings
        self._clock = clock
        self.state = StateStore(settings.state_file)
        self._http = httpx2.Client(
            timeout=settings.timeout,
            # A redirect could send a document somewhere unconfigured: it counts as a failure.
            follow_redirects=False,
            headers={"User-Agent": f"ssgw-webhook/{version('ssgw')}"},
        )

    def close(self) -> None:
        self._http.close()
        self.state.close()

    def __enter__(self) -> WebhookPusher:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def run(self, stop: threading.Event) -> None:
        """Push until ``stop`` is set. An unreachable node is asked again with the retry
        policy's backoff, capped at ``NODE_RETRY_MAX_DELAY`` seconds."""
        poll_until_stopped(
            lambda: self.run_once(wait=self._settings.wait, stop=stop),
            stop,
            retry_delay=lambda failures: min(
                self._settings.retry.delay(failures), NODE_RETRY_MAX_DELAY
            ),
            who="webhook push",
        )

    def run_once(self, *, wait: float = 0, stop: threading.Event | None = None) -> list[Delivery]:
        """Push one page of the inbox after the cursor; the records of the messages handled.

        Node errors (``httpx2.HTTPError``, ``GatewayApiError``) propagate; the cursor stays on
        the last message that was delivered or failed. Returns early when ``stop`` is set.
        """
        stop = stop or threading.Event()
        cursor = self.state.cursor()
        page = self._node.inbox(after=cursor, limit=self._settings.batch, wait=wait)
        handled: list[Delivery] = []
        for item in page.items:
            record = self._deliver(item, stop)
            if record is None:
                break
            handled.append(record)
            if not self.state.advance_cursor(cursor, item.cursor):
                # `retry` moved the cursor back meanwhile: read again from there.
                break
            cursor = item.cursor
        return handled

    def _deliver(self, item: InboxItem, stop: threading.Event) -> Delivery | None:
        """Push one message until it is delivered or failed; None if stopped before."""
        record = self.state.track(item)
        if record.status is DeliveryStatus.FAILED:
            return record
        policy = self._settings.retry
        document: tuple[bytes, str] | None = None
        # After a restart the back-office may have taken it already: then only the ack is due.
        while record.accepted_at is None:
            if record.attempts >= policy.max_attempts:
                self.state.mark(item.id, DeliveryStatus.FAILED, _utc_now())
                log.warning(
                    "gave up on message %s after %d attempts; it stays in the node's inbox",
                    item.id,
                    record.attempts,
                )
                return self.state.delivery(item.id)
            if record.attempts and stop.wait(policy.delay(record.attempts)):
                return None
            if document is None:
                try:
                    document = self._document(item.id)
                except GatewayApiError as error:
                    if error.status != 404:
                        raise
                    return self._gone(item)
            failure = self._push(item, *document, attempt=record.attempts + 1)
            record = self.state.record_attempt(item.id, failure, _utc_now())
            if failure is not None:
                log.info("push of %s failed (attempt %d): %s", item.id, record.attempts, failure)
        return self._acknowledge(item)

    def _acknowledge(self, item: InboxItem) -> Delivery | None:
        """Tell the node the back-office took the message, and record it delivered."""
        try:
            self._node.acknowledge(item.id)
        except GatewayApiError as error:
            if error.status != 404:
                raise
            return self._gone(item)
        self.state.mark(item.id, DeliveryStatus.DELIVERED, _utc_now())
        log.info("delivered message %s (%s)", item.id, item.document_type)
        return self.state.delivery(item.id)

    def _gone(self, item: InboxItem) -> Delivery | None:
        reason = "the node no longer lists the message (acknowledged elsewhere or expired)"
        self.state.mark(item.id, DeliveryStatus.FAILED, _utc_now(), reason)
        log.warning("message %s: %s", item.id, reason)
        return self.state.delivery(item.id)

    def _document(self, message_id: uuid.UUID) -> tuple[bytes, str]:
        if self._settings.form == "json":
            form = self._node.document_json(message_id)
            return json.dumps(form, ensure_ascii=False).encode(), "application/json"
        return self._node.document(message_id), "application/xml"

    def _push(self, item: InboxItem, body: bytes, content_type: str, *, attempt: int) -> str | None:
        """POST once; None when the back-office answered 2xx, else why not."""
        timestamp = int(self._clock())
        message_id = str(item.id)
        headers = {
            "Content-Type": content_type,
            MESSAGE_ID_HEADER: message_id,
            "X-Ssgw-Case-Id": str(item.case_id),
            "X-Ssgw-Case-Type": item.case_type,
            "X-Ssgw-Sender": item.sender,
            "X-Ssgw-Document-Type": item.document_type,
            "X-Ssgw-Attempt": str(attempt),
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._settings.secret, timestamp, message_id, body),
        }
        if item.in_reply_to is not None:
            headers["X-Ssgw-In-Reply-To"] = str(item.in_reply_to)
        try:
            response = self._http.post(self._settings.url, content=body, headers=headers)
        except httpx2.TimeoutException:
            return f"no answer within {self._settings.timeout:g}s"
        except httpx2.HTTPError as error:
            return describe(error)
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"


def delivery_status(state_file: Path, status: DeliveryStatus | None = None) -> list[Delivery]:
    """The delivery records of a pusher's state file, in inbox order (FileNotFoundError if
    there is no such file)."""
    with StateStore(state_file, create=False) as state:
        return state.deliveries(status)
