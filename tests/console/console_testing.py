"""What the console tests share: a node with messages in every state, and logging in."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.testclient import TestClient
from lxml import etree

from gateway.documents import build_envelope
from gateway.exchange import Direction, MessageStatus, prepare_outbound, sealing_certificate
from gateway.node import Arrival, Node
from gateway.security import seal, sign_enveloped
from gateway.store import CaseRecord, MessageRecord
from support import Clock, arrival, deliver, example, example_bytes, relay

PASSWORD = "a long enough test password"
#: A value of the example documents that is personal data: the person's birth date.
BIRTH_DATE = "1961-03-14"
#: The invalid birth date of the refused message; the schema checker quotes it.
FORGED_BIRTH_DATE = "19X1-03-14"


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@dataclass(frozen=True)
class Scenario:
    """The console node (France) and what it holds, by state."""

    node: Node
    germany: Node
    delivered: MessageRecord
    received: MessageRecord
    failed: MessageRecord
    rejected: MessageRecord
    refused: MessageRecord
    case_id: uuid.UUID

    def record(self, record: MessageRecord) -> MessageRecord:
        assert record.id is not None
        found = self.node.store.message(record.id)
        assert found is not None
        return found


def _forged(sender: Node, receiver: Node) -> tuple[bytes, str]:
    """An authentic message whose document breaks its schema, quoting a personal value."""
    document = example("InsurancePeriodsRequest").root
    for element in document.iter("{urn:ssgw:common:1}BirthDate"):
        element.text = FORGED_BIRTH_DATE
    outbound = prepare_outbound(
        example("InsurancePeriodsRequest"),
        credentials=sender.credentials,
        directory=sender.directory,
        recipient=receiver.institution,
        now=sender.clock(),
    )
    header = dataclasses.replace(outbound.header, message_id=uuid.uuid4())
    signed = sign_enveloped(build_envelope(header, document), sender.credentials.signing)
    return seal(
        etree.tostring(signed),
        sealing_certificate(receiver.directory, receiver.institution, receiver.clock()),
    ), str(header.message_id)


def _sent(node: Node, record: MessageRecord) -> MessageRecord:
    found = node.store.sent_message(record.message_id)
    assert found is not None
    return found


Login = Callable[[str], TestClient]


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/console/login")
    assert page.status_code == 200, page.text
    response = client.post(
        "/console/login",
        data={"name": name, "password": password, "csrf": csrf_of(page.text), "next": ""},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def build_scenario(make_node: Callable[..., Node], clock: Clock) -> Scenario:
    """France, the console node, with a message in each state; Germany, its partner."""
    france = make_node("FR:CNAV", max_attempts=1)
    germany = make_node("DE:DRV70001")
    request = example_bytes("InsurancePeriodsRequest")

    # Rejected: it reaches Germany after it expired, and Germany answers with a rejection.
    rejected = france.submit(request, recipient="DE:DRV70001")
    (late,) = relay(france)
    clock.advance(france.settings.message_time_to_live_hours * 3600 + 1)
    germany.receive(arrival(late))
    deliver(germany, france)

    # Delivered and answered: a request, its receipt, the reply and this node's receipt.
    delivered = france.submit(request, recipient="DE:DRV70001")
    clock.advance(2)
    deliver(france, germany)
    clock.advance(3)
    deliver(germany, france)
    clock.advance(60)
    reply = germany.submit(
        example_bytes("InsurancePeriodsReply"),
        recipient="FR:CNAV",
        case_id=delivered.case_id,
        in_reply_to=delivered.message_id,
    )
    deliver(germany, france)
    received = france.store.received_message(reply.message_id)
    assert received is not None
    clock.advance(1)
    deliver(france, germany)

    # Failed: sent once, never receipted, and this node makes one attempt only.
    failed = france.submit(request, recipient="DE:DRV70001")
    relay(france)
    clock.advance(france.settings.receipt_timeout_seconds + 1)
    assert france.due() == []

    # Refused: an authentic message whose document is invalid.
    body, message_id = _forged(germany, france)
    france.receive(Arrival(body, message_id, "DE:DRV70001", "FR:CNAV"))
    refused = france.store.received_message(uuid.UUID(message_id))
    assert refused is not None

    # A dead letter: bytes nobody can authenticate.
    france.receive(Arrival(b"not a sealed message", str(uuid.uuid4()), "DE:DRV70001", "FR:CNAV"))
    clock.advance(5)

    found = Scenario(
        node=france,
        germany=germany,
        delivered=_sent(france, delivered),
        received=received,
        failed=_sent(france, failed),
        rejected=_sent(france, rejected),
        refused=refused,
        case_id=delivered.case_id,
    )
    assert found.delivered.status is MessageStatus.DELIVERED
    assert found.received.status is MessageStatus.RECEIVED
    assert found.failed.status is MessageStatus.FAILED
    assert found.rejected.status is MessageStatus.REJECTED
    assert found.refused.status is MessageStatus.REFUSED
    assert found.refused.direction is Direction.IN
    return found


#: Values of the example periods reply that identify the person (names, a PIN, the town).
PERSONAL_VALUES = ("Müller", "Jürgen", "65140361M017", "Lüdenscheid", BIRTH_DATE)


def protect(node: Node, case_id: uuid.UUID) -> None:
    """Mark a case as concerning a protected person, as the flag of its first message would."""
    with node.store.writing() as session:
        case = session.get(CaseRecord, case_id)
        assert case is not None
        case.protected_person = True
