"""The inbound path refuses what is not for this node, not fresh or not what the bus says."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from lxml import etree

from gateway.codes import InstitutionId
from gateway.directory import Directory
from gateway.documents import CaseType, build_envelope, read_header
from gateway.errors import (
    DecryptionFailed,
    HeaderMismatch,
    MessageExpired,
    NotPermitted,
    ValidationFailed,
    WrongRecipient,
)
from gateway.exchange import (
    BusHeaders,
    Credentials,
    OutboundMessage,
    open_inbound,
    prepare_outbound,
)
from gateway.security import KeyUse, seal, sign_enveloped
from support import example


@pytest.fixture
def request_message(
    directory: Directory, credentials: Callable[[str], Credentials], now: dt.datetime
) -> OutboundMessage:
    return prepare_outbound(
        example("InsurancePeriodsRequest"),
        credentials=credentials("FR:CNAV"),
        directory=directory,
        recipient="DE:DRV70001",
        now=now,
        time_to_live=dt.timedelta(hours=1),
    )


def test_a_message_sealed_for_another_institution_cannot_be_opened(
    request_message: OutboundMessage,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    now: dt.datetime,
) -> None:
    with pytest.raises(DecryptionFailed, match="not encrypted for this institution"):
        open_inbound(
            request_message.sealed,
            credentials=credentials("IN:EPFO"),
            directory=directory,
            now=now,
        )


def test_a_message_signed_for_another_recipient_is_refused(
    request_message: OutboundMessage,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    now: dt.datetime,
) -> None:
    # The signed header names DE:DRV70001, but someone re-seals it to IN:EPFO's key.
    resealed = seal(
        request_message.signed_envelope,
        directory.certificates(InstitutionId("IN:EPFO"), KeyUse.ENCRYPTION, now)[0],
    )
    with pytest.raises(WrongRecipient):
        open_inbound(resealed, credentials=credentials("IN:EPFO"), directory=directory, now=now)


@pytest.mark.parametrize("field", ["message_id", "sender", "recipient", "case_id", "document_type"])
def test_bus_headers_must_equal_the_signed_header(
    field: str,
    request_message: OutboundMessage,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    now: dt.datetime,
) -> None:
    honest = {
        "message_id": str(request_message.header.message_id),
        "sender": "FR:CNAV",
        "recipient": "DE:DRV70001",
        "case_id": str(request_message.header.case_id),
        "document_type": "InsurancePeriodsRequest",
    }
    open_inbound(
        request_message.sealed,
        credentials=credentials("DE:DRV70001"),
        directory=directory,
        now=now,
        bus=BusHeaders(**honest),
    )
    others = {
        "message_id": "00000000-0000-4000-8000-000000000000",
        "case_id": "00000000-0000-4000-8000-000000000000",
        "document_type": "BenefitClaim",
    }
    forged = honest | {field: others.get(field, "IN:EPFO")}
    with pytest.raises(HeaderMismatch):
        open_inbound(
            request_message.sealed,
            credentials=credentials("DE:DRV70001"),
            directory=directory,
            now=now,
            bus=BusHeaders(**forged),
        )


def test_an_expired_message_is_refused(
    request_message: OutboundMessage,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    now: dt.datetime,
) -> None:
    with pytest.raises(MessageExpired):
        open_inbound(
            request_message.sealed,
            credentials=credentials("DE:DRV70001"),
            directory=directory,
            now=now + dt.timedelta(hours=1, seconds=1),
        )


def test_a_message_from_the_future_is_refused(
    directory: Directory, credentials: Callable[[str], Credentials], now: dt.datetime
) -> None:
    outbound = prepare_outbound(
        example("InsurancePeriodsRequest"),
        credentials=credentials("FR:CNAV"),
        directory=directory,
        recipient="DE:DRV70001",
        now=now + dt.timedelta(minutes=30),
    )
    with pytest.raises(MessageExpired, match="future"):
        open_inbound(
            outbound.sealed, credentials=credentials("DE:DRV70001"), directory=directory, now=now
        )


def test_the_receiver_applies_the_policy_too(
    directory: Directory, credentials: Callable[[str], Credentials], now: dt.datetime
) -> None:
    # A sender that skips its own policy check: FR and IN have no agreement.
    sender = credentials("FR:CNAV")
    document = example("InsurancePeriodsRequest")
    outbound = prepare_outbound(
        document, credentials=sender, directory=directory, recipient="DE:DRV70001", now=now
    )
    forged_header = dataclasses.replace(outbound.header, recipient=InstitutionId("IN:EPFO"))
    signed = sign_enveloped(build_envelope(forged_header, document.root), sender.signing)
    sealed = seal(
        etree.tostring(signed),
        directory.certificates(InstitutionId("IN:EPFO"), KeyUse.ENCRYPTION, now)[0],
    )
    with pytest.raises(NotPermitted) as caught:
        open_inbound(sealed, credentials=credentials("IN:EPFO"), directory=directory, now=now)
    assert caught.value.reason == "no-agreement"


def test_the_sender_refuses_before_anything_is_made(
    directory: Directory, credentials: Callable[[str], Credentials], now: dt.datetime
) -> None:
    with pytest.raises(NotPermitted) as caught:
        prepare_outbound(
            example("InsurancePeriodsRequest"),
            credentials=credentials("FR:CNAV"),
            directory=directory,
            recipient="IN:EPFO",
            now=now,
        )
    assert caught.value.reason == "no-agreement"


def test_a_malformed_recipient_is_a_validation_error(
    directory: Directory, credentials: Callable[[str], Credentials], now: dt.datetime
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        prepare_outbound(
            example("InsurancePeriodsRequest"),
            credentials=credentials("FR:CNAV"),
            directory=directory,
            recipient="DE:DRV7\u0410001",  # a Cyrillic A
            now=now,
        )
    assert caught.value.issues[0].code == "request.recipient"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"case_type": CaseType.COVERAGE}, "request.case-type"),
        ({"document_version": 0}, "request.version"),
        ({"time_to_live": dt.timedelta(0)}, "request.time-to-live"),
    ],
)
def test_the_sender_refuses_a_header_the_receiver_would_refuse(
    changes: dict[str, object],
    code: str,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    now: dt.datetime,
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        prepare_outbound(
            example("InsurancePeriodsRequest"),
            credentials=credentials("FR:CNAV"),
            directory=directory,
            recipient="DE:DRV70001",
            now=now,
            **changes,  # type: ignore[arg-type]
        )
    assert caught.value.issues[0].code == code


def test_an_unrepresentable_header_time_is_a_validation_error(
    request_message: OutboundMessage,
) -> None:
    root = etree.fromstring(request_message.signed_envelope)
    created = root.find("{urn:ssgw:envelope:1}Header/{urn:ssgw:envelope:1}Created")
    assert created is not None
    created.text = "2026-11-25T24:00:00Z"
    with pytest.raises(ValidationFailed) as caught:
        read_header(root)
    assert caught.value.issues[0].code == "envelope.header-unreadable"
