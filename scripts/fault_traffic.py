"""What a fault run (``faults.py``) sends and what it counts: the documents submitted through
the sender's API, the census of both stores after the drain, and one scenario's result."""

from __future__ import annotations

import collections
import dataclasses
import threading
import time
from collections.abc import Sequence

import httpx2
import psycopg

from gateway.documents import SCHEMA_DIR
from ssgw_adapters.client import GatewayApiError, GatewayClient

__all__ = ["DOCUMENT", "RECEIVER", "SENDER", "Census", "Result", "Traffic", "census"]

SENDER, RECEIVER = "FR:CNAV", "DE:DRV70001"
DOCUMENT = "InsurancePeriodsRequest"


class Traffic:
    """Submits ``count`` documents through the sender's API from a few threads.

    A refused connection means the node never saw the request: it is tried again. A request
    cut off after it was sent is indeterminate (the node may have stored it); it is not sent
    again, as that could make a second business message.
    """

    def __init__(self, urls: Sequence[str], key: str, count: int, threads: int = 4) -> None:
        self.urls, self.key, self.count, self.threads = list(urls), key, count, threads
        self.document = (SCHEMA_DIR / "examples" / f"{DOCUMENT}.xml").read_bytes()
        self.accepted: set[str] = set()
        self.refused: collections.Counter[str] = collections.Counter()
        self.indeterminate = 0
        self.attempted = 0
        self._lock = threading.Lock()
        self._next = 0
        self._workers = [threading.Thread(target=self._work, args=(i,)) for i in range(threads)]

    def start(self) -> Traffic:
        for worker in self._workers:
            worker.start()
        return self

    def join(self) -> None:
        for worker in self._workers:
            worker.join()

    @property
    def settled(self) -> int:
        with self._lock:
            return len(self.accepted) + self.indeterminate + sum(self.refused.values())

    def wait_for(self, fraction: float, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while self.settled < self.count * fraction and time.monotonic() < deadline:
            time.sleep(0.05)

    def _take(self) -> bool:
        with self._lock:
            if self._next >= self.count:
                return False
            self._next += 1
            return True

    def _work(self, index: int) -> None:
        clients = [GatewayClient(url, self.key, timeout=30) for url in self.urls]
        try:
            while self._take():
                self._submit(clients[index % len(clients)])
        finally:
            for client in clients:
                client.close()

    def _submit(self, client: GatewayClient) -> None:
        while True:
            with self._lock:
                self.attempted += 1
            try:
                sent = client.submit(self.document, recipient=RECEIVER)
            except httpx2.ConnectError:
                time.sleep(0.2)  # the node is down: nothing reached it
                continue
            except httpx2.TransportError:
                with self._lock:
                    self.indeterminate += 1
                return
            except GatewayApiError as error:
                if error.status == 503:  # the store is away: nothing was stored
                    time.sleep(0.2)
                    continue
                with self._lock:
                    self.refused[error.code] += 1
                return
            with self._lock:
                self.accepted.add(str(sent.id))
            return


# What the stores say -------------------------------------------------------------------------


@dataclasses.dataclass
class Census:
    """Counted from the two stores after the drain."""

    sent: dict[str, tuple[str, int]]  # sender's business messages: id -> (status, attempts)
    received: dict[str, int]  # receiver's stored business messages: id -> rows
    received_events: dict[str, int]  # id -> "received" trace events
    duplicates: int
    dead_letters: collections.Counter[str]
    refused: collections.Counter[str]


def census(sender_url: str, receiver_url: str) -> Census:
    with psycopg.connect(sender_url) as connection:
        sent = {
            str(row[0]): (str(row[1]), int(row[2]))
            for row in connection.execute(
                "SELECT message_id, status, attempts FROM messages "
                "WHERE direction = 'out' AND document_type = %s",
                (DOCUMENT,),
            )
        }
    with psycopg.connect(receiver_url) as connection:
        received = {
            str(row[0]): int(row[1])
            for row in connection.execute(
                "SELECT message_id, count(*) FROM messages WHERE direction = 'in' "
                "AND document_type = %s AND status IN ('received', 'acknowledged') "
                "GROUP BY message_id",
                (DOCUMENT,),
            )
        }
        events = {
            str(row[0]): int(row[1])
            for row in connection.execute(
                "SELECT e.message_id, count(*) FROM trace_events e JOIN messages m "
                "ON m.message_id = e.message_id AND m.direction = 'in' "
                "WHERE e.stage = 'received' AND m.document_type = %s GROUP BY e.message_id",
                (DOCUMENT,),
            )
        }
        duplicates = connection.execute(
            "SELECT count(*) FROM trace_events WHERE stage = 'duplicate'"
        ).fetchone()
        dead = collections.Counter(
            {
                str(row[0]): int(row[1])
                for row in connection.execute(
                    "SELECT reason_code, count(*) FROM dead_letters GROUP BY reason_code"
                )
            }
        )
        refused = collections.Counter(
            {
                str(row[0]): int(row[1])
                for row in connection.execute(
                    "SELECT error_code, count(*) FROM messages WHERE direction = 'in' "
                    "AND status = 'refused' GROUP BY error_code"
                )
            }
        )
    return Census(sent, received, events, int(duplicates[0] if duplicates else 0), dead, refused)


# One run of a scenario -----------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    scenario: str
    attempted: int = 0
    accepted: int = 0
    indeterminate: int = 0
    refused_at_api: int = 0
    stored_by_sender: int = 0
    delivered_once: int = 0
    duplicated: int = 0
    lost: int = 0
    unexpected: int = 0
    acknowledged_not_stored: int = 0
    duplicates_suppressed: int = 0
    resends: int = 0
    receipt_coverage: float = 0.0
    rejected: dict[str, int] = dataclasses.field(default_factory=dict)
    poison_sent: int = 0
    copies_sent: int = 0
    poison_unaccounted: int = 0
    recover_seconds: float | None = None
    drain_seconds: float = 0.0
    drained: bool = True
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.drained
            and self.lost == 0
            and self.duplicated == 0
            and self.unexpected == 0
            and self.acknowledged_not_stored == 0
            and self.poison_unaccounted == 0
            # Every copy put on the bus was recognised (or its original was, when it came first).
            and self.duplicates_suppressed >= self.copies_sent
        )

    def lines(self) -> list[str]:
        rejected = ", ".join(f"{k} {v}" for k, v in sorted(self.rejected.items())) or "none"
        recover = "-" if self.recover_seconds is None else f"{self.recover_seconds:.1f} s"
        return [
            f"== {self.scenario}: {'PASS' if self.passed else 'FAIL'}",
            f"   sent {self.attempted} requests: accepted {self.accepted}, indeterminate "
            f"{self.indeterminate}, refused {self.refused_at_api}; stored by the sender "
            f"{self.stored_by_sender}",
            f"   delivered exactly once {self.delivered_once}, delivered twice "
            f"{self.duplicated}, lost {self.lost}, unexpected {self.unexpected}, "
            f"acknowledged but not stored {self.acknowledged_not_stored}",
            f"   duplicates suppressed {self.duplicates_suppressed}, resends {self.resends}, "
            f"receipt coverage {self.receipt_coverage:.1%}",
            f"   rejected with reason: {rejected}"
            + (
                f" (poison sent {self.poison_sent}, unaccounted {self.poison_unaccounted})"
                if self.poison_sent
                else ""
            ),
            f"   time to recover {recover}, to drain {self.drain_seconds:.1f} s"
            + ("" if self.drained else " (NOT DRAINED)"),
            *(f"   note: {note}" for note in self.notes),
        ]
