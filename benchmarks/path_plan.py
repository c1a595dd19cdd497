"""What the whole-path benchmark (``path.py``) sends, to whom, on which services, and how much
of everything it does."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from gateway.documents import SCHEMA_DIR

__all__ = [
    "AMQP_URL",
    "DATABASE_URL",
    "DOCUMENTS",
    "EXAMPLES",
    "NODE_SETTINGS",
    "RECIPIENT",
    "SENDER",
    "Plan",
    "say",
]

SENDER, RECIPIENT = "DE:DRV70001", "FR:CNAV"
#: The example documents that open a case, so each can be sent on its own, any number of times.
DOCUMENTS = ("BenefitClaim", "BenefitClaim-survivors", "InsurancePeriodsRequest")
EXAMPLES = SCHEMA_DIR / "examples"
AMQP_URL = os.environ.get("GATEWAY_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
DATABASE_URL = os.environ.get(
    "GATEWAY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# Receipts arrive in milliseconds; a long timeout keeps resends out of the backlog phase,
# where the receiver is down on purpose.
NODE_SETTINGS = "receipt_timeout_seconds = 3600\n"


@dataclass(frozen=True, slots=True)
class Plan:
    """How much of everything to do."""

    duration: float
    latency_seconds: float
    backlog: int
    large_bytes: int
    institutions: int
    agreements: int
    databases: tuple[str, ...]
    #: Worker processes per node in each run of the worker curve (PostgreSQL only).
    workers: tuple[int, ...] = (1, 2)
    workers_seconds: float = 30
    #: Worker processes of the receiver draining the backlog (PostgreSQL only).
    backlog_workers: int = 1
    window: int = 400
    concurrency: int = 8
    #: Seconds both nodes are watched at rest after the load, for their idle CPU.
    idle_seconds: float = 20
    #: Documents sent one at a time on the idle network, for the latency of one.
    one_at_a_time: int = 30
    #: Timings of each stage of the floor (the essential work alone); the median is kept.
    floor_rounds: int = 200

    @classmethod
    def smoke(cls, databases: tuple[str, ...]) -> Plan:
        return cls(
            duration=3,
            latency_seconds=2,
            backlog=30,
            large_bytes=1024 * 1024,
            institutions=200,
            agreements=20,
            databases=databases,
            workers_seconds=3,
            backlog_workers=2,
            window=50,
            concurrency=4,
            idle_seconds=3,
            one_at_a_time=5,
            floor_rounds=10,
        )


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
