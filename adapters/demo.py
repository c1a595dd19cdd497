"""``ssgw demo``: a small network of institutions exchanging real documents on this machine.

It makes a PKI and a signed directory in a folder, starts one node per institution on the
local RabbitMQ (SQLite stores), plays scenarios through each node's REST API as the
institutions' back-offices would, prints what happened, and leaves the nodes running until
Ctrl-C (or stops at once with ``--once``, exiting 0 only if every expected outcome happened).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

from adapters.client import GatewayApiError, GatewayClient, Submission
from gateway.api import create_app
from gateway.codes import InstitutionId
from gateway.config import load_settings
from gateway.directory import sign_directory
from gateway.documents import SCHEMA_DIR
from gateway.errors import ConfigurationError, TransportError
from gateway.node import open_node
from gateway.node.runtime import NodeRuntime, transport_settings
from gateway.security import (
    KeyUse,
    SigningIdentity,
    authority_files,
    init_authority,
    institution_files,
    issue_institution,
    load_certificate,
    load_private_key,
)
from gateway.transport import probe

__all__ = ["DEMO_INSTITUTIONS", "DemoResult", "run_demo"]

#: Five institutions in four countries, under the EU Regulation and three bilateral agreements.
DEMO_INSTITUTIONS = ("DE:DRV70001", "FR:CNAV", "FR:URSSAF", "IN:EPFO", "TN:CNSS")
EXAMPLES = SCHEMA_DIR / "examples"


@dataclass
class DemoResult:
    """What the scenarios showed: one line per exchange, and the expectations that failed."""

    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.failures.append(what)


def _say(message: str) -> None:
    print(message, flush=True)


def _port_free(port: int) -> bool:
    with socket.socket() as probe_socket:
        try:
            probe_socket.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _prepare(folder: Path, base_port: int, amqp_url: str, namespace: str) -> dict[str, Path]:
    """PKI, signed directory and one settings file per institution."""
    if folder.exists():
        shutil.rmtree(folder)
    pki = folder / "pki"
    init_authority(pki, name="Demo Social Security Network Authority")
    for institution in DEMO_INSTITUTIONS:
        issue_institution(pki, InstitutionId(institution))
    authority = authority_files(pki)
    directory = folder / "directory.xml"
    directory.write_bytes(
        sign_directory(
            (EXAMPLES / "Directory.xml").read_bytes(),
            authority=SigningIdentity(
                load_private_key(authority.key), load_certificate(authority.certificate)
            ),
            pki_dir=pki,
        )
    )
    configs = {}
    for index, institution in enumerate(DEMO_INSTITUTIONS):
        name = institution.replace(":", "_")
        files = institution_files(pki, InstitutionId(institution))
        config = folder / f"{name}.toml"
        config.write_text(
            f'institution = "{institution}"\n'
            f'database_url = "sqlite:///{name}.db"\n'
            f'amqp_url = "{amqp_url}"\n'
            f'exchange = "{namespace}network"\n'
            f'queue_prefix = "{namespace}"\n'
            f'dead_letter_exchange = "{namespace}dead-letter"\n'
            f'directory_file = "directory.xml"\n'
            f'authority_certificate = "{authority.certificate.relative_to(folder)}"\n'
            f'signing_key = "{files.key(KeyUse.SIGNING).relative_to(folder)}"\n'
            f'signing_certificate = "{files.certificate(KeyUse.SIGNING).relative_to(folder)}"\n'
            f"api_port = {base_port + index}\n"
            "relay_interval_seconds = 0.05\n\n"
            "[[encryption_keys]]\n"
            f'key = "{files.key(KeyUse.ENCRYPTION).relative_to(folder)}"\n'
            f'certificate = "{files.certificate(KeyUse.ENCRYPTION).relative_to(folder)}"\n'
        )
        configs[institution] = config
    return configs


def _example(name: str, change: Callable[[bytes], bytes] | None = None) -> bytes:
    data = (EXAMPLES / f"{name}.xml").read_bytes()
    return change(data) if change else data


class _Network:
    """The back-offices' view of the network: one API client per institution."""

    def __init__(self, clients: dict[str, GatewayClient], result: DemoResult) -> None:
        self.clients = clients
        self.result = result

    def send(
        self,
        sender: str,
        recipient: str,
        document: bytes,
        label: str,
        *,
        case_id: uuid.UUID | None = None,
        in_reply_to: uuid.UUID | None = None,
    ) -> Submission:
        started = time.perf_counter()
        submission = self.clients[sender].submit(
            document, recipient=recipient, case_id=case_id, in_reply_to=in_reply_to
        )
        view = self.clients[sender].wait_for(
            submission.id, {"delivered", "rejected", "failed"}, timeout=60
        )
        elapsed = (time.perf_counter() - started) * 1000
        self.result.lines.append(
            f"  {label:<44} {sender:>12} -> {recipient:<12} {view.status:<10} {elapsed:6.0f} ms"
        )
        self.result.expect(view.status == "delivered", f"{label} was {view.status}")
        return submission

    def take(self, institution: str, message_id: uuid.UUID) -> bytes:
        """The recipient's back-office takes the document from its inbox."""
        client = self.clients[institution]
        items = {item.id for item in client.inbox(wait=5).items}
        self.result.expect(message_id in items, f"{institution}'s inbox lacks {message_id}")
        document = client.document(message_id)
        client.acknowledge(message_id)
        return document

    def refused(self, sender: str, recipient: str, document: bytes, label: str) -> None:
        try:
            self.clients[sender].submit(document, recipient=recipient)
        except GatewayApiError as error:
            self.result.lines.append(
                f"  {label:<44} {sender:>12} -> {recipient:<12} refused: {error.detail}"
            )
            self.result.expect(error.status == 403, f"{label}: expected a policy refusal")
            return
        self.result.failures.append(f"{label} was accepted")


def _scenarios(network: _Network) -> None:
    """The exchanges of social security coordination, as back-offices drive them."""
    _say("periods of insurance: France asks Germany for a career's German periods")
    request = network.send(
        "FR:CNAV", "DE:DRV70001", _example("InsurancePeriodsRequest"), "InsurancePeriodsRequest"
    )
    network.take("DE:DRV70001", request.id)
    reply = network.send(
        "DE:DRV70001",
        "FR:CNAV",
        _example("InsurancePeriodsReply"),
        "InsurancePeriodsReply",
        case_id=request.case_id,
        in_reply_to=request.id,
    )
    network.take("FR:CNAV", reply.id)

    _say("an old-age claim: Germany passes it to France, which acknowledges and decides")
    claim = network.send("DE:DRV70001", "FR:CNAV", _example("BenefitClaim"), "BenefitClaim")
    network.take("FR:CNAV", claim.id)
    for name in ("BenefitClaimAcknowledgement", "BenefitDecision"):
        answer = network.send(
            "FR:CNAV",
            "DE:DRV70001",
            _example(name),
            name,
            case_id=claim.case_id,
            in_reply_to=claim.id,
        )
        network.take("DE:DRV70001", answer.id)

    _say("the same claim under the India-Germany agreement")
    network.send("IN:EPFO", "DE:DRV70001", _example("BenefitClaim"), "BenefitClaim (old age)")

    _say("a posting from France to Tunisia, answered with a certificate of coverage")
    coverage = network.send("TN:CNSS", "FR:URSSAF", _example("CoverageRequest"), "CoverageRequest")
    network.take("FR:URSSAF", coverage.id)
    network.send(
        "FR:URSSAF",
        "TN:CNSS",
        _example("CoverageCertificate"),
        "CoverageCertificate",
        case_id=coverage.case_id,
        in_reply_to=coverage.id,
    )

    _say("claims the agreements do not cover are refused before anything is sent")
    invalidity = _example(
        "BenefitClaim",
        lambda data: data.replace(b">old-age</cl:BenefitKind>", b">invalidity</cl:BenefitKind>"),
    )
    network.refused("IN:EPFO", "DE:DRV70001", invalidity, "BenefitClaim (invalidity, IN-DE)")
    network.refused(
        "FR:CNAV", "IN:EPFO", _example("BenefitClaim"), "BenefitClaim (no FR-IN agreement)"
    )


class _QuietServer(uvicorn.Server):
    """Several API servers share the demo's process: Ctrl-C stops the demo, which stops them."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.contextmanager
def _clients(keys: dict[str, str], ports: dict[str, int]) -> Iterator[dict[str, GatewayClient]]:
    clients = {i: GatewayClient(f"http://127.0.0.1:{ports[i]}", keys[i]) for i in keys}
    try:
        yield clients
    finally:
        for client in clients.values():
            client.close()


async def _run(
    folder: Path, *, once: bool, base_port: int, amqp_url: str, namespace: str
) -> DemoResult:
    busy = [p for p in range(base_port, base_port + len(DEMO_INSTITUTIONS)) if not _port_free(p)]
    if busy:
        raise ConfigurationError(f"ports {busy} are in use; choose others with --base-port")
    _say(f"[1/4] making the PKI, the signed directory and node settings in {folder}")
    configs = await asyncio.to_thread(_prepare, folder, base_port, amqp_url, namespace)
    settings = {i: load_settings(c) for i, c in configs.items()}
    try:
        await probe(transport_settings(next(iter(settings.values()))))
    except TransportError as error:
        if "exchange" not in error.detail:
            raise ConfigurationError(
                f"RabbitMQ does not answer at {amqp_url.split('@')[-1]}: {error.detail}. "
                "Start it with 'rabbitmq-server -detached' (Debian package rabbitmq-server)."
            ) from None

    _say(f"[2/4] starting {len(settings)} nodes on RabbitMQ")
    runtimes: list[NodeRuntime] = []
    servers: list[tuple[_QuietServer, asyncio.Task[None]]] = []
    keys: dict[str, str] = {}
    ports: dict[str, int] = {}
    result = DemoResult()
    try:
        for institution, node_settings in settings.items():
            node = await asyncio.to_thread(open_node, node_settings)
            keys[institution] = node.store.create_api_client(
                "demo back-office", dt.datetime.now(dt.UTC)
            )
            runtime = NodeRuntime(node)
            await runtime.start()
            runtimes.append(runtime)
            server = _QuietServer(
                uvicorn.Config(
                    create_app(node, readiness=runtime.ready),
                    host="127.0.0.1",
                    port=node_settings.api_port,
                    log_level="warning",
                    lifespan="off",
                )
            )
            servers.append((server, asyncio.create_task(server.serve())))
            ports[institution] = node_settings.api_port
        while not all(server.started for server, _ in servers):
            await asyncio.sleep(0.05)

        _say("[3/4] playing the scenarios through the nodes' REST APIs")
        with _clients(keys, ports) as clients:
            await asyncio.to_thread(_scenarios, _Network(clients, result))
        _say("[4/4] what was exchanged")
        for line in result.lines:
            _say(line)
        for failure in result.failures:
            _say(f"  UNEXPECTED: {failure}")
        if not once:
            _say("\nThe nodes keep running; press Ctrl-C to stop them.")
            for institution, port in ports.items():
                url = f"http://127.0.0.1:{port}/docs"
                _say(f"  {institution:<12} {url}   API key: {keys[institution]}")
            await asyncio.Event().wait()
    finally:
        for server, task in servers:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for runtime in runtimes:
            await runtime.stop()
            runtime.node.store.engine.dispose()
    return result


def run_demo(
    folder: Path,
    *,
    once: bool,
    base_port: int = 8101,
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/",
    namespace: str = "ssgw.",
) -> DemoResult:
    """Run the demonstration; returns what it showed. ``namespace`` prefixes the bus's
    exchange and queue names, so a demo can share a broker with other networks."""
    try:
        return asyncio.run(
            _run(folder, once=once, base_port=base_port, amqp_url=amqp_url, namespace=namespace)
        )
    except KeyboardInterrupt:
        _say("stopped")
        return DemoResult()
