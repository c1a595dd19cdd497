"""The applicable-legislation flows at both ends: a certificate of coverage sent on its own
(US-DE), the host's objection within two months, and a determination confirmed as definitive.
The sending node refuses a step its case does not allow (nothing stored, nothing sent); the
receiving node refuses one that a faulty sender let through, with a signed rejection that
names the reason."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from gateway.cases import CoverageFlow, DeadlineStatus, notification_deadlines
from gateway.documents import validate_document
from gateway.errors import CaseStateError
from gateway.exchange import (
    MessageStatus,
    open_inbound,
    prepare_outbound,
    read_acknowledgement,
    sealing_certificate,
)
from gateway.node import Arrival, Node, Verdict
from gateway.security import seal
from gateway.store import MessageRecord
from support import Clock, deliver, example_bytes, relay

CV = "urn:ssgw:coverage:1"
TWO_MONTHS_AND_A_DAY = 63 * 24 * 3600


@pytest.fixture
def united_states(make_node: Callable[[str], Node]) -> Node:
    return make_node("US:SSAOIP")


@pytest.fixture
def germany(make_node: Callable[[str], Node]) -> Node:
    return make_node("DE:DRV70001")


def objection() -> bytes:
    """DE:DRV70001's objection (purpose ``objection``) to a detachment certified by the US."""
    root = etree.fromstring(example_bytes("v2/CoverageRefusal-exception"))
    purpose = etree.Element(f"{{{CV}}}Purpose")
    purpose.text = "objection"
    root.insert(0, purpose)
    values = {"Kind": "posting", "LegalBasisCode": "us-totalization-detached"}
    for name, value in values.items():
        element = root.find(f"{{{CV}}}{name}")
        assert element is not None
        element.text = value
    proposed = root.find(f"{{{CV}}}ProposedLegislation")
    assert proposed is not None
    proposed.text = "DE"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def certified(united_states: Node, germany: Node) -> MessageRecord:
    """US:SSAOIP sends its certificate of coverage to Germany on its own, in a case of its own;
    the certificate as Germany received it."""
    sent = united_states.submit(example_bytes("v2/CoverageCertificate-us"), recipient="DE:DRV70001")
    assert sent.case_type == "coverage"
    assert deliver(united_states, germany) == [Verdict.ACK]
    assert deliver(germany, united_states) == [Verdict.ACK]  # the receipt
    received = germany.store.received_message(sent.message_id)
    assert received is not None and received.status is not MessageStatus.REFUSED
    return received


def test_a_certificate_goes_on_its_own_and_the_host_objects_in_time(
    united_states: Node, germany: Node
) -> None:
    certificate = certified(united_states, germany)
    state = germany.cases.state(certificate.case_id)
    assert state is not None and state.flow is CoverageFlow.POSTING_NOTIFICATION
    sent = germany.submit(
        objection(),
        recipient="US:SSAOIP",
        case_id=certificate.case_id,
        in_reply_to=certificate.message_id,
    )
    assert deliver(germany, united_states) == [Verdict.ACK]
    seen = united_states.cases.state(certificate.case_id)
    assert seen is not None
    (deadline,) = notification_deadlines(seen, united_states.clock())
    assert deadline.status is DeadlineStatus.OBJECTED
    assert deadline.notification.objected_by == sent.message_id


def test_the_sender_refuses_an_objection_after_two_months(
    united_states: Node, germany: Node, clock: Clock
) -> None:
    certificate = certified(united_states, germany)
    clock.advance(TWO_MONTHS_AND_A_DAY)
    outbox = germany.store.outbox_depth()
    with pytest.raises(CaseStateError) as refused:
        germany.submit(
            objection(),
            recipient="US:SSAOIP",
            case_id=certificate.case_id,
            in_reply_to=certificate.message_id,
        )
    assert refused.value.reason == "case.objection-too-late"
    assert germany.store.outbox_depth() == outbox and germany.due() == []


def test_the_api_answers_a_late_objection_with_409_and_the_reason(
    api: Callable[[str], tuple[Node, TestClient, dict[str, str]]],
    united_states: Node,
    clock: Clock,
) -> None:
    germany, client, key = api("DE:DRV70001")
    certificate = certified(united_states, germany)
    clock.advance(TWO_MONTHS_AND_A_DAY)
    response = client.post(
        f"/api/v1/messages?recipient=US:SSAOIP&case_id={certificate.case_id}"
        f"&in_reply_to={certificate.message_id}",
        content=objection(),
        headers=key | {"Content-Type": "application/xml"},
    )
    assert response.status_code == 409, response.text
    assert response.json()["reason"] == "case.objection-too-late"


def _sealed_without_case_check(sender: Node, receiver: Node, certificate: MessageRecord) -> Arrival:
    """The objection, signed and sealed by Germany's keys past its own case check, as a faulty
    node would send it."""
    outbound = prepare_outbound(
        validate_document(objection()),
        credentials=sender.credentials,
        directory=sender.directory,
        recipient=receiver.institution,
        now=sender.clock(),
        case_id=certificate.case_id,
        in_reply_to=certificate.message_id,
    )
    sealed = seal(
        outbound.signed_envelope,
        sealing_certificate(receiver.directory, receiver.institution, sender.clock()),
    )
    header = outbound.header
    return Arrival(
        sealed, str(header.message_id), header.sender, header.recipient, str(header.case_id)
    )


def test_the_receiver_rejects_a_late_objection_with_a_signed_rejection(
    united_states: Node, germany: Node, clock: Clock
) -> None:
    certificate = certified(united_states, germany)
    clock.advance(TWO_MONTHS_AND_A_DAY)
    arrival = _sealed_without_case_check(germany, united_states, certificate)
    assert united_states.receive(arrival).verdict is Verdict.ACK
    refused = united_states.store.received_message(uuid.UUID(arrival.message_id))
    assert refused is not None and refused.status is MessageStatus.REFUSED
    assert refused.error_code == "case-state"
    assert "the objection period for the certificate-issue of message" in (
        refused.error_detail or ""
    )
    (dispatch,) = relay(united_states)
    assert (dispatch.document_type, dispatch.recipient) == ("Rejection", "DE:DRV70001")
    opened = open_inbound(
        dispatch.body,
        credentials=germany.credentials,
        directory=germany.directory,
        now=germany.clock(),
    )
    rejection = read_acknowledgement(opened.document.root)
    assert not rejection.accepted
    (reason,) = rejection.reasons
    assert reason.startswith("case-state ") and "objection" in reason


# --- A determination for work in two or more states (NL -> DE) --------------------------------


@pytest.fixture
def netherlands(make_node: Callable[[str], Node]) -> Node:
    return make_node("NL:SVB01")


def confirmation() -> bytes:
    """NL:SVB01's confirmation that its determination is definitive (an A012)."""
    root = etree.fromstring(example_bytes("v2/CoverageCertificate-multi-state"))
    purpose = root.find(f"{{{CV}}}Purpose")
    provisional = root.find(f"{{{CV}}}Provisional")
    assert purpose is not None and provisional is not None
    purpose.text = "definitive-determination"
    root.remove(provisional)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def disagreement() -> bytes:
    """DE:DRV70001's disagreement with the determination (an A004)."""
    root = etree.fromstring(objection())
    values = {
        "Purpose": "disagreement",
        "Kind": "multi-state-activity",
        "LegalBasisCode": "eu-13-3",
    }
    for name, value in values.items():
        element = root.find(f"{{{CV}}}{name}")
        assert element is not None
        element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def determined(netherlands: Node, germany: Node) -> MessageRecord:
    sent = netherlands.submit(
        example_bytes("v2/CoverageCertificate-multi-state"), recipient="DE:DRV70001"
    )
    assert deliver(netherlands, germany) == [Verdict.ACK]
    assert deliver(germany, netherlands) == [Verdict.ACK]
    return sent


def test_the_sender_refuses_a_confirmation_before_two_months_then_sends_it_after_a_disagreement(
    netherlands: Node, germany: Node
) -> None:
    sent = determined(netherlands, germany)
    case_id, answered = sent.case_id, sent.message_id
    with pytest.raises(CaseStateError) as refused:
        netherlands.submit(
            confirmation(), recipient="DE:DRV70001", case_id=case_id, in_reply_to=answered
        )
    assert refused.value.reason == "case.determination-provisional"
    assert netherlands.due() == []
    germany.submit(disagreement(), recipient="NL:SVB01", case_id=case_id, in_reply_to=answered)
    assert deliver(germany, netherlands) == [Verdict.ACK]
    final = netherlands.submit(
        confirmation(), recipient="DE:DRV70001", case_id=case_id, in_reply_to=answered
    )
    # The receipt of the disagreement goes with the confirmation.
    assert deliver(netherlands, germany) == [Verdict.ACK, Verdict.ACK]
    taken = germany.store.received_message(final.message_id)
    assert taken is not None and taken.status is not MessageStatus.REFUSED
    state = germany.cases.state(sent.case_id)
    assert state is not None and state.flow is CoverageFlow.MULTI_STATE
    (deadline,) = notification_deadlines(state, germany.clock())
    assert deadline.status is DeadlineStatus.DEFINITIVE


def test_the_receiver_rejects_a_confirmation_before_two_months(
    netherlands: Node, germany: Node
) -> None:
    sent = determined(netherlands, germany)
    outbound = prepare_outbound(
        validate_document(confirmation()),
        credentials=netherlands.credentials,
        directory=netherlands.directory,
        recipient="DE:DRV70001",
        now=netherlands.clock(),
        case_id=sent.case_id,
        in_reply_to=sent.message_id,
    )
    sealed = seal(
        outbound.signed_envelope,
        sealing_certificate(germany.directory, "DE:DRV70001", netherlands.clock()),
    )
    header = outbound.header
    arrival = Arrival(
        sealed, str(header.message_id), header.sender, header.recipient, str(header.case_id)
    )
    assert germany.receive(arrival).verdict is Verdict.ACK
    refused = germany.store.received_message(header.message_id)
    assert refused is not None and refused.status is MessageStatus.REFUSED
    assert refused.error_code == "case-state"
    assert "stays provisional until" in (refused.error_detail or "")
    (dispatch,) = relay(germany)
    assert (dispatch.document_type, dispatch.recipient) == ("Rejection", "NL:SVB01")
