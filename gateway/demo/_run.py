"""Running the demo: the nodes in this process, a reference back-office for each, the
scenarios they play and the summary."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from gateway.config import load_settings
from gateway.demo import schema_2 as v2
from gateway.demo._nodes import Nodes, port_free, probe_broker
from gateway.demo._summary import DemoResult, Played, summarise
from gateway.demo.backoffice.loop import BackOffice, wait_until
from gateway.demo.backoffice.records import LodgedClaim
from gateway.demo.backoffice.samples import sample_applications, sample_registers
from gateway.demo.coverage_flows import coverage_flows_finished, play_coverage_flows
from gateway.demo.network import DEMO_INSTITUTIONS, prepare_nodes
from gateway.directory import Directory
from gateway.errors import ConfigurationError
from gateway.node import load_network_directory
from ssgw_adapters.client import GatewayClient

__all__ = ["run_demo"]

#: How long the scenarios may take to bring in every answer.
SCENARIO_TIMEOUT = 40.0
_PRINTING = threading.Lock()

#: Shows the progress of counted work: given what is being done and its number of steps, a
#: context whose value is called once per step done. The command line draws a bar with it.
ShowProgress = Callable[[str, int], AbstractContextManager[Callable[[], None]]]


def _unshown(description: str, steps: int) -> AbstractContextManager[Callable[[], None]]:
    return nullcontext(lambda: None)


def _say(message: str) -> None:
    # The back-offices report from their own threads.
    with _PRINTING:
        print(message, flush=True)


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


def _play(offices: Mapping[str, BackOffice], result: DemoResult, *, timeout: float) -> Played:
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
    flows = play_coverage_flows(offices, schema_2, result.failures, _say, timeout=timeout)
    done = wait_until(
        lambda: (
            _finished(offices, old_age)
            and v2.schema_2_finished(offices, schema_2)
            and coverage_flows_finished(offices, flows)
        ),
        timeout=max(timeout - (time.monotonic() - started), 0.1),
    )
    result.expect(done, f"the scenarios' answers did not all arrive within {timeout:.0f} s")
    return Played(old_age, invalidity, schema_2, flows)


def _scenarios(offices: Mapping[str, BackOffice], result: DemoResult) -> None:
    """Play the scenarios as the institutions' back-offices drive them, then sum up."""
    played = _play(offices, result, timeout=SCENARIO_TIMEOUT)
    summarise(offices, played, result, timeout=5)


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


@contextlib.contextmanager
def _clients(keys: dict[str, str], ports: dict[str, int]) -> Iterator[dict[str, GatewayClient]]:
    clients = {i: GatewayClient(f"http://127.0.0.1:{ports[i]}", keys[i]) for i in keys}
    try:
        yield clients
    finally:
        for client in clients.values():
            client.close()


def _print(result: DemoResult) -> None:
    _say("[4/4] what was exchanged")
    for line in result.lines:
        _say(line)
    for failure in result.failures:
        _say(f"  UNEXPECTED: {failure}")


async def _run(
    folder: Path,
    *,
    once: bool,
    base_port: int,
    amqp_url: str,
    namespace: str,
    show_progress: ShowProgress,
) -> DemoResult:
    busy = [p for p in range(base_port, base_port + len(DEMO_INSTITUTIONS)) if not port_free(p)]
    if busy:
        raise ConfigurationError(f"ports {busy} are in use; choose others with --base-port")
    _say(
        f"[1/4] making each institution's keys, its certificates from their requests, the "
        f"signed directory and node settings in {folder}"
    )
    configs = await asyncio.to_thread(prepare_nodes, folder, base_port, amqp_url, namespace)
    settings = {i: load_settings(c) for i, c in configs.items()}
    await probe_broker(next(iter(settings.values())), amqp_url)

    _say(f"[2/4] starting {len(settings)} nodes on RabbitMQ")
    nodes = Nodes(console_password=secrets.token_urlsafe(12))
    result = DemoResult()
    try:
        with show_progress("starting the nodes", len(settings)) as started:
            for institution, node_settings in settings.items():
                await nodes.start(institution, node_settings)
                started()
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
                    for line in nodes.access():
                        _say(line)
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
    show_progress: ShowProgress = _unshown,
) -> DemoResult:
    """Run the demonstration; returns what it showed. ``namespace`` prefixes the bus's
    exchange and queue names, so a demo can share a broker with other networks;
    ``show_progress`` shows the nodes starting."""
    try:
        return asyncio.run(
            _run(
                folder,
                once=once,
                base_port=base_port,
                amqp_url=amqp_url,
                namespace=namespace,
                show_progress=show_progress,
            )
        )
    except KeyboardInterrupt:
        _say("stopped")
        return DemoResult()
