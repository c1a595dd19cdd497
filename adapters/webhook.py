"""Webhook push: documents a node receives are POSTed to a back-office URL, signed.

    with GatewayClient(node_url, api_key) as node, WebhookPusher(node, settings) as pusher:
        pusher.run(stop)          # until stop is set; or pusher.run_once() for one page

The pusher long-polls the node's inbox, POSTs each document with ``X-Ssgw-*`` headers and an
HMAC-SHA256 signature, and acknowledges it on the node once the back-office answers 2xx.
Failures are retried with exponential backoff; after the last attempt the message is marked
failed in the pusher's state and stays unacknowledged in the node's inbox. Delivery is at
least once: back-offices dedupe on ``X-Ssgw-Message-Id``. See docs/adapters.md.

Command line: ``python -m adapters.webhook {run,status,retry} --help``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import logging
import math
import signal
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx2

from adapters._state import (
    Delivery,
    DeliveryStatus,
    OneLineParser,
    StateStore,
    UsageError,
    read_secret,
    seconds_between,
)
from adapters.client import GatewayApiError, GatewayClient, InboxItem
from gateway import __version__

__all__ = [
    "Delivery",
    "DeliveryStatus",
    "RetryPolicy",
    "WebhookPusher",
    "WebhookSettings",
    "delivery_status",
    "main",
    "sign",
    "verify_signature",
]

log = logging.getLogger("adapters.webhook")

MESSAGE_ID_HEADER = "X-Ssgw-Message-Id"
TIMESTAMP_HEADER = "X-Ssgw-Timestamp"
SIGNATURE_HEADER = "X-Ssgw-Signature"

API_KEY_VARIABLE = "SSGW_API_KEY"
SECRET_VARIABLE = "SSGW_WEBHOOK_SECRET"  # noqa: S105 (a variable name, not a secret)

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


def _describe(error: Exception) -> str:
    """A short reason for the log and the state; never a response body (it may hold data)."""
    if isinstance(error, GatewayApiError):
        return f"node answered {error.status} {error.code}"
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:300]


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
            headers={"User-Agent": f"ssgw-webhook/{__version__}"},
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
        failures = 0
        while not stop.is_set():
            try:
                self.run_once(wait=self._settings.wait, stop=stop)
            except (httpx2.HTTPError, GatewayApiError) as error:
                failures += 1
                delay = min(self._settings.retry.delay(failures), NODE_RETRY_MAX_DELAY)
                log.warning("the node did not answer (%s); again in %.1fs", _describe(error), delay)
                stop.wait(delay)
            else:
                failures = 0

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
            return _describe(error)
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"


def delivery_status(state_file: Path, status: DeliveryStatus | None = None) -> list[Delivery]:
    """The delivery records of a pusher's state file, in inbox order (FileNotFoundError if
    there is no such file)."""
    with StateStore(state_file, create=False) as state:
        return state.deliveries(status)


# Command line -----------------------------------------------------------------------------


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


_seconds = seconds_between(0, 60)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def _parser() -> OneLineParser:
    parser = OneLineParser(
        prog="python -m adapters.webhook",
        description="Push a node's inbox to a back-office URL, signed with HMAC-SHA256.",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    run = commands.add_parser("run", help="push until SIGTERM or Ctrl-C")
    run.add_argument("--node", required=True, help="the node's API base URL")
    run.add_argument("--url", required=True, help="the back-office URL that receives the POSTs")
    run.add_argument("--state", required=True, type=Path, help="the pusher's SQLite state file")
    run.add_argument(
        "--api-key-file",
        type=Path,
        help=f"node API key file (else ${API_KEY_VARIABLE})",
    )
    run.add_argument(
        "--secret-file", type=Path, help=f"shared secret file (else ${SECRET_VARIABLE})"
    )
    run.add_argument("--form", choices=("xml", "json"), default="xml", help="document form")
    run.add_argument("--initial-delay", type=_positive, default=1.0, help="first retry delay (s)")
    run.add_argument("--factor", type=_positive, default=2.0, help="backoff factor (>= 1)")
    run.add_argument("--max-delay", type=_positive, default=300.0, help="longest retry delay (s)")
    run.add_argument("--max-attempts", type=_count, default=8, help="pushes before failed")
    run.add_argument("--timeout", type=_positive, default=10.0, help="back-office answer time (s)")
    run.add_argument("--wait", type=_seconds, default=20.0, help="inbox long-poll seconds (0-60)")
    run.add_argument("--once", action="store_true", help="push one inbox page and exit")

    status = commands.add_parser("status", help="show each message's delivery status")
    status.add_argument("--state", required=True, type=Path, help="the pusher's state file")
    status.add_argument("--only", choices=[s.value for s in DeliveryStatus], help="filter")
    status.add_argument("--json", action="store_true", help="one JSON object per line")

    retry = commands.add_parser("retry", help="push failed messages again")
    retry.add_argument("--state", required=True, type=Path, help="the pusher's state file")
    retry.add_argument("message_ids", nargs="*", type=uuid.UUID, help="default: every failed one")
    return parser


def _moment(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else "-"


def _open_state(path: Path) -> StateStore:
    try:
        return StateStore(path, create=False)
    except FileNotFoundError as error:
        raise UsageError(str(error)) from None
    except sqlite3.DatabaseError as error:
        raise UsageError(f"{path} is not a usable state file: {error}") from None


def _status(arguments: argparse.Namespace) -> int:
    with _open_state(arguments.state) as state:
        only = DeliveryStatus(arguments.only) if arguments.only else None
        records = state.deliveries(only)
        cursor = state.cursor()
    if arguments.json:
        for record in records:
            print(
                json.dumps(
                    {
                        "message_id": str(record.message_id),
                        "status": record.status.value,
                        "attempts": record.attempts,
                        "last_error": record.last_error,
                        "last_attempt_at": _moment(record.last_attempt_at),
                        "delivered_at": _moment(record.delivered_at),
                        "sender": record.sender,
                        "document_type": record.document_type,
                        "cursor": record.cursor,
                    }
                )
            )
        return 0
    counts = {s: sum(r.status is s for r in records) for s in DeliveryStatus}
    print(f"cursor {cursor}; " + ", ".join(f"{n} {s.value}" for s, n in counts.items()))
    for record in records:
        print(
            f"{record.message_id}  {record.status.value:<9}  {record.attempts:>3}  "
            f"{_moment(record.last_attempt_at)}  {record.document_type}  "
            f"{record.last_error or ''}".rstrip()
        )
    return 0


def _retry(arguments: argparse.Namespace) -> int:
    with _open_state(arguments.state) as state:
        failed = {record.message_id for record in state.deliveries(DeliveryStatus.FAILED)}
        unknown = [str(m) for m in arguments.message_ids if m not in failed]
        if unknown:
            raise UsageError(f"not a failed message: {', '.join(unknown)}")
        requeued = state.requeue(set(arguments.message_ids))
    print(f"{len(requeued)} message(s) will be pushed again")
    return 0


def _run(arguments: argparse.Namespace) -> int:
    api_key = read_secret(arguments.api_key_file, API_KEY_VARIABLE, "node API key")
    secret = read_secret(arguments.secret_file, SECRET_VARIABLE, "webhook secret")
    try:
        settings = WebhookSettings(
            url=arguments.url,
            secret=secret,
            state_file=arguments.state,
            form=arguments.form,
            retry=RetryPolicy(
                initial_delay=arguments.initial_delay,
                factor=arguments.factor,
                max_delay=arguments.max_delay,
                max_attempts=arguments.max_attempts,
            ),
            timeout=arguments.timeout,
            wait=arguments.wait,
        )
    except ValueError as error:
        raise UsageError(str(error)) from None
    if not arguments.node.startswith(("http://", "https://")):
        raise UsageError(f"the node URL must be http(s): {arguments.node!r}")
    if not settings.state_file.parent.is_dir():
        raise UsageError(f"no folder for the state file: {settings.state_file.parent}")
    with GatewayClient(arguments.node, api_key.decode()) as node:
        try:
            pusher = WebhookPusher(node, settings)
        except sqlite3.DatabaseError as error:
            raise UsageError(f"{settings.state_file} is not a usable state file: {error}") from None
        with pusher:
            return _push_until_stopped(pusher, once=arguments.once, node_url=arguments.node)


def _push_until_stopped(pusher: WebhookPusher, *, once: bool, node_url: str) -> int:
    if once:
        try:
            handled = pusher.run_once()
        except (httpx2.HTTPError, GatewayApiError) as error:
            print(f"error: the node did not answer: {_describe(error)}", file=sys.stderr)
            return 1
        delivered = sum(r.status is DeliveryStatus.DELIVERED for r in handled)
        print(f"{delivered} delivered, {len(handled) - delivered} failed")
        return 0
    stop = threading.Event()
    previous = {
        number: signal.signal(number, lambda *_: stop.set())
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        log.info("pushing the inbox of %s to the back-office", node_url)
        pusher.run(stop)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit code (2 for bad arguments)."""
    arguments = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # The HTTP client logs every request at INFO: too chatty for a long-polling loop.
    logging.getLogger("httpx2").setLevel(logging.WARNING)
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "run": _run,
        "status": _status,
        "retry": _retry,
    }
    try:
        return commands[arguments.command](arguments)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
