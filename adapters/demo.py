"""``ssgw demo``: a small network of institutions exchanging real documents on this machine.

It makes a PKI and a signed directory in a folder, starts one node per institution on the
local RabbitMQ (SQLite stores) and gives each a reference back-office
(:class:`adapters.backoffice.BackOffice`, with the sample registers of
:mod:`adapters.register`) that drives its node through the REST API. Three scenarios are
set going: an old-age claim after a career in Germany, France and India; two postings from
France to Tunisia (one certified, one too long); an invalidity claim the India-Germany
agreement does not cover. Two documents of schema 2.0 go beside them
(:mod:`adapters._demo_documents`): a claim with a family that a national application posts
as a SED, and a determination of the legislation for a worker with two employers in two
states (an A003). The back-offices answer one another until every outcome is in;
the demo prints their progress and a summary, then leaves nodes and back-offices running
until Ctrl-C (or stops at once with ``--once``, exiting 0 only if every expected outcome
happened). What it shows, and why, is in ``docs/demo.md``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import uvicorn

from adapters import _demo_documents as v2
from adapters.backoffice import (
    BackOffice,
    Calculation,
    ClaimDecision,
    DecisionRecord,
    LodgedClaim,
    Sent,
    wait_until,
)
from adapters.client import GatewayClient, MessageView
from adapters.documents import certificate_number_of, read_decision, refusal_reasons_of
from adapters.register import sample_applications, sample_registers
from gateway.api import create_app
from gateway.codes import InstitutionId
from gateway.config import NodeSettings, load_settings
from gateway.console import Accounts, Role
from gateway.directory import Directory, sign_directory
from gateway.documents import SCHEMA_DIR, parse_untrusted
from gateway.errors import ConfigurationError, TransportError
from gateway.node import load_network_directory, open_node
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

__all__ = [
    "DEMO_INSTITUTIONS",
    "DemoResult",
    "prepare_network",
    "run_demo",
    "write_node_config",
]

#: Five institutions in four countries, under the EU Regulation and three bilateral agreements.
DEMO_INSTITUTIONS = ("DE:DRV70001", "FR:CNAV", "FR:URSSAF", "IN:EPFO", "TN:CNSS")
EXAMPLES = SCHEMA_DIR / "examples"
#: How long the scenarios may take to bring in every answer.
SCENARIO_TIMEOUT = 40.0
_PRINTING = threading.Lock()


@dataclass
class DemoResult:
    """What the scenarios showed: the summary's lines, and the expectations that failed."""

    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.failures.append(what)


def _say(message: str) -> None:
    # The back-offices report from their own threads.
    with _PRINTING:
        print(message, flush=True)


def _port_free(port: int) -> bool:
    with socket.socket() as probe_socket:
        # As uvicorn binds: connections of a previous run left in TIME_WAIT do not hold the
        # port, a listener does.
        probe_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe_socket.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def prepare_network(folder: Path, institutions: Sequence[str] = DEMO_INSTITUTIONS) -> Path:
    """Make a PKI for ``institutions`` and the sample directory signed by its authority in
    ``folder`` (emptied first); returns the directory file."""
    if folder.exists():
        shutil.rmtree(folder)
    pki = folder / "pki"
    init_authority(pki, name="Demo Social Security Network Authority")
    for institution in institutions:
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
    return directory


def write_node_config(
    folder: Path,
    institution: str,
    *,
    database_url: str,
    amqp_url: str,
    namespace: str,
    api_port: int,
    extra: str = "",
) -> Path:
    """Write the settings file of ``institution``'s node in a folder made by
    :func:`prepare_network`; ``extra`` holds further top-level settings (TOML lines)."""
    name = institution.replace(":", "_")
    authority = authority_files(folder / "pki")
    files = institution_files(folder / "pki", InstitutionId(institution))
    config = folder / f"{name}.toml"
    config.write_text(
        f'institution = "{institution}"\n'
        f'database_url = "{database_url}"\n'
        f'amqp_url = "{amqp_url}"\n'
        f'exchange = "{namespace}network"\n'
        f'queue_prefix = "{namespace}"\n'
        f'dead_letter_exchange = "{namespace}dead-letter"\n'
        f'directory_file = "directory.xml"\n'
        f'authority_certificate = "{authority.certificate.relative_to(folder)}"\n'
        f'signing_key = "{files.key(KeyUse.SIGNING).relative_to(folder)}"\n'
        f'signing_certificate = "{files.certificate(KeyUse.SIGNING).relative_to(folder)}"\n'
        f"api_port = {api_port}\n"
        "relay_interval_seconds = 0.05\n"
        f"{extra}\n"
        "[[encryption_keys]]\n"
        f'key = "{files.key(KeyUse.ENCRYPTION).relative_to(folder)}"\n'
        f'certificate = "{files.certificate(KeyUse.ENCRYPTION).relative_to(folder)}"\n'
    )
    return config


def _prepare(folder: Path, base_port: int, amqp_url: str, namespace: str) -> dict[str, Path]:
    """PKI, signed directory and one settings file per institution."""
    prepare_network(folder)
    return {
        institution: write_node_config(
            folder,
            institution,
            database_url=f"sqlite:///{institution.replace(':', '_')}.db",
            amqp_url=amqp_url,
            namespace=namespace,
            api_port=base_port + index,
        )
        for index, institution in enumerate(DEMO_INSTITUTIONS)
    }


@dataclass(frozen=True, slots=True)
class _Played:
    """What the scenarios started: the old-age claim, the invalidity claim and the
    documents of schema 2.0."""

    old_age: LodgedClaim
    invalidity: LodgedClaim
    schema_2: v2.Schema2Played


def _finished(offices: Mapping[str, BackOffice], old_age: LodgedClaim) -> bool:
    """Whether every outcome the back-offices' scenarios wait for has arrived."""
    drv, cnss = offices["DE:DRV70001"], offices["TN:CNSS"]
    received_by_drv = [r.document_type for r in drv.received if r.case_id == old_age.case_id]
    received_by_cnss = {r.document_type for r in cnss.received}
    return (
        len(drv.decisions) == 1
        and received_by_drv.count("BenefitDecision") == 2
        and all(
            any(r.document_type == "BenefitDecision" for r in offices[told].received)
            for told in drv.decisions[0].sent_to
        )
        and {"CoverageCertificate", "CoverageRefusal"} <= received_by_cnss
    )


def _play(offices: Mapping[str, BackOffice], result: DemoResult, *, timeout: float) -> _Played:
    """Start the scenarios through the back-offices (and, for schema 2.0, a national
    application and a caseworker) and wait for their outcomes."""
    started = time.monotonic()
    applications = sample_applications()
    _say("scenario 1: an old-age claim after a career in Germany, France and India")
    old_age = offices["DE:DRV70001"].lodge_claim(applications.old_age_claim)
    _say("scenario 2: postings from France to Tunisia, for two years and for three")
    offices["TN:CNSS"].request_coverage(applications.posting)
    offices["TN:CNSS"].request_coverage(applications.long_posting)
    _say("scenario 3: an invalidity claim under the India-Germany agreement")
    invalidity = offices["IN:EPFO"].lodge_claim(applications.invalidity_claim)
    schema_2 = v2.play_schema_2(offices, result.failures, _say, timeout=timeout)
    done = wait_until(
        lambda: _finished(offices, old_age) and v2.schema_2_finished(offices, schema_2),
        timeout=max(timeout - (time.monotonic() - started), 0.1),
    )
    result.expect(done, f"the scenarios' answers did not all arrive within {timeout:.0f} s")
    return _Played(old_age, invalidity, schema_2)


def _exchanges(
    offices: Mapping[str, BackOffice],
    others: Sequence[tuple[BackOffice, Sent]],
    result: DemoResult,
    *,
    timeout: float,
) -> None:
    """One line per message sent, by the back-offices or ``others``, in the order sent, with
    its final status."""
    deadline = time.monotonic() + timeout
    views: list[tuple[str, MessageView]] = []
    every = [(office, sent) for office in offices.values() for sent in office.sent]
    for office, sent in [*every, *others]:
        client = office.client
        try:
            view = client.wait_for(
                sent.message_id,
                {"delivered", "rejected", "failed", "expired"},
                timeout=max(deadline - time.monotonic(), 0.1),
            )
        except TimeoutError:
            view = client.message(sent.message_id)
        views.append((sent.document_type, view))
    views.sort(key=lambda entry: str(entry[1].trace[0]["at"]) if entry[1].trace else "")
    for document_type, view in views:
        stages = {str(event["stage"]): event for event in view.trace}
        agreement = str(stages["authorised"]["detail"]) if "authorised" in stages else ""
        elapsed = ""
        if "accepted" in stages and view.status in stages:
            started = dt.datetime.fromisoformat(str(stages["accepted"]["at"]))
            ended = dt.datetime.fromisoformat(str(stages[view.status]["at"]))
            elapsed = f"{(ended - started).total_seconds() * 1000:6.0f} ms"
        result.lines.append(
            f"  {document_type:<30} {view.sender:>12} -> {view.recipient:<12} "
            f"{view.status:<10} {elapsed:>9}  {agreement}".rstrip()
        )
        result.expect(
            view.status == "delivered",
            f"{document_type} {view.sender} -> {view.recipient} was {view.status}",
        )
    for office in offices.values():
        for refusal in office.refused:
            result.lines.append(
                f"  {refusal.document_type:<30} {refusal.sender:>12} -> {refusal.recipient:<12} "
                f"refused: {refusal.detail}"
            )


def _fraction(fraction: Fraction) -> str:
    if fraction.denominator == 1:
        return str(fraction.numerator)
    return f"{fraction.numerator}/{fraction.denominator}"


def _decision_line(institution: str, decision: ClaimDecision, chosen: Calculation) -> str:
    """One institution's grant, and its other calculations when it made several."""
    line = (
        f"  {institution:<12} {chosen.amount:>9} {decision.currency} a month   "
        f"pro rata {chosen.own_days}/{chosen.total_days} under {chosen.agreement}"
    )
    others = [c for c in decision.calculations if c is not chosen]
    if others:
        line += (
            " (the higher of its calculations; "
            + "; ".join(
                f"under {c.agreement}: {c.amount} {decision.currency} at "
                f"{c.own_days}/{c.total_days}"
                for c in others
            )
            + ")"
        )
    return line


def _shares(shares: Mapping[str, list[tuple[str, int, int]]], result: DemoResult) -> None:
    """Each agreement's pro-rata shares, which must add up to exactly 1."""
    result.expect(set(shares) == {"EU-883-2004", "IN-DE"}, "the pro-rata shares lack an agreement")
    for agreement, parts in sorted(shares.items()):
        total = sum((Fraction(own, whole) for _, own, whole in parts), Fraction(0))
        terms = " + ".join(f"{country} {own}/{whole}" for country, own, whole in sorted(parts))
        result.lines.append(f"  shares under {agreement}: {terms} = {_fraction(total)}")
        result.expect(
            total == 1 and len(parts) == 2,
            f"the pro-rata shares under {agreement} sum to {_fraction(total)}, not 1",
        )


def _decisions(offices: Mapping[str, BackOffice], played: _Played, result: DemoResult) -> None:
    """The decisions on the old-age claim, checked against what the case owner received."""
    drv = offices["DE:DRV70001"]
    case_id = played.old_age.case_id
    result.lines.append("")
    result.lines.append("decisions on the old-age claim")
    shares: dict[str, list[tuple[str, int, int]]] = {}
    received = {
        r.sender: r
        for r in drv.received
        if r.document_type == "BenefitDecision" and r.case_id == case_id
    }
    for institution in ("FR:CNAV", "IN:EPFO", "DE:DRV70001"):
        records = [d for d in offices[institution].decisions if d.case_id == case_id]
        result.expect(len(records) == 1, f"{institution} made {len(records)} decisions, not one")
        if len(records) != 1:
            continue
        decision = records[0].decision
        chosen = decision.chosen
        result.expect(decision.granted, f"{institution} refused the old-age claim")
        if chosen is None:
            result.lines.append(f"  {institution:<12} refused: {', '.join(decision.reasons)}")
            continue
        result.lines.append(_decision_line(institution, decision, chosen))
        for calculation in decision.calculations:
            shares.setdefault(str(calculation.agreement), []).append(
                (institution.split(":", 1)[0], calculation.own_days, calculation.total_days)
            )
        if institution == drv.institution:
            _told(offices, records[0], chosen, result)
            continue
        arrived = received.get(institution)
        result.expect(arrived is not None, f"DE:DRV70001 did not receive {institution}'s decision")
        if arrived is not None:
            summary = read_decision(parse_untrusted(arrived.document).getroot())
            result.expect(
                summary.amount == chosen.amount
                and summary.pro_rata == (Decimal(chosen.own_days), Decimal(chosen.total_days)),
                f"the decision DE:DRV70001 received from {institution} is not the one decided",
            )
    _shares(shares, result)
    for office in offices.values():
        for country, why in office.not_asked:
            result.lines.append(
                f"  {office.institution:<12} could not ask {country} for periods: {why}"
            )


def _told(
    offices: Mapping[str, BackOffice],
    record: DecisionRecord,
    chosen: Calculation,
    result: DemoResult,
) -> None:
    """The case owner's own decision reached every institution the claim went to, as made."""
    owner = "DE:DRV70001"
    result.expect(
        sorted(record.sent_to) == ["FR:CNAV", "IN:EPFO"],
        f"{owner} told its decision to {', '.join(record.sent_to) or 'nobody'}",
    )
    for institution in ("FR:CNAV", "IN:EPFO"):
        arrived = [
            r
            for r in offices[institution].received
            if r.document_type == "BenefitDecision" and r.sender == owner
        ]
        result.expect(len(arrived) == 1, f"{institution} did not receive {owner}'s decision")
        if len(arrived) == 1:
            summary = read_decision(parse_untrusted(arrived[0].document).getroot())
            result.expect(
                summary.amount == chosen.amount,
                f"the decision {institution} received from {owner} is not the one decided",
            )


def _coverage(offices: Mapping[str, BackOffice], played: _Played, result: DemoResult) -> None:
    """The certificate, the refused posting and the claim refused by policy."""
    urssaf, cnss = offices["FR:URSSAF"], offices["TN:CNSS"]
    result.lines.append("")
    result.lines.append("certificates and refusals")
    numbers = [d.certificate_number for d in urssaf.coverage_decisions if d.certificate_number]
    received = {r.document_type: r for r in cnss.received}
    certificate = received.get("CoverageCertificate")
    result.expect(len(numbers) == 1 and certificate is not None, "no certificate was issued")
    if certificate is not None:
        number = certificate_number_of(parse_untrusted(certificate.document).getroot())
        result.lines.append(f"  certificate {number} issued by {certificate.sender} to TN:CNSS")
        result.expect(numbers == [number], "TN:CNSS received another certificate than issued")
    refusal = received.get("CoverageRefusal")
    reasons = refusal_reasons_of(parse_untrusted(refusal.document).getroot()) if refusal else ()
    result.lines.append(
        f"  posting refused by FR:URSSAF: {', '.join(reasons) or 'no refusal arrived'}"
    )
    result.expect(reasons == ("period-exceeds-limit",), "the long posting was not refused")
    refused = played.invalidity.refused
    result.expect(
        played.invalidity.case_id is None
        and len(refused) == 1
        and refused[0].status == 403
        and "outside the material scope of IN-DE" in refused[0].detail,
        "the invalidity claim was not refused by the agreement policy",
    )
    for item in refused:
        result.lines.append(
            f"  invalidity claim {item.sender} -> {item.recipient} refused: {item.detail}"
        )


def _summarise(
    offices: Mapping[str, BackOffice], played: _Played, result: DemoResult, *, timeout: float
) -> None:
    _exchanges(offices, played.schema_2.sent, result, timeout=timeout)
    _decisions(offices, played, result)
    _coverage(offices, played, result)
    result.lines.append("")
    result.lines.append("documents of schema 2.0")
    v2.check_family_claim(offices, played.schema_2, result.lines, result.expect)
    v2.check_multi_state(offices, played.schema_2, result.lines, result.expect)
    unexpected = [
        refusal
        for office in offices.values()
        for refusal in office.refused
        if refusal not in played.invalidity.refused
    ]
    for refusal in unexpected:
        result.failures.append(
            f"{refusal.sender} could not send a {refusal.document_type}: {refusal.detail}"
        )
    for office in offices.values():
        result.failures.extend(f"{office.institution}: {f}" for f in office.failures)


def _scenarios(offices: Mapping[str, BackOffice], result: DemoResult) -> None:
    """Play the scenarios as the institutions' back-offices drive them, then sum up."""
    played = _play(offices, result, timeout=SCENARIO_TIMEOUT)
    _summarise(offices, played, result, timeout=5)


class _BackOffices:
    """One reference back-office per institution, each running its inbox loop in a thread.

    :meth:`stop` joins the threads: call it off the event loop that serves the nodes' APIs,
    which the back-offices are still talking to.
    """

    def __init__(self, clients: Mapping[str, GatewayClient], directory: Directory) -> None:
        registers = sample_registers()
        self.offices = {
            institution: BackOffice(client, registers[institution], directory, report=_say)
            for institution, client in clients.items()
        }
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(
                target=office.run,
                args=(self._stop,),
                kwargs={"wait": 0.5},
                name=f"back-office {institution}",
                daemon=True,
            )
            for institution, office in self.offices.items()
        ]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)


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


async def _probe_broker(settings: NodeSettings, amqp_url: str) -> None:
    """Fail early, with how to start it, when RabbitMQ does not answer."""
    try:
        await probe(transport_settings(settings))
    except TransportError as error:
        if "exchange" not in error.detail:
            raise ConfigurationError(
                f"RabbitMQ does not answer at {amqp_url.split('@')[-1]}: {error.detail}. "
                "Start it with 'rabbitmq-server -detached' (Debian package rabbitmq-server)."
            ) from None


@dataclass
class _Nodes:
    """The running nodes: their runtimes and API servers, and each one's API key and port."""

    console_password: str
    runtimes: list[NodeRuntime] = field(default_factory=list)
    servers: list[tuple[_QuietServer, asyncio.Task[None]]] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    async def start(self, institution: str, settings: NodeSettings) -> None:
        node = await asyncio.to_thread(open_node, settings)
        now = dt.datetime.now(dt.UTC)
        self.keys[institution] = node.store.create_api_client("demo back-office", now)
        # One operator per node, to look around in its console.
        Accounts(node.store.engine).add_operator(
            "demo", Role.OPERATOR, self.console_password, now=now, actor="demo"
        )
        runtime = NodeRuntime(node)
        await runtime.start()
        self.runtimes.append(runtime)
        server = _QuietServer(
            uvicorn.Config(
                create_app(node, readiness=runtime.ready),
                host="127.0.0.1",
                port=settings.api_port,
                log_level="warning",
                lifespan="off",
            )
        )
        self.servers.append((server, asyncio.create_task(server.serve())))
        self.ports[institution] = settings.api_port

    async def serving(self) -> None:
        while not all(server.started for server, _ in self.servers):
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        for server, task in self.servers:
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for runtime in self.runtimes:
            await runtime.stop()
            runtime.node.store.engine.dispose()

    def tell_access(self) -> None:
        _say("\nThe nodes and their back-offices keep running; press Ctrl-C to stop them.")
        _say(f"  console operator 'demo', password {self.console_password}")
        for institution, port in self.ports.items():
            base = f"http://127.0.0.1:{port}"
            _say(
                f"  {institution:<12} {base}/console   {base}/docs   "
                f"API key: {self.keys[institution]}"
            )


def _print(result: DemoResult) -> None:
    _say("[4/4] what was exchanged")
    for line in result.lines:
        _say(line)
    for failure in result.failures:
        _say(f"  UNEXPECTED: {failure}")


async def _run(
    folder: Path, *, once: bool, base_port: int, amqp_url: str, namespace: str
) -> DemoResult:
    busy = [p for p in range(base_port, base_port + len(DEMO_INSTITUTIONS)) if not _port_free(p)]
    if busy:
        raise ConfigurationError(f"ports {busy} are in use; choose others with --base-port")
    _say(f"[1/4] making the PKI, the signed directory and node settings in {folder}")
    configs = await asyncio.to_thread(_prepare, folder, base_port, amqp_url, namespace)
    settings = {i: load_settings(c) for i, c in configs.items()}
    await _probe_broker(next(iter(settings.values())), amqp_url)

    _say(f"[2/4] starting {len(settings)} nodes on RabbitMQ")
    nodes = _Nodes(console_password=secrets.token_urlsafe(12))
    result = DemoResult()
    try:
        for institution, node_settings in settings.items():
            await nodes.start(institution, node_settings)
        await nodes.serving()

        _say("[3/4] the institutions' back-offices play the scenarios through the REST APIs")
        directory = await asyncio.to_thread(load_network_directory, next(iter(settings.values())))
        with _clients(nodes.keys, nodes.ports) as clients:
            back_offices = _BackOffices(clients, directory)
            back_offices.start()
            try:
                await asyncio.to_thread(_scenarios, back_offices.offices, result)
                _print(result)
                if not once:
                    nodes.tell_access()
                    await asyncio.Event().wait()
            finally:
                # Off the event loop: the back-offices may be waiting on the APIs it serves.
                await asyncio.to_thread(back_offices.stop)
    finally:
        await nodes.stop()
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
