"""Where the memory goes when one large document crosses the path, stage by stage.

Run: ``.venv/bin/python benchmarks/large_document.py [--mb 20] [--json FILE]`` (under a
minute), or ``--smoke`` for a 1 MB document. Prints a table; what it measures and how to read
it is in ``docs/performance.md`` ("The large document: where the memory goes").

One process, no bus, no HTTP: a sending node (DE:DRV70001) and a receiving node (FR:CNAV) on
SQLite files in a temporary folder, with the demo's PKI and signed directory. The document is
``benchmarks/path.py``'s large BenefitClaim. It goes through the nodes' own code, as the runtime
drives it: the sender's ``Node.submit``, the sender's relay (``due`` and ``published``), the
receiver's ``Node.receive`` of the sealed bytes, the receiver's relay of its signed receipt, and
the sender's ``Node.receive`` of that receipt.

Each of those calls is one phase. Inside a phase, every stage the node times through its
metrics (validate, policy, sign, encrypt, decrypt, verify, case, database) is one segment, and
so is the untimed work between two stages. For each segment: the Python memory held at its
start and its peak (``tracemalloc``, peak reset at every segment), and the peak resident set
(``VmHWM``, reset by writing 5 to ``/proc/self/clear_refs``), all as growth over the phase's
start and as multiples of the document's size. ``tracemalloc`` sees Python objects only (bytes,
str, signxml's and joserfc's copies), not libxml2's trees or OpenSSL's buffers; the resident
set sees everything.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import gc
import json
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from path_load import large_document
from path_plan import RECIPIENT, SENDER

from gateway.config import load_settings
from gateway.demo import prepare_network, write_node_config
from gateway.node import Arrival, Dispatch, Node, NodeMetrics, Verdict, open_node
from gateway.store import MessageRecord

T = TypeVar("T")

#: What each timed stage does, by phase, stage and occurrence in the phase (the order of
#: ``Node``'s calls); a stage missing here is shown by its own name.
LABELS: dict[tuple[str, str, int], str] = {
    ("submit", "validate", 1): "parse + XSD + rules",
    ("submit", "sign", 1): "envelope + sign + serialise",
    ("submit", "encrypt", 1): "encrypt to the partner",
    ("submit", "case", 1): "case check",
    ("submit", "encrypt", 2): "seal at rest",
    ("submit", "database", 1): "store write",
    ("relay", "database", 1): "outbox claim (row read)",
    ("receive", "database", 1): "duplicate lookup",
    ("receive", "decrypt", 1): "decrypt",
    ("receive", "verify", 1): "parse + verify signature + envelope",
    ("receive", "validate", 1): "validate the document",
    ("receive", "case", 1): "case check",
    ("receive", "validate", 2): "receipt: validate",
    ("receive", "policy", 2): "receipt: policy",
    ("receive", "sign", 1): "receipt: envelope + sign",
    ("receive", "encrypt", 1): "receipt: encrypt",
    ("receive", "encrypt", 2): "receipt: seal at rest",
    ("receive", "database", 2): "store write (message + receipt)",
    ("receipt", "database", 1): "duplicate lookup",
    ("receipt", "database", 2): "find the sent message",
    ("receipt", "database", 3): "store write (receipt, status)",
}
#: Untimed segments below this share of the document, in both measures, are left out of the
#: table (the JSON has them all).
_NEGLIGIBLE = 0.05


def _status(name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return int(line.split()[1]) * 1024
    raise KeyError(name)


def _reset_peak_rss() -> None:
    # Writing 5 to clear_refs resets VmHWM to the current resident set (proc(5)).
    Path("/proc/self/clear_refs").write_text("5")


def _release_free_memory() -> None:
    """Collect garbage and hand freed heap back to the system, so that a phase starts from
    what is really held and its growth is not hidden by pages an earlier phase left."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if name:
        libc = ctypes.CDLL(name)
        if hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)


@dataclass(slots=True)
class Segment:
    """One stage of a phase, or the untimed work between two stages."""

    label: str
    stage: str
    timed: bool
    held_at_start: int = 0
    traced_peak: int = 0
    rss_peak: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class Phase:
    name: str
    traced_start: int
    rss_start: int
    segments: list[Segment] = field(default_factory=list)
    retained: int = 0
    seconds: float = 0.0

    @property
    def traced_peak(self) -> int:
        return max((s.traced_peak for s in self.segments), default=0)

    @property
    def rss_growth(self) -> int:
        return max((s.rss_peak for s in self.segments), default=0)


class Probe:
    """Cuts a phase into segments at the node's stage boundaries and measures each."""

    def __init__(self) -> None:
        self.phases: list[Phase] = []
        self._phase: Phase | None = None
        self._current: Segment | None = None
        self._started = 0.0
        self._seen: Counter[str] = Counter()
        self._depth = 0

    def run(self, name: str, call: Callable[..., T], *args: object) -> T:
        """Run ``call(*args)`` as the phase ``name``."""
        _release_free_memory()
        phase = Phase(name, tracemalloc.get_traced_memory()[0], _status("VmRSS"))
        self._phase, self._seen = phase, Counter()
        started = time.perf_counter()
        self._open("(start)", "", timed=False)
        try:
            return call(*args)
        finally:
            self._close()
            phase.seconds = time.perf_counter() - started
            gc.collect()
            phase.retained = tracemalloc.get_traced_memory()[0] - phase.traced_start
            self.phases.append(phase)
            self._phase = None

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        if self._phase is None or self._depth:
            yield
            return
        self._seen[name] += 1
        occurrence = self._seen[name]
        label = LABELS.get((self._phase.name, name, occurrence), name)
        if label == name and occurrence > 1:
            label = f"{name} #{occurrence}"
        self._close()
        self._open(label, name, timed=True)
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            self._close()
            self._open(f"(after {label})", "", timed=False)

    def _open(self, label: str, stage: str, *, timed: bool) -> None:
        assert self._phase is not None
        tracemalloc.reset_peak()
        _reset_peak_rss()
        held = tracemalloc.get_traced_memory()[0] - self._phase.traced_start
        self._current = Segment(label, stage, timed, held_at_start=held)
        self._started = time.perf_counter()

    def _close(self) -> None:
        segment, phase = self._current, self._phase
        assert segment is not None and phase is not None
        segment.seconds = time.perf_counter() - self._started
        segment.traced_peak = tracemalloc.get_traced_memory()[1] - phase.traced_start
        segment.rss_peak = _status("VmHWM") - phase.rss_start
        phase.segments.append(segment)
        self._current = None


class ProbedMetrics(NodeMetrics):
    """The node's own metrics, with every stage also measured by the probe."""

    def __init__(self, probe: Probe) -> None:
        super().__init__()
        self.probe = probe

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        with self.probe.stage(name), super().stage(name):
            yield


def _nodes(folder: Path, probe: Probe) -> tuple[Node, Node]:
    prepare_network(folder)
    nodes = []
    for institution in (SENDER, RECIPIENT):
        config = write_node_config(
            folder,
            institution,
            database_url=f"sqlite:///{folder / institution.replace(':', '_')}.db",
            # Never connected to: the nodes run without their runtime.
            amqp_url="amqp://guest:guest@127.0.0.1:5672/",
            namespace="large.",
            api_port=0,
        )
        node = open_node(load_settings(config))
        node.metrics = ProbedMetrics(probe)
        nodes.append(node)
    return nodes[0], nodes[1]


def _submit(sender: Node, receiver: Node, document: bytes) -> MessageRecord:
    return sender.submit(document, recipient=receiver.institution)


def _relay(node: Node) -> Dispatch:
    """What the runtime's relay does with the one due message: take it, confirm it."""
    (dispatch,) = node.due()
    node.published(dispatch)
    return dispatch


def _receive(node: Node, dispatch: Dispatch) -> None:
    outcome = node.receive(
        Arrival(
            dispatch.body,
            dispatch.message_id,
            dispatch.sender,
            dispatch.recipient,
            dispatch.case_id,
            dispatch.document_type,
        )
    )
    if outcome.verdict is not Verdict.ACK:
        raise SystemExit(f"{node.institution} refused the message: {outcome.reason}")


def measure(size: int) -> dict[str, Any]:
    """Push one document of about ``size`` bytes across the path; every figure."""
    probe = Probe()
    document = large_document(size)
    with tempfile.TemporaryDirectory(prefix="ssgw-large-") as folder:
        sender, receiver = _nodes(Path(folder), probe)
        tracemalloc.start()
        try:
            record = probe.run("submit", _submit, sender, receiver, document)
            sealed_bytes, message_id = record.size, record.message_id
            del record
            dispatch = probe.run("relay", _relay, sender)
            probe.run("receive", _receive, receiver, dispatch)
            del dispatch
            probe.run("receipt", _receive, sender, _relay(receiver))
        finally:
            tracemalloc.stop()
        delivered = sender.store.sent_message(message_id)
        status = delivered.status.value if delivered is not None else "missing"
        for node in (sender, receiver):
            node.store.engine.dispose()
    if status != "delivered":
        raise SystemExit(f"the document ended {status}, not delivered")
    return _report(len(document), sealed_bytes, probe.phases)


def _report(size: int, sealed: int, phases: Sequence[Phase]) -> dict[str, Any]:
    def ratio(value: int) -> float:
        return round(value / size, 3)

    return {
        "document_bytes": size,
        "sealed_bytes": sealed,
        "phases": {
            phase.name: {
                "seconds": round(phase.seconds, 3),
                "traced_peak_bytes": phase.traced_peak,
                "traced_peak_ratio": ratio(phase.traced_peak),
                "rss_growth_bytes": phase.rss_growth,
                "rss_growth_ratio": ratio(phase.rss_growth),
                "retained_ratio": ratio(phase.retained),
                "stages": [
                    {
                        **asdict(segment),
                        "seconds": round(segment.seconds, 4),
                        "held_ratio": ratio(segment.held_at_start),
                        "traced_peak_ratio": ratio(segment.traced_peak),
                        "rss_peak_ratio": ratio(segment.rss_peak),
                    }
                    for segment in phase.segments
                ],
            }
            for phase in phases
        },
    }


def _shown(stage: dict[str, Any], previous: dict[str, Any] | None) -> bool:
    if stage["timed"]:
        return True
    rise = stage["traced_peak_ratio"] - stage["held_ratio"]
    rss_before = previous["rss_peak_ratio"] if previous else 0.0
    return bool(rise >= _NEGLIGIBLE or stage["rss_peak_ratio"] - rss_before >= _NEGLIGIBLE)


def table(report: dict[str, Any]) -> str:
    size = report["document_bytes"]
    lines = [
        f"document {size / 1e6:.1f} MB, sealed {report['sealed_bytes'] / 1e6:.1f} MB; "
        "figures are multiples of the document's size, growth over the start of each phase",
        f"{'phase':<9}{'stage':<38}{'held':>7}{'traced peak':>13}{'RSS peak':>10}{'ms':>9}",
    ]
    for name, phase in report["phases"].items():
        previous = None
        for stage in phase["stages"]:
            if _shown(stage, previous):
                lines.append(
                    f"{name:<9}{stage['label'][:37]:<38}{stage['held_ratio']:>7.2f}"
                    f"{stage['traced_peak_ratio']:>13.2f}{stage['rss_peak_ratio']:>10.2f}"
                    f"{stage['seconds'] * 1000:>9.0f}"
                )
            previous = stage
        lines.append(
            f"{name:<9}{'= whole ' + name:<38}{'':>7}{phase['traced_peak_ratio']:>13.2f}"
            f"{phase['rss_growth_ratio']:>10.2f}{phase['seconds'] * 1000:>9.0f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20, help="size of the document, in MiB")
    parser.add_argument("--smoke", action="store_true", help="a 1 MiB document, in seconds")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    report = measure(int((1 if args.smoke else args.mb) * 1024 * 1024))
    print(table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
