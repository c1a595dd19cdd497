"""The posting limit at both ends: the sending node refuses to send a certificate of a posting
longer than the agreement allows, and the receiving node refuses to take one in, answering
with a signed rejection that names the reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from lxml import etree
from posting_certificates import us_certificate, us_request, validated

from gateway.directory import Directory
from gateway.documents import build_envelope
from gateway.errors import NotPermitted
from gateway.exchange import (
    MessageStatus,
    open_inbound,
    prepare_outbound,
    read_acknowledgement,
    sealing_certificate,
)
from gateway.node import Arrival, Node, Verdict
from gateway.security import seal, sign_enveloped
from gateway.store import MessageRecord
from support import deliver, relay

D = dt.date
#: 60 months under US-DE: what the directory allows.
WITHIN = (D(2026, 9, 1), D(2031, 8, 31))
#: 61 months: one more than US-DE allows.
BEYOND = (D(2026, 9, 1), D(2031, 9, 30))
REFUSED_DETAIL = "a posting of 61 months exceeds the 60 months of agreement US-DE"


@pytest.fixture
def united_states(make_node: Callable[[str], Node]) -> Node:
    return make_node("US:SSAOIP")


@pytest.fixture
def germany(make_node: Callable[[str], Node]) -> Node:
    return make_node("DE:DRV70001")


def requested(germany: Node, united_states: Node) -> MessageRecord:
    """Germany asks the United States to certify 61 months (a request only asks, so it goes);
    the request as the United States received it, which the certificate answers."""
    sent = germany.submit(us_request(*BEYOND), recipient="US:SSAOIP")
    assert deliver(germany, united_states) == [Verdict.ACK]
    assert deliver(united_states, germany) == [Verdict.ACK]  # the receipt
    received = united_states.store.received_message(sent.message_id)
    assert received is not None
    return received


def without_posting_limits(directory: Directory) -> Directory:
    """The directory as a snapshot that lists no agreement's posting limit would have it."""
    return dataclasses.replace(
        directory,
        agreements=tuple(
            dataclasses.replace(agreement, posting_limit_months=None)
            for agreement in directory.agreements
        ),
    )


def test_the_sender_refuses_a_certificate_beyond_the_limit(
    united_states: Node, germany: Node
) -> None:
    request = requested(germany, united_states)

    def answer(certificate: bytes) -> MessageRecord:
        return united_states.submit(
            certificate,
            recipient="DE:DRV70001",
            case_id=request.case_id,
            in_reply_to=request.message_id,
        )

    with pytest.raises(NotPermitted) as refused:
        answer(us_certificate(*BEYOND))
    assert refused.value.reason == "posting-limit-exceeded"
    assert refused.value.detail == REFUSED_DETAIL
    assert united_states.due() == [] and united_states.store.outbox_depth() == 0
    # Within the limit the same certificate goes.
    record = answer(us_certificate(*WITHIN))
    assert record.status is MessageStatus.ACCEPTED
    assert deliver(united_states, germany) == [Verdict.ACK]
    (taken,) = germany.store.inbox(after=0, limit=10)
    assert taken.document_type == "CoverageCertificate"


def test_the_api_answers_a_refused_send_with_403_and_the_reason(
    api: Callable[[str], tuple[Node, TestClient, dict[str, str]]],
) -> None:
    node, client, key = api("US:SSAOIP")
    response = client.post(
        "/api/v1/messages?recipient=DE:DRV70001",
        content=us_certificate(*BEYOND),
        headers=key | {"Content-Type": "application/xml"},
    )
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["code"], body["reason"], body["detail"]) == (
        "not-permitted",
        "posting-limit-exceeded",
        REFUSED_DETAIL,
    )
    assert node.due() == []


def _sealed_past_the_sender_checks(
    sender: Node, receiver: Node, request: MessageRecord, document: bytes
) -> Arrival:
    """A certificate answering ``request``, signed and sealed by the sender's keys without its
    policy, as a faulty sender would: the header is made for a certificate within the limit."""
    outbound = prepare_outbound(
        validated(us_certificate(*WITHIN)),
        credentials=sender.credentials,
        directory=sender.directory,
        recipient=receiver.institution,
        now=sender.clock(),
        case_id=request.case_id,
        in_reply_to=request.message_id,
    )
    body = etree.fromstring(document)
    signed = sign_enveloped(build_envelope(outbound.header, body), sender.credentials.signing)
    sealed = seal(
        etree.tostring(signed),
        sealing_certificate(receiver.directory, receiver.institution, sender.clock()),
    )
    header = outbound.header
    return Arrival(
        sealed, str(header.message_id), header.sender, header.recipient, str(header.case_id)
    )


def test_the_receiver_rejects_a_certificate_beyond_the_limit_with_a_signed_rejection(
    united_states: Node, germany: Node
) -> None:
    request = requested(germany, united_states)
    arrival = _sealed_past_the_sender_checks(
        united_states, germany, request, us_certificate(*BEYOND)
    )
    assert germany.receive(arrival).verdict is Verdict.ACK
    assert germany.store.inbox(after=0, limit=10) == []
    refused = germany.store.received_message(uuid.UUID(arrival.message_id))
    assert refused is not None and refused.status is MessageStatus.REFUSED
    assert refused.error_code == "posting-limit-exceeded"
    assert refused.error_detail == REFUSED_DETAIL
    (dispatch,) = relay(germany)
    assert (dispatch.document_type, dispatch.recipient) == ("Rejection", "US:SSAOIP")
    # What the sender reads: a signed rejection, valid against technical.xsd, with the code.
    opened = open_inbound(
        dispatch.body,
        credentials=united_states.credentials,
        directory=united_states.directory,
        now=united_states.clock(),
    )
    rejection = read_acknowledgement(opened.document.root)
    assert rejection.message_id == uuid.UUID(arrival.message_id) and not rejection.accepted
    assert rejection.reasons == (f"posting-limit-exceeded {REFUSED_DETAIL}",)


def test_a_sender_on_a_directory_without_the_limit_gets_its_certificate_rejected(
    united_states: Node, germany: Node, directory: Directory
) -> None:
    request = requested(germany, united_states)
    united_states.directory = without_posting_limits(directory)
    record = united_states.submit(
        us_certificate(*BEYOND),
        recipient="DE:DRV70001",
        case_id=request.case_id,
        in_reply_to=request.message_id,
    )
    assert deliver(united_states, germany) == [Verdict.ACK]
    assert germany.store.inbox(after=0, limit=10) == []
    assert deliver(germany, united_states) == [Verdict.ACK]
    rejected = united_states.store.message(record.id or 0)
    assert rejected is not None and rejected.status is MessageStatus.REJECTED
    assert rejected.error_detail == f"posting-limit-exceeded {REFUSED_DETAIL}"
