"""Three nodes on the real RabbitMQ and the real store exchange every document type."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable

import aio_pika
import pytest
from lxml import etree
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.directory import Directory
from gateway.documents import DocumentType
from gateway.exchange import MessageStatus
from gateway.node import Node
from gateway.node._tracing import Tracing
from gateway.node.runtime import NodeRuntime
from gateway.store import MessageRecord
from gateway.transport import TransportSettings, broker_definitions, rabbit_password_hash
from support import (
    AMQP_URL,
    WAIT,
    eventually,
    example,
    example_bytes,
    imported_definitions,
    status_of,
)

pytestmark = [pytest.mark.broker, pytest.mark.asyncio]

#: Cases played between the three nodes, step by step: (document, sender, recipient, answers),
#: where ``answers`` is the index of the step this one replies to in the same case.
CASES: list[list[tuple[str, str, str, int | None]]] = [
    [
        ("InsurancePeriodsRequest", "FR:CNAV", "DE:DRV70001", None),
        ("InsurancePeriodsReply", "DE:DRV70001", "FR:CNAV", 0),
    ],
    [
        ("InsurancePeriodsRequest", "FR:CNAV", "DE:DRV70001", None),
        ("InsurancePeriodsReply-none", "DE:DRV70001", "FR:CNAV", 0),
    ],
    [
        ("BenefitClaim", "DE:DRV70001", "FR:CNAV", None),
        ("BenefitClaimAcknowledgement", "FR:CNAV", "DE:DRV70001", 0),
        ("BenefitDecision", "FR:CNAV", "DE:DRV70001", 0),
        ("CaseClosure", "FR:CNAV", "DE:DRV70001", None),
    ],
    [
        ("BenefitClaim-survivors", "FR:CNAV", "DE:DRV70001", None),
        ("BenefitClaimAcknowledgement", "DE:DRV70001", "FR:CNAV", 0),
        ("BenefitDecision-refused", "DE:DRV70001", "FR:CNAV", 0),
    ],
    [
        ("CoverageRequest", "IN:EPFO", "DE:DRV70001", None),
        ("CoverageCertificate", "DE:DRV70001", "IN:EPFO", 0),
        ("CoverageWithdrawal", "DE:DRV70001", "IN:EPFO", 1),
    ],
    [
        ("CoverageRequest", "IN:EPFO", "DE:DRV70001", None),
        ("CoverageCertificate-amending", "DE:DRV70001", "IN:EPFO", 0),
    ],
    [
        ("CoverageRequest", "IN:EPFO", "DE:DRV70001", None),
        ("CoverageRefusal", "DE:DRV70001", "IN:EPFO", 0),
    ],
    [
        ("CoverageRequest", "IN:EPFO", "DE:DRV70001", None),
        ("CaseForward", "DE:DRV70001", "IN:EPFO", 0),
    ],
]


def c14n(document: bytes | etree._Element) -> bytes:
    root = etree.fromstring(document) if isinstance(document, bytes) else document
    return etree.tostring(root, method="c14n", exclusive=True)


async def test_three_nodes_exchange_every_document_type(
    network: Callable[..., Awaitable[NodeRuntime]],
) -> None:
    nodes = {i: (await network(i)).node for i in ("DE:DRV70001", "FR:CNAV", "IN:EPFO")}
    played: set[str] = set()
    for steps in CASES:
        records: list[MessageRecord] = []
        for name, sender, recipient, answers in steps:
            record = await asyncio.to_thread(
                nodes[sender].submit,
                example_bytes(name),
                recipient=recipient,
                case_id=records[0].case_id if records else None,
                in_reply_to=records[answers].message_id if answers is not None else None,
            )
            nodes[sender].kick()
            await eventually(
                lambda node=nodes[sender], record=record: (  # type: ignore[misc]
                    status_of(node, record) is MessageStatus.DELIVERED
                ),
                f"{name} to be delivered",
            )
            received = nodes[recipient].store.received_message(record.message_id)
            assert received is not None and received.status is MessageStatus.RECEIVED, name
            document = nodes[recipient].document_of(received)
            assert c14n(document) == c14n(example(name).root), name
            records.append(record)
            played.add(name.split("-")[0])
    business = {t.root_name for t in DocumentType} - {"Receipt", "Rejection", "Reminder"}
    assert business <= played  # receipts cross all the time; reminders need time to pass
    for node in nodes.values():
        assert node.store.dead_letters() == []
        assert node.store.outbox_depth() == 0


async def test_one_trace_follows_a_message_and_its_receipt_across_two_nodes(
    network: Callable[..., Awaitable[NodeRuntime]],
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    france = (await network("FR:CNAV", tracing=Tracing("FR:CNAV", provider))).node
    await network("DE:DRV70001", tracing=Tracing("DE:DRV70001", provider))
    record = await asyncio.to_thread(
        france.submit, example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001"
    )
    france.kick()
    await eventually(lambda: status_of(france, record) is MessageStatus.DELIVERED, "delivery")
    spans = exporter.get_finished_spans()
    provider.shutdown()

    def span(name: str, institution: str) -> ReadableSpan:
        (found,) = [
            s
            for s in spans
            if s.name == name and s.attributes and s.attributes["ssgw.institution"] == institution
        ]
        return found

    published = span("publish InsurancePeriodsRequest", "FR:CNAV")
    received = span("receive InsurancePeriodsRequest", "DE:DRV70001")
    assert received.parent is not None and received.parent.span_id == published.context.span_id
    assert received.context.trace_id == published.context.trace_id
    assert published.attributes and published.attributes["messaging.message.id"] == str(
        record.message_id
    )
    # The receipt travels back in a trace of its own, received by France.
    receipt = span("receive Receipt", "FR:CNAV")
    assert receipt.parent is not None
    assert receipt.parent.span_id == span("publish Receipt", "DE:DRV70001").context.span_id


async def test_a_receiver_that_was_down_gets_its_messages(
    network: Callable[..., Awaitable[NodeRuntime]],
    make_node: Callable[..., Node],
    names: dict[str, str],
) -> None:
    france = (await network("FR:CNAV")).node
    record = await asyncio.to_thread(
        france.submit, example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001"
    )
    france.kick()
    await eventually(lambda: status_of(france, record) is MessageStatus.SENT, "the send")
    await asyncio.sleep(0.5)
    assert status_of(france, record) is MessageStatus.SENT  # nobody there to answer yet
    germany = (await network("DE:DRV70001")).node
    await eventually(lambda: status_of(france, record) is MessageStatus.DELIVERED, "delivery")
    assert len(germany.store.inbox(after=0, limit=10)) == 1


async def test_no_receipt_means_resends_then_failed_and_a_late_receipt_still_counts(
    network: Callable[..., Awaitable[NodeRuntime]], make_node: Callable[..., Node]
) -> None:
    france_runtime = await network(
        "FR:CNAV", receipt_timeout_seconds=0.2, max_attempts=3, relay_interval_seconds=0.05
    )
    france = france_runtime.node
    record = await asyncio.to_thread(
        france.submit, example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001"
    )
    france.kick()
    await eventually(lambda: status_of(france, record) is MessageStatus.FAILED, "failure")
    failed = france.store.message(record.id or 0)
    assert failed is not None and failed.attempts == 3 and failed.error_code == "no-receipt"

    germany = (await network("DE:DRV70001")).node  # three copies wait in its queue
    await eventually(lambda: status_of(france, record) is MessageStatus.DELIVERED, "late receipt")
    assert len(germany.store.inbox(after=0, limit=10)) == 1
    await eventually(lambda: germany.metrics.duplicates._value.get() == 2, "duplicates counted")


async def test_poison_ends_in_the_dead_letter_queue_with_its_reason(
    network: Callable[..., Awaitable[NodeRuntime]], names: dict[str, str]
) -> None:
    germany = (await network("DE:DRV70001")).node
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(names["exchange"])
        poison: list[tuple[bytes, dict[str, aio_pika.abc.FieldValue]]] = [
            (b"\x00\x01 garbage", {}),
            (b"not.a.jwe.at.all", {"sender": "XX:NOBODY1", "recipient": "DE:DRV70001"}),
        ]
        for body, headers in poison:
            await exchange.publish(
                aio_pika.Message(body, headers=headers, message_id=str(uuid.uuid4())),
                routing_key="de.drv70001",
            )
        await eventually(lambda: len(germany.store.dead_letters()) == 2, "two dead letters")
        dead = await channel.get_queue(names["queue_prefix"] + "dead-letter")
        reasons: list[str] = []
        # The store's row is written before the copy reaches the dead-letter queue.
        deadline = asyncio.get_running_loop().time() + WAIT
        while len(reasons) < 2 and asyncio.get_running_loop().time() < deadline:
            message = await dead.get(timeout=5, fail=False)
            if message is None:
                await asyncio.sleep(0.1)
                continue
            reasons.append(str(message.headers.get("x-ssgw-reason")))
            await message.ack()
    assert len(reasons) == 2 and all(r.startswith("decryption-failed") for r in reasons), reasons
    assert germany.store.inbox(after=0, limit=10) == []


async def test_the_same_message_twice_on_the_bus_is_stored_once(
    network: Callable[..., Awaitable[NodeRuntime]],
    names: dict[str, str],
    make_node: Callable[..., Node],
) -> None:
    france = make_node("FR:CNAV", real_time=True, **names)
    germany = (await network("DE:DRV70001")).node
    record = await asyncio.to_thread(
        france.submit, example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001"
    )
    (dispatch,) = france.due()
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(names["exchange"])
        for _ in range(2):
            await exchange.publish(
                aio_pika.Message(
                    dispatch.body,
                    message_id=dispatch.message_id,
                    correlation_id=dispatch.case_id,
                    type=dispatch.document_type,
                    headers={"sender": dispatch.sender, "recipient": dispatch.recipient},
                ),
                routing_key=dispatch.routing_key,
            )
    await eventually(lambda: germany.metrics.duplicates._value.get() == 1, "the duplicate")
    assert [m.message_id for m in germany.store.inbox(after=0, limit=10)] == [record.message_id]


async def test_fenced_nodes_exchange_with_their_own_broker_users(
    make_node: Callable[..., Node], directory: Directory
) -> None:
    """Each node runs with a broker user that may configure nothing and read only its queue."""
    run = uuid.uuid4().hex[:8]
    vhost = f"ssgw-fenced-{run}"
    settings = TransportSettings()
    institutions = ("FR:CNAV", "DE:DRV70001")
    keys = {i: directory.institution(i).routing_key for i in institutions}
    passwords = {i: uuid.uuid4().hex for i in institutions}
    users = {keys[i]: (f"{run}.{keys[i]}", rabbit_password_hash(passwords[i])) for i in keys}
    today = dt.datetime.now(dt.UTC).date()
    addressable = {
        keys[i]: [keys[p] for p in directory.partners(i, today) if p in keys] for i in keys
    }
    document = broker_definitions(settings, users, addressable, vhost)
    with imported_definitions(document):
        runtimes = []
        try:
            for institution in institutions:
                amqp_url = (
                    f"amqp://{run}.{keys[institution]}:{passwords[institution]}"
                    f"@127.0.0.1:5672/{vhost}"
                )
                node = make_node(
                    institution, real_time=True, amqp_url=amqp_url, declare_topology=False
                )
                runtime = NodeRuntime(node)
                await runtime.start()
                runtimes.append(runtime)
            france, germany = (r.node for r in runtimes)
            record = await asyncio.to_thread(
                france.submit, example_bytes("InsurancePeriodsRequest"), recipient="DE:DRV70001"
            )
            france.kick()
            await eventually(
                lambda: status_of(france, record) is MessageStatus.DELIVERED, "fenced delivery"
            )
            assert len(germany.store.inbox(after=0, limit=10)) == 1
        finally:
            for runtime in runtimes:
                await runtime.stop()
