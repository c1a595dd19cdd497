"""The webhook pusher against a real node (its API served by uvicorn) and a real HTTP
back-office that checks every signature."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.api import create_app
from gateway.documents import DocumentType, document_to_json, parse_untrusted
from gateway.exchange import MessageStatus
from gateway.node import Node
from ssgw_adapters.cli import main as adapter_command
from ssgw_adapters.client import GatewayClient
from ssgw_adapters.webhook import (
    DeliveryStatus,
    RetryPolicy,
    WebhookPusher,
    WebhookSettings,
    delivery_status,
    sign,
    verify_signature,
)
from support import deliver, example_bytes, serving

SECRET = b"a shared secret of the back-office"


QUICK = RetryPolicy(initial_delay=0.01, factor=2, max_delay=0.05, max_attempts=3)


def main(arguments: Sequence[str]) -> int:
    """``ssgw-adapter webhook ARGUMENTS``: its exit code."""
    return adapter_command(["webhook", *arguments])


def closed_port_url() -> str:
    """A URL where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


@dataclass
class Push:
    headers: dict[str, str]
    body: bytes
    authentic: bool


@dataclass
class BackOffice:
    """A back-office endpoint: verifies each push, then answers from a script (200 after)."""

    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    pushes: list[Push] = field(default_factory=list)

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        authentic = verify_signature(SECRET, request.headers, body)
        self.pushes.append(Push(dict(request.headers), body, authentic))
        if self.delay:
            await asyncio.sleep(self.delay)
        if not authentic:
            return Response(status_code=401)
        return Response(status_code=self.answers.pop(0) if self.answers else 200)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self.endpoint, methods=["POST"])])


@dataclass
class Network:
    france: Node
    germany: Node
    client: GatewayClient
    """Germany's back-office client."""
    node_url: str
    api_key: str

    def send(self) -> uuid.UUID:
        """France sends Germany a request; it lands in Germany's inbox."""
        record = self.france.submit(
            example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001"
        )
        deliver(self.france, self.germany)
        return record.message_id

    def in_germanys_inbox(self) -> list[uuid.UUID]:
        return [m.message_id for m in self.germany.store.inbox(after=0, limit=100)]


@pytest.fixture
def network(make_node: Callable[[str], Node]) -> Iterator[Network]:
    france, germany = make_node("FR:CNAV"), make_node("DE:DRV70001")
    key = germany.store.create_api_client("back-office", dt.datetime.now(dt.UTC))
    with serving(create_app(germany)) as url, GatewayClient(url, key, timeout=10) as client:
        yield Network(france, germany, client, url, key)


def settings(
    url: str, tmp_path: Path, *, retry: RetryPolicy = QUICK, **options: object
) -> WebhookSettings:
    values: dict[str, object] = {"timeout": 5.0, "wait": 0.0} | options
    return WebhookSettings(
        url=url,
        secret=SECRET,
        state_file=tmp_path / "webhook.db",
        retry=retry,
        **values,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("form", ["xml", "json"])
def test_a_document_is_pushed_signed_and_acknowledged(
    network: Network, tmp_path: Path, form: str
) -> None:
    sent = network.send()
    back_office = BackOffice()
    with (
        serving(back_office.app()) as url,
        WebhookPusher(network.client, settings(url + "/hook", tmp_path, form=form)) as pusher,
    ):
        (record,) = pusher.run_once()
        assert pusher.run_once() == []

    assert record.message_id == sent and record.status is DeliveryStatus.DELIVERED
    assert record.attempts == 1 and record.last_error is None and record.delivered_at
    (push,) = back_office.pushes
    assert push.authentic
    headers = push.headers
    assert headers["x-ssgw-message-id"] == str(sent)
    assert headers["x-ssgw-sender"] == "FR:CNAV"
    assert headers["x-ssgw-document-type"] == "InsurancePeriodsRequest"
    message = network.germany.store.received_message(sent)
    assert message is not None and headers["x-ssgw-case-id"] == str(message.case_id)
    assert abs(int(headers["x-ssgw-timestamp"]) - time.time()) < 60
    assert headers["x-ssgw-signature"] == sign(
        SECRET, headers["x-ssgw-timestamp"], str(sent), push.body
    )
    if form == "xml":
        assert headers["content-type"] == "application/xml"
        assert (
            etree.QName(parse_untrusted(push.body).getroot()).localname == "InsurancePeriodsRequest"
        )
    else:
        assert headers["content-type"] == "application/json"
        expected = document_to_json(
            DocumentType.INSURANCE_PERIODS_REQUEST,
            parse_untrusted(example_bytes("InsurancePeriodsRequest")).getroot(),
        )
        assert json.loads(push.body) == expected

    assert network.in_germanys_inbox() == []
    deliver(network.germany, network.france)  # the receipt the acknowledgement triggers
    original = network.france.store.any_message(sent)
    assert original is not None and original.status is MessageStatus.DELIVERED
    assert delivery_status(tmp_path / "webhook.db") == [record]


def test_a_failing_back_office_is_retried_with_backoff(network: Network, tmp_path: Path) -> None:
    sent = network.send()
    back_office = BackOffice(answers=[503, 503, 200])
    policy = RetryPolicy(initial_delay=0.02, factor=2, max_delay=1, max_attempts=5)
    with (
        serving(back_office.app()) as url,
        WebhookPusher(network.client, settings(url + "/hook", tmp_path, retry=policy)) as pusher,
    ):
        started = time.monotonic()
        (record,) = pusher.run_once()
        elapsed = time.monotonic() - started

    assert record.status is DeliveryStatus.DELIVERED
    assert record.attempts == 3 and record.last_error == "HTTP 503"
    assert elapsed >= 0.02 + 0.04
    assert [p.headers["x-ssgw-attempt"] for p in back_office.pushes] == ["1", "2", "3"]
    assert all(p.authentic for p in back_office.pushes)
    assert {p.headers["x-ssgw-message-id"] for p in back_office.pushes} == {str(sent)}
    assert network.in_germanys_inbox() == []


@contextlib.contextmanager
def failing_back_office(kind: str) -> Iterator[tuple[str, BackOffice]]:
    back_office = BackOffice(answers=[500] * 10) if kind == "500" else BackOffice(delay=0.5)
    if kind == "refused":
        yield closed_port_url(), back_office
        return
    with serving(back_office.app()) as url:
        yield url + "/hook", back_office


@pytest.mark.parametrize(
    ("kind", "error"),
    [("500", "HTTP 500"), ("refused", "ConnectError"), ("timeout", "no answer within 0.1s")],
)
def test_after_the_last_attempt_the_message_fails_and_stays_in_the_node_inbox(
    network: Network, tmp_path: Path, kind: str, error: str, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = network.send()
    with (
        failing_back_office(kind) as (url, back_office),
        WebhookPusher(network.client, settings(url, tmp_path, timeout=0.1)) as pusher,
    ):
        (record,) = pusher.run_once()
    assert record.status is DeliveryStatus.FAILED and record.attempts == 3
    assert record.last_error is not None and error in record.last_error
    assert record.last_attempt_at is not None and record.delivered_at is None
    assert len(back_office.pushes) == (0 if kind == "refused" else 3)
    assert network.in_germanys_inbox() == [failing]

    # The pusher moves on: a later message is delivered, the failed one is not tried again.
    later = network.send()
    healthy = BackOffice()
    with (
        serving(healthy.app()) as url,
        WebhookPusher(network.client, settings(url + "/hook", tmp_path)) as pusher,
    ):
        assert [(r.message_id, r.status) for r in pusher.run_once()] == [
            (later, DeliveryStatus.DELIVERED)
        ]
        assert main(["status", "--state", str(tmp_path / "webhook.db")]) == 0
        listed = capsys.readouterr().out
        assert "cursor" in listed and "1 delivered, 1 failed" in listed
        assert f"{failing}  failed" in listed and error in listed

        # An operator asks for the failed one again: it is pushed, not the delivered one.
        assert main(["retry", "--state", str(tmp_path / "webhook.db")]) == 0
        assert "1 message(s) will be pushed again" in capsys.readouterr().out
        (again,) = pusher.run_once()
    assert again.message_id == failing and again.status is DeliveryStatus.DELIVERED
    assert again.attempts == 1
    assert [p.headers["x-ssgw-message-id"] for p in healthy.pushes] == [str(later), str(failing)]
    assert network.in_germanys_inbox() == []


class CrashingClient(GatewayClient):
    """A node client whose process dies just before it acknowledges."""

    def acknowledge(self, message_id: uuid.UUID) -> None:
        raise SystemExit("crash")


def test_a_restart_resumes_where_it_stopped(network: Network, tmp_path: Path) -> None:
    first = network.send()
    back_office = BackOffice()
    with serving(back_office.app()) as url:
        config = settings(url + "/hook", tmp_path)
        with WebhookPusher(network.client, config) as pusher:
            assert [r.message_id for r in pusher.run_once()] == [first]

        # Pushed and taken, but the process dies before the node has the acknowledgement.
        second = network.send()
        with (
            CrashingClient(network.node_url, network.api_key) as crashing,
            WebhookPusher(crashing, config) as pusher,
            pytest.raises(SystemExit),
        ):
            pusher.run_once()
        assert network.in_germanys_inbox() == [second]

        third = network.send()
        with WebhookPusher(network.client, config) as pusher:  # the restart
            handled = pusher.run_once()
    assert [(r.message_id, r.status) for r in handled] == [
        (second, DeliveryStatus.DELIVERED),
        (third, DeliveryStatus.DELIVERED),
    ]
    # The back-office had taken the second already: only its acknowledgement was due.
    assert [p.headers["x-ssgw-message-id"] for p in back_office.pushes] == [
        str(first),
        str(second),
        str(third),
    ]
    assert network.in_germanys_inbox() == []


def test_the_loop_long_polls_until_stopped(network: Network, tmp_path: Path) -> None:
    back_office = BackOffice()
    stop = threading.Event()
    with (
        serving(back_office.app()) as url,
        WebhookPusher(network.client, settings(url + "/hook", tmp_path, wait=0.5)) as pusher,
    ):
        loop = threading.Thread(target=pusher.run, args=(stop,))
        loop.start()
        try:
            sent = network.send()
            deadline = time.monotonic() + 10
            while network.in_germanys_inbox() and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            stop.set()
            loop.join(timeout=5)
        assert not loop.is_alive()
    assert [p.headers["x-ssgw-message-id"] for p in back_office.pushes] == [str(sent)]
    assert network.in_germanys_inbox() == []


def test_the_command_line_pushes_once_with_secrets_from_files(
    network: Network, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    network.send()
    (tmp_path / "key").write_text(network.api_key + "\n")
    (tmp_path / "secret").write_bytes(SECRET + b"\n")
    back_office = BackOffice()
    with serving(back_office.app()) as url:
        code = main(
            [
                "run",
                "--once",
                "--node",
                network.node_url,
                "--url",
                url + "/hook",
                "--state",
                str(tmp_path / "state.db"),
                "--api-key-file",
                str(tmp_path / "key"),
                "--secret-file",
                str(tmp_path / "secret"),
            ]
        )
    assert code == 0
    assert "1 delivered, 0 failed" in capsys.readouterr().out
    assert [p.authentic for p in back_office.pushes] == [True]

    assert main(["status", "--state", str(tmp_path / "state.db"), "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["status"] == "delivered"


# The signature helper ---------------------------------------------------------------------


def signed(
    body: bytes, *, at: float, message_id: str = "7b0c1e52-1f6a-4c39-9d1e-0c6f1b7e2a10"
) -> dict[str, str]:
    timestamp = int(at)
    return {
        "X-Ssgw-Message-Id": message_id,
        "X-Ssgw-Timestamp": str(timestamp),
        "X-Ssgw-Signature": sign(SECRET, timestamp, message_id, body),
    }


def test_the_signature_helper_accepts_an_authentic_request() -> None:
    now = 1_750_000_000.0
    headers = signed(b"<doc/>", at=now)
    assert verify_signature(SECRET, headers, b"<doc/>", now=now)
    assert verify_signature(SECRET.decode(), headers, b"<doc/>", now=now + 299)
    lowered = {name.lower(): value for name, value in headers.items()}
    assert verify_signature(SECRET, lowered, b"<doc/>", now=now)


@pytest.mark.parametrize(
    "change",
    [
        "tampered body",
        "old timestamp",
        "future timestamp",
        "other message id",
        "other secret",
        "no signature",
        "bad timestamp",
        "not hex",
    ],
)
def test_the_signature_helper_refuses(change: str) -> None:
    now = 1_750_000_000.0
    body = b"<doc>1</doc>"
    headers = signed(body, at=now)
    secret, moment = SECRET, now
    if change == "tampered body":
        body = b"<doc>2</doc>"
    elif change == "old timestamp":
        moment = now + 301
    elif change == "future timestamp":
        moment = now - 301
    elif change == "other message id":
        headers["X-Ssgw-Message-Id"] = str(uuid.uuid4())
    elif change == "other secret":
        secret = b"another secret"
    elif change == "no signature":
        del headers["X-Ssgw-Signature"]
    elif change == "bad timestamp":
        headers["X-Ssgw-Timestamp"] = "\u0661\u0667\u0665\u0660"  # digits, but not ASCII ones
    else:
        headers["X-Ssgw-Signature"] = "sha256=é" + headers["X-Ssgw-Signature"][8:]
    assert not verify_signature(secret, headers, body, now=moment)


def test_the_retry_policy_backs_off_exponentially_up_to_its_maximum() -> None:
    policy = RetryPolicy(initial_delay=1, factor=3, max_delay=20, max_attempts=9)
    assert [policy.delay(n) for n in range(1, 6)] == [1, 3, 9, 20, 20]
    assert policy.delay(10_000) == 20
    with pytest.raises(ValueError, match="factor"):
        RetryPolicy(factor=0.5)
    with pytest.raises(ValueError, match="finite"):
        RetryPolicy(factor=float("nan"))
    assert "secret" not in repr(settings("http://back-office.example/hook", Path("state.db")))


# The command line's refusals --------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["run", "--node", "http://n", "--url", "http://b", "--state", "s.db"], "no node API key"),
        (
            ["run", "--node", "http://n", "--url", "http://b", "--state", "s", "--secret", "x"],
            "No such option: --secret",
        ),
        (
            [
                "run",
                "--node",
                "http://n",
                "--url",
                "http://b",
                "--state",
                "s",
                "--max-attempts",
                "0",
            ],
            "must be at least 1",
        ),
        (
            ["run", "--node", "http://n", "--url", "http://b", "--state", "s", "--timeout", "soon"],
            "not a number",
        ),
        (
            ["run", "--node", "http://n", "--url", "http://b", "--state", "s", "--factor", "nan"],
            "must be a positive number",
        ),
        (
            ["run", "--node", "http://n", "--url", "http://b", "--state", "s", "--wait", "61"],
            "must be between 0 and 60",
        ),
        (["status", "--state", "missing.db"], "no state file"),
        (["retry", "--state", "missing.db", "not-an-id"], "valid UUID"),
        ([], "Missing command"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    arguments: Sequence[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SSGW_API_KEY", raising=False)
    monkeypatch.delenv("SSGW_WEBHOOK_SECRET", raising=False)
    assert main(list(arguments)) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ") and message in line


def test_the_secret_comes_from_the_environment_and_a_bad_url_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SSGW_API_KEY", "key")
    monkeypatch.setenv("SSGW_WEBHOOK_SECRET", "secret")
    state = str(tmp_path / "s.db")
    assert main(["run", "--node", "http://n", "--url", "ftp://b", "--state", state]) == 2
    assert (
        capsys.readouterr().err.strip() == "error: the back-office URL must be http(s): 'ftp://b'"
    )
    monkeypatch.setenv("SSGW_WEBHOOK_SECRET", "")
    assert main(["run", "--node", "http://n", "--url", "http://b", "--state", state]) == 2
    assert "no webhook secret: $SSGW_WEBHOOK_SECRET is empty or unset" in capsys.readouterr().err


def test_the_module_runs_as_a_command_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ssgw_adapters", "webhook", "status", "--state", tmp_path / "no.db"],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: no state file at {tmp_path / 'no.db'}"
