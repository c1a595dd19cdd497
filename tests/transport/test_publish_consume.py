"""Publishing with confirms, consuming with manual acks, requeues and the dead-letter queue."""

from __future__ import annotations

import asyncio
import struct

import pytest
from pamqp.commands import Basic

from gateway.errors import MessageUnroutable, TransportError
from gateway.transport import (
    ORIGINAL_QUEUE_HEADER,
    ORIGINAL_ROUTING_KEY_HEADER,
    REASON_HEADER,
    BusMessage,
    IncomingDelivery,
    ReconnectingBus,
    TransportSettings,
)
from transport.bus_testing import (
    HOME,
    OTHER,
    Broker,
    ack,
    message,
    publish_bare,
    recording,
    unique,
    with_settings,
)

UNBOUND = "zz.nobody"


@pytest.mark.parametrize(
    "headers", [{"sender": "X"}, {"recipient": "X"}, {"x-ssgw-reason": "forged"}, {"X-Death": "1"}]
)
def test_reserved_headers_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="reserved"):
        BusMessage(b"", "m", "c", "t", "A:B", "C:D", HOME, headers)


def test_a_message_needs_an_id_and_both_parties() -> None:
    with pytest.raises(ValueError, match="message_id"):
        BusMessage(b"", "", "c", "t", "A:B", "C:D", HOME)
    with pytest.raises(ValueError, match="recipient"):
        BusMessage(b"", "m", "c", "t", "A:B", "", HOME)


@pytest.mark.broker
@pytest.mark.asyncio
async def test_published_message_is_consumed_with_all_fields_then_acked(
    settings: TransportSettings, broker: Broker, bus: ReconnectingBus
) -> None:
    sent = message(HOME)
    await bus.publisher.publish(sent)
    received, handler = recording(ack)
    consumer = await bus.consume(HOME, handler)

    [got] = await received.wait_for(1)
    assert (got.body, got.message_id, got.correlation_id, got.type) == (
        sent.body,
        sent.message_id,
        sent.correlation_id,
        sent.type,
    )
    assert (got.sender, got.recipient, got.routing_key) == (
        sent.sender,
        sent.recipient,
        sent.routing_key,
    )
    assert dict(got.headers) == {"schema-version": "1"}
    assert (got.content_type, got.app_id, got.queue) == (
        "application/jose",
        "ssgw",
        settings.queue_name(HOME),
    )
    assert got.timestamp is not None
    assert not got.redelivered
    assert got.delivery_count == 0
    assert got.deaths == ()
    assert got.settled

    await consumer.stop()
    assert await broker.message_count(settings.queue_name(HOME)) == 0


@pytest.mark.broker
@pytest.mark.asyncio
async def test_unroutable_message_raises_and_names_the_routing_key(bus: ReconnectingBus) -> None:
    with pytest.raises(MessageUnroutable, match=UNBOUND) as raised:
        await bus.publisher.publish(message(UNBOUND))
    assert raised.value.routing_key == UNBOUND
    # The channel stays usable after a returned message.
    await bus.publisher.publish(message(HOME))


@pytest.mark.broker
@pytest.mark.asyncio
async def test_publish_many_reports_each_outcome_in_order(
    settings: TransportSettings, broker: Broker, bus: ReconnectingBus
) -> None:
    keys = [HOME, OTHER, UNBOUND, HOME, UNBOUND] + [HOME] * 300
    outcomes = await asyncio.wait_for(
        bus.publisher.publish_many([message(key) for key in keys]), timeout=30
    )

    assert len(outcomes) == len(keys)
    for key, outcome in zip(keys, outcomes, strict=True):
        if key == UNBOUND:
            assert isinstance(outcome, MessageUnroutable)
            assert outcome.routing_key == UNBOUND
        else:
            assert outcome is None
    assert await broker.message_count(settings.queue_name(HOME)) == keys.count(HOME)
    assert await broker.message_count(settings.queue_name(OTHER)) == 1


@pytest.mark.broker
@pytest.mark.asyncio
async def test_publish_many_refuses_a_repeated_message_id(bus: ReconnectingBus) -> None:
    with pytest.raises(ValueError, match="repeat"):
        await bus.publisher.publish_many([message(message_id="x"), message(message_id="x")])


@pytest.mark.broker
@pytest.mark.asyncio
async def test_reject_to_dead_letter_keeps_the_reason_and_original_properties(
    settings: TransportSettings, broker: Broker, bus: ReconnectingBus
) -> None:
    sent = message(HOME)
    await bus.publisher.publish(sent)

    async def refuse(delivery: IncomingDelivery) -> None:
        await delivery.reject_to_dead_letter("signature-invalid: no valid signature by FR:CNAV")

    received, handler = recording(refuse)
    consumer = await bus.consume(HOME, handler)
    [got] = await received.wait_for(1)
    assert got.settled

    dead = await broker.get(settings.dead_letter_queue)
    assert dead.body == sent.body
    assert dead.message_id == sent.message_id
    assert dead.correlation_id == sent.correlation_id
    assert dead.type == sent.type
    assert dead.content_type == "application/jose"
    assert dead.delivery_mode == 2
    assert dead.headers[REASON_HEADER] == "signature-invalid: no valid signature by FR:CNAV"
    assert dead.headers[ORIGINAL_QUEUE_HEADER] == settings.queue_name(HOME)
    assert dead.headers[ORIGINAL_ROUTING_KEY_HEADER] == HOME
    assert (dead.headers["sender"], dead.headers["recipient"]) == (sent.sender, sent.recipient)
    await consumer.stop()
    assert await broker.message_count(settings.queue_name(HOME)) == 0


@pytest.mark.broker
@pytest.mark.asyncio
async def test_a_delivery_is_settled_only_once(bus: ReconnectingBus) -> None:
    await bus.publisher.publish(message(HOME))
    second: list[BaseException] = []

    async def twice(delivery: IncomingDelivery) -> None:
        await delivery.ack()
        try:
            await delivery.reject_to_dead_letter("late")
        except RuntimeError as exc:
            second.append(exc)

    received, handler = recording(twice)
    consumer = await bus.consume(HOME, handler)
    await received.wait_for(1)
    await consumer.stop()
    assert len(second) == 1


@pytest.mark.broker
@pytest.mark.asyncio
async def test_handler_failure_requeues_after_a_pause_and_the_message_comes_back(
    bus: ReconnectingBus,
) -> None:
    sent = message(HOME)
    await bus.publisher.publish(sent)

    async def fail_first(delivery: IncomingDelivery) -> None:
        if not delivery.redelivered:
            raise ConnectionError("database down")
        await delivery.ack()

    received, handler = recording(fail_first)
    consumer = await bus.consume(HOME, handler)
    first, second = await received.wait_for(2)
    await consumer.stop()

    assert first.message_id == second.message_id == sent.message_id
    assert (first.redelivered, second.redelivered) == (False, True)
    assert second.delivery_count == 1
    assert second.settled


@pytest.mark.broker
@pytest.mark.asyncio
async def test_a_handler_that_does_not_settle_gets_the_message_again(bus: ReconnectingBus) -> None:
    await bus.publisher.publish(message(HOME))

    async def forget_first(delivery: IncomingDelivery) -> None:
        if delivery.redelivered:
            await delivery.ack()

    received, handler = recording(forget_first)
    consumer = await bus.consume(HOME, handler)
    first, second = await received.wait_for(2)
    await consumer.stop()
    # The consumer requeued the first delivery itself.
    assert not first.redelivered and first.settled
    assert second.redelivered and second.settled


@pytest.mark.broker
@pytest.mark.asyncio
async def test_a_poison_message_is_dead_lettered_by_the_delivery_limit(
    settings: TransportSettings, broker: Broker
) -> None:
    limited = with_settings(settings, delivery_limit=2, requeue_delay=0.05)
    bus = ReconnectingBus(limited, [HOME], connection_name=f"test-bus-{unique()}")
    await bus.start()
    try:
        sent = message(HOME)
        await bus.publisher.publish(sent)

        async def always_fail(delivery: IncomingDelivery) -> None:
            raise RuntimeError("poison")

        received, handler = recording(always_fail)
        await bus.consume(HOME, handler)
        dead = await broker.get(settings.dead_letter_queue)
        assert dead.message_id == sent.message_id
        deaths = dead.headers["x-death"]
        assert isinstance(deaths, list)
        [death] = deaths
        assert isinstance(death, dict)
        assert death["reason"] == "delivery_limit"
        assert death["queue"] == settings.queue_name(HOME)
        assert len(received.deliveries) == 3
    finally:
        await bus.close()


@pytest.mark.broker
@pytest.mark.asyncio
async def test_missing_properties_reach_the_handler_as_empty_strings(
    settings: TransportSettings, broker: Broker, bus: ReconnectingBus
) -> None:
    queue = settings.queue_name(HOME)
    await publish_bare(settings.amqp_url, queue, b"not a JWE")
    odd_headers = {"sender": 42, "recipient": bytearray(b"\xff\xfe"), "x-delivery-count": "many"}
    await publish_bare(
        settings.amqp_url,
        queue,
        b"odd",
        Basic.Properties(message_id="odd-1", headers=odd_headers),  # type: ignore[arg-type]
    )

    async def refuse(delivery: IncomingDelivery) -> None:
        await delivery.reject_to_dead_letter("envelope.bus-headers: missing or malformed")

    received, handler = recording(refuse)
    consumer = await bus.consume(HOME, handler)
    bare, odd = sorted(
        await received.wait_for(2), key=lambda delivery: delivery.body != b"not a JWE"
    )
    await consumer.stop()

    assert bare.body == b"not a JWE"
    assert (bare.message_id, bare.correlation_id, bare.type) == ("", "", "")
    assert (bare.sender, bare.recipient, bare.content_type, bare.app_id) == ("", "", "", "")
    assert bare.routing_key == queue
    assert bare.timestamp is None
    assert dict(bare.headers) == {}
    assert (odd.message_id, odd.sender, odd.recipient, odd.delivery_count) == ("odd-1", "", "", 0)
    for _ in range(2):
        dead = await broker.get(settings.dead_letter_queue)
        assert dead.headers[REASON_HEADER] == "envelope.bus-headers: missing or malformed"


@pytest.mark.broker
@pytest.mark.asyncio
async def test_stop_returns_unsettled_deliveries_to_the_queue(
    settings: TransportSettings, broker: Broker, bus: ReconnectingBus
) -> None:
    await bus.publisher.publish(message(HOME))
    started = asyncio.Event()

    async def slow(delivery: IncomingDelivery) -> None:
        started.set()
        await asyncio.sleep(60)

    consumer = await bus.consume(HOME, slow)
    await asyncio.wait_for(started.wait(), timeout=10)
    await asyncio.wait_for(consumer.stop(drain_timeout=0.1), timeout=10)
    got = await broker.get(settings.queue_name(HOME))
    assert got.redelivered


@pytest.mark.broker
@pytest.mark.asyncio
async def test_consuming_a_missing_queue_is_a_transport_error(bus: ReconnectingBus) -> None:
    with pytest.raises(TransportError, match=r"zz\.missing"):
        await bus.consume("zz.missing", ack)


def _long_string(name: bytes, value: bytes) -> bytes:
    return bytes([len(name)]) + name + b"S" + struct.pack(">I", len(value)) + value


@pytest.mark.broker
@pytest.mark.asyncio
async def test_text_that_is_not_utf8_does_not_break_the_connection(
    settings: TransportSettings, broker: Broker, bus: ReconnectingBus
) -> None:
    # Unpatched, pamqp raises on a short string that is not UTF-8 inside aiormq's reader, which
    # drops the connection and, after each reconnection, drops it again.
    table = (
        _long_string(b"\xffkey", b"v")
        + _long_string(b"sender", b"\xff\xfe")
        + _long_string(b"recipient", b"DE:DRV70001")
    )
    headers_flag, message_id_flag = 1 << 13, 1 << 7
    encoded = struct.pack(">I", len(table)) + table + bytes([2]) + b"\xff\xfe"
    await publish_bare(
        settings.amqp_url,
        settings.queue_name(HOME),
        b"bad",
        raw_properties=(headers_flag | message_id_flag, encoded),
    )
    good = message(HOME)
    await bus.publisher.publish(good)

    async def settle(delivery: IncomingDelivery) -> None:
        if delivery.message_id:
            await delivery.ack()
        else:
            await delivery.reject_to_dead_letter("envelope.bus-headers: not UTF-8")

    received, handler = recording(settle)
    consumer = await bus.consume(HOME, handler)
    # Handlers run concurrently: sort by body, the bad one first.
    bad, ok = sorted(await received.wait_for(2), key=lambda delivery: delivery.body != b"bad")
    await asyncio.sleep(0.5)
    await consumer.stop()

    assert (bad.body, bad.message_id, bad.sender, bad.recipient) == (b"bad", "", "", "DE:DRV70001")
    assert (ok.message_id, ok.redelivered) == (good.message_id, False)
    assert len(received.deliveries) == 2
    dead = await broker.get(settings.dead_letter_queue)
    assert dead.body == b"bad"
    assert dead.headers[REASON_HEADER] == "envelope.bus-headers: not UTF-8"
