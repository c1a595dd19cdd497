"""The agreement's terms at both ends: the sending node refuses to send what the agreement
forbids (403 with the reason, nothing stored), and the receiving node refuses what a sender on
another directory let through, with a signed rejection carrying the reason code.

Under IN-DE (the sample directory) India covers employed persons only, and a posting of 48
months may be extended by 12 when both institutions agree; US-DE contains equality of
treatment. The directory here lists 2.0 for IN:EPFO, so that its certificate can state the
extension (``ExtensionAgreed``, a 2.0 element) and the worker's status.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from lxml import etree

from gateway.codes import InstitutionId, Principle
from gateway.directory import Directory
from gateway.documents import SCHEMA_DIR
from gateway.errors import NotPermitted
from gateway.exchange import MessageStatus, open_inbound, read_acknowledgement
from gateway.node import Node, Verdict
from support import arrival, deliver, example_bytes, relay

_CV = "{urn:ssgw:coverage:1}"
_CL = "{urn:ssgw:claims:1}"
D = dt.date
#: 60 months: beyond IN-DE's 48, within the 12 months' extension.
EXTENDED = (D(2026, 9, 1), D(2031, 8, 31))
#: 61 months: beyond the limit and the extension.
BEYOND_EXTENSION = (D(2026, 9, 1), D(2031, 9, 30))
UNEXTENDED = (
    "a posting of 60 months exceeds the 48 months of agreement IN-DE, which both institutions "
    "may extend by up to 12 months: no such extension is agreed"
)
SELF_EMPLOYED = (
    "a person who is self-employed is outside the personal scope of IN-DE for IN, which covers "
    "persons who are employed only"
)
UNEQUAL = (
    "US-DE contains equality of treatment: a benefit may not be refused on the person's "
    "nationality alone"
)


def _with_epfo_on_2_0(directory: Directory) -> Directory:
    institutions = dict(directory.institutions)
    epfo = InstitutionId("IN:EPFO")
    institutions[epfo] = dataclasses.replace(
        institutions[epfo], schema_versions=frozenset({"1.0", "2.0"})
    )
    return dataclasses.replace(directory, institutions=institutions)


def _without_terms(directory: Directory) -> Directory:
    """A snapshot that knows no term of an agreement beyond its principles and branches, as a
    faulty or outdated sender's directory would."""
    return dataclasses.replace(
        directory,
        agreements=tuple(
            dataclasses.replace(
                agreement,
                terms={},
                posting_limit_months=None,
                principles=agreement.principles - {Principle.EQUALITY_OF_TREATMENT},
            )
            for agreement in directory.agreements
        ),
    )


@pytest.fixture
def india(make_node: Callable[[str], Node], directory: Directory) -> Node:
    node = make_node("IN:EPFO")
    node.directory = _with_epfo_on_2_0(directory)
    return node


@pytest.fixture
def germany(make_node: Callable[[str], Node], directory: Directory) -> Node:
    node = make_node("DE:DRV70001")
    node.directory = _with_epfo_on_2_0(directory)
    return node


@pytest.fixture
def united_states(make_node: Callable[[str], Node]) -> Node:
    return make_node("US:SSAOIP")


@dataclass(frozen=True, slots=True)
class Reply:
    """The case a document is sent in and the message it answers (none: a case of its own)."""

    case_id: uuid.UUID | None = None
    in_reply_to: uuid.UUID | None = None


def _child(parent: etree._Element, name: str) -> etree._Element:
    found = parent.find(name)
    assert found is not None, name
    return found


def indian_certificate(
    period: tuple[dt.date, dt.date], *, status: str = "employed", extended: bool = False
) -> bytes:
    """IN:EPFO's certificate that Indian legislation keeps covering a worker detached to
    Germany for ``period`` (made from the US example), stating ``status`` and, when
    ``extended``, the extension both institutions agreed."""
    path = SCHEMA_DIR / "examples" / "v2" / "CoverageCertificate-us.xml"
    root = etree.parse(str(path)).getroot()
    _child(_child(root, f"{_CV}Worker"), "{urn:ssgw:common:1}Nationality").text = "IN"
    _child(root, f"{_CV}WorkerStatus").text = status
    _child(root, f"{_CV}ApplicableLegislation").text = "IN"
    _child(root, f"{_CV}IssuingInstitution").text = "IN:EPFO"
    root.remove(_child(root, f"{_CV}CertificateNumber"))
    root.remove(_child(root, f"{_CV}LegalBasisCode"))
    _child(root, f"{_CV}LegalBasis").text = "Agreement between India and Germany, detached workers"
    for name in ("Period", "RequestedPeriod"):
        element = _child(root, f"{_CV}{name}")
        _child(element, "{urn:ssgw:common:1}Start").text = period[0].isoformat()
        _child(element, "{urn:ssgw:common:1}End").text = period[1].isoformat()
    if extended:
        extension = etree.Element(f"{_CV}ExtensionAgreed")
        etree.SubElement(extension, f"{_CV}AgreedOn").text = "2026-08-01"
        _child(root, f"{_CV}RequestedPeriod").addnext(extension)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def _refused_at_the_sender(
    node: Node, document: bytes, recipient: str, reply: Reply = Reply()
) -> str:
    """The reason the sender gives, as 'code detail'; it has stored and queued nothing."""
    outbox = node.store.outbox_depth()
    with pytest.raises(NotPermitted) as refused:
        node.submit(
            document, recipient=recipient, case_id=reply.case_id, in_reply_to=reply.in_reply_to
        )
    assert node.due() == [] and node.store.outbox_depth() == outbox
    return f"{refused.value.reason} {refused.value.detail}"


def _rejected_by_the_receiver(
    sender: Node, receiver: Node, document: bytes, reply: Reply = Reply()
) -> str:
    """Sent by ``sender`` on a directory without the agreement's terms: the reason of the
    signed rejection the sender reads from ``receiver``, as 'code detail'. The receiver stored
    the message as refused and delivered nothing to its back-office."""
    directory = sender.directory
    sender.directory = _without_terms(directory)
    record = sender.submit(
        document,
        recipient=receiver.institution,
        case_id=reply.case_id,
        in_reply_to=reply.in_reply_to,
    )
    sender.directory = directory
    inbox = receiver.store.inbox(after=0, limit=100)
    (dispatch,) = relay(sender)
    assert receiver.receive(arrival(dispatch)).verdict is Verdict.ACK
    refused = receiver.store.received_message(record.message_id)
    assert refused is not None and refused.status is MessageStatus.REFUSED
    assert receiver.store.inbox(after=0, limit=100) == inbox
    (rejection_dispatch,) = relay(receiver)
    assert rejection_dispatch.document_type == "Rejection"
    opened = open_inbound(
        rejection_dispatch.body,
        credentials=sender.credentials,
        directory=sender.directory,
        now=sender.clock(),
    )
    rejection = read_acknowledgement(opened.document.root)
    assert rejection.message_id == record.message_id and not rejection.accepted
    (reason,) = rejection.reasons
    assert reason == f"{refused.error_code} {refused.error_detail}"
    return reason


# --- Posting extension (IN-DE: 48 months, extendable by 12) ---------------------------------


def test_an_agreed_extension_goes_and_is_taken_in(india: Node, germany: Node) -> None:
    record = india.submit(indian_certificate(EXTENDED, extended=True), recipient="DE:DRV70001")
    assert record.status is MessageStatus.ACCEPTED
    assert deliver(india, germany) == [Verdict.ACK]
    (taken,) = germany.store.inbox(after=0, limit=10)
    assert taken.message_id == record.message_id


def test_the_sender_refuses_a_posting_beyond_the_limit_without_the_extension(
    india: Node,
) -> None:
    reason = _refused_at_the_sender(india, indian_certificate(EXTENDED), "DE:DRV70001")
    assert reason == f"posting-limit-exceeded {UNEXTENDED}"


def test_the_sender_refuses_a_posting_beyond_the_extension_even_agreed(india: Node) -> None:
    certificate = indian_certificate(BEYOND_EXTENSION, extended=True)
    reason = _refused_at_the_sender(india, certificate, "DE:DRV70001")
    assert reason.startswith("posting-limit-exceeded a posting of 61 months exceeds")


def test_the_receiver_rejects_a_posting_beyond_the_limit_without_the_extension(
    india: Node, germany: Node
) -> None:
    reason = _rejected_by_the_receiver(india, germany, indian_certificate(EXTENDED))
    assert reason == f"posting-limit-exceeded {UNEXTENDED}"


# --- Personal scope (IN-DE: India covers employed persons only) ------------------------------


def test_the_sender_refuses_a_person_outside_the_personal_scope(india: Node) -> None:
    certificate = indian_certificate(EXTENDED, status="self-employed", extended=True)
    reason = _refused_at_the_sender(india, certificate, "DE:DRV70001")
    assert reason == f"outside-personal-scope {SELF_EMPLOYED}"


def test_the_api_answers_a_person_outside_the_personal_scope_with_403(
    api: Callable[[str], tuple[Node, TestClient, dict[str, str]]], directory: Directory
) -> None:
    node, client, key = api("IN:EPFO")
    node.directory = _with_epfo_on_2_0(directory)
    response = client.post(
        "/api/v1/messages?recipient=DE:DRV70001",
        content=indian_certificate(EXTENDED, status="self-employed", extended=True),
        headers=key | {"Content-Type": "application/xml"},
    )
    assert response.status_code == 403, response.text
    body = response.json()
    assert (body["code"], body["reason"], body["detail"]) == (
        "not-permitted",
        "outside-personal-scope",
        SELF_EMPLOYED,
    )
    assert node.due() == []


def test_the_receiver_rejects_a_person_outside_the_personal_scope(
    india: Node, germany: Node
) -> None:
    certificate = indian_certificate(EXTENDED, status="self-employed", extended=True)
    reason = _rejected_by_the_receiver(india, germany, certificate)
    assert reason == f"outside-personal-scope {SELF_EMPLOYED}"


# --- Equality of treatment (US-DE) ------------------------------------------------------------


def refused_on_nationality() -> bytes:
    """DE:DRV70001's 2.0 decision refusing an invalidity pension on nationality alone."""
    root = etree.fromstring(example_bytes("BenefitDecision-refused"))
    root.set("schemaVersion", "2.0")
    reason = _child(root, f"{_CL}Reason")
    _child(reason, f"{_CL}Code").text = "nationality"
    _child(reason, f"{_CL}Text").text = "The pension is paid to German nationals only."
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True)


def claimed(united_states: Node, germany: Node) -> Reply:
    """US:SSAOIP sends Germany a claim, which Germany acknowledges: the case and the claim
    a decision answers."""
    claim = united_states.submit(example_bytes("BenefitClaim-survivors"), recipient="DE:DRV70001")
    assert deliver(united_states, germany) == [Verdict.ACK]
    assert deliver(germany, united_states) == [Verdict.ACK]  # the receipt
    germany.submit(
        example_bytes("BenefitClaimAcknowledgement"),
        recipient="US:SSAOIP",
        case_id=claim.case_id,
        in_reply_to=claim.message_id,
    )
    assert deliver(germany, united_states) == [Verdict.ACK]
    assert deliver(united_states, germany) == [Verdict.ACK]  # the receipt
    return Reply(claim.case_id, claim.message_id)


def test_the_sender_refuses_a_refusal_on_nationality_alone(
    united_states: Node, germany: Node
) -> None:
    reason = _refused_at_the_sender(
        germany, refused_on_nationality(), "US:SSAOIP", claimed(united_states, germany)
    )
    assert reason == f"unequal-treatment {UNEQUAL}"


def test_the_receiver_rejects_a_refusal_on_nationality_alone(
    united_states: Node, germany: Node
) -> None:
    reply = claimed(united_states, germany)
    reason = _rejected_by_the_receiver(germany, united_states, refused_on_nationality(), reply)
    assert reason == f"unequal-treatment {UNEQUAL}"
