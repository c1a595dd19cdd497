"""The demo's applicable-legislation flows, played by caseworkers through the REST API:

- the Art. 13 case of scenario 5 carried through to the end: DE:DRV70001 disagrees with
  FR:URSSAF's provisional determination (an A004), the two agree, and FR:URSSAF confirms it as
  definitive (an A012) without waiting for the two months;
- a posting notification (an A009) from FR:URSSAF to DE:DRV70001, to which Germany objects;
- a certificate of coverage of DE:DRV70001 for a worker detached to the United States for 61
  months, which DRV's own node refuses to send: the US-DE agreement allows 60.

The reference back-offices decide what 1.0 holds and leave these to caseworkers; the demo
plays the caseworkers. ``docs/demo.md`` tells the story.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.demo.backoffice.loop import BackOffice, wait_until
from gateway.demo.backoffice.records import Sent
from gateway.demo.schema_2 import Schema2Played
from gateway.documents import (
    SCHEMA_DIR,
    DocumentType,
    document_to_json,
    months_after,
    validate_document,
)
from ssgw_adapters.client import GatewayApiError, Submission

__all__ = [
    "FlowsPlayed",
    "check_coverage_flows",
    "confirmation",
    "coverage_flows_finished",
    "disagreement",
    "play_coverage_flows",
    "posting_notification",
    "united_states_certificate",
]

Say = Callable[[str], None]
Form = dict[str, Any]
EXAMPLES = SCHEMA_DIR / "examples" / "v2"
_DRV, _URSSAF, _SSA = "DE:DRV70001", "FR:URSSAF", "US:SSAOIP"
_CERTIFICATE, _REFUSAL = DocumentType.COVERAGE_CERTIFICATE, DocumentType.COVERAGE_REFUSAL


def _example(name: str, today: dt.date) -> Form:
    validated = validate_document((EXAMPLES / f"{name}.xml").read_bytes(), today=today)
    return document_to_json(validated.document_type, validated.root)


def _answer_to(determination: Mapping[str, Any], purpose: str, today: dt.date) -> Form:
    """A refusal of ``purpose`` answering a coverage decision: its worker, kind and period."""
    decided = determination["document"]
    form = _example("CoverageRefusal-exception", today)
    form["document"] = {
        "@schemaVersion": "2.0",
        "Purpose": purpose,
        "Kind": decided["Kind"],
        "Worker": decided["Worker"],
        "RequestedPeriod": decided["Period"],
        "LegalBasisCode": decided["LegalBasisCode"],
        "DecidedOn": today.isoformat(),
        "Reason": [{"Code": "other", "Text": _REASONS[purpose]}],
        "ProposedLegislation": "DE",
    }
    return form


_REASONS = {
    "disagreement": "The larger part of the work for both employers is done in Germany, "
    "where the worker also lives from next month.",
    "objection": "The worker replaces a worker posted before by the same employer; "
    "Article 12(1) does not apply.",
}


def disagreement(determination: Mapping[str, Any], today: dt.date) -> Form:
    """DE:DRV70001's disagreement with a provisional determination (an A004, JSON form)."""
    return _answer_to(determination, "disagreement", today)


def confirmation(determination: Mapping[str, Any], today: dt.date) -> Form:
    """FR:URSSAF's confirmation that its determination is definitive (an A012)."""
    form = {**determination, "document": dict(determination["document"])}
    document = form["document"]
    document["Purpose"] = "definitive-determination"
    document.pop("Provisional", None)
    document["IssuedOn"] = today.isoformat()
    document["Remarks"] = (
        "Definitive: the institutions agreed after the German institution's disagreement."
    )
    return form


def posting_notification(today: dt.date) -> Form:
    """FR:URSSAF's posting notification to Germany (an A009) for a worker of a Marseille
    company posted from next month for 18 months, shaped on the example."""
    form = _example("CoverageCertificate-posting-notification", today)
    start = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    end = (months_after(start, 18) or start) - dt.timedelta(days=1)
    period = {"Start": start.isoformat(), "End": end.isoformat()}
    document = form["document"]
    for name in ("EarlierPosting", "RequestedPeriod"):
        document.pop(name, None)
    employer = document["Employer"][0]
    employer.update(
        {
            "Name": "Calanques Maintenance Industrielle SAS",
            "Identifier": [
                {"@country": "FR", "@register": "SIREN", "@kind": "registration", "$": "852741963"}
            ],
            "Address": {
                "Street": "12 boulevard des Dames",
                "PostCode": "13002",
                "Town": "Marseille",
                "Country": "FR",
            },
        }
    )
    document.update(
        {
            "Employer": [employer],
            "ApplicableLegislation": "FR",
            "Period": period,
            "IssuingInstitution": _URSSAF,
            "IssuedOn": today.isoformat(),
        }
    )
    return form


def united_states_certificate(today: dt.date, months: int) -> Form:
    """DE:DRV70001's certificate of coverage for a worker of a German company detached to the
    United States for ``months`` months from next month: the United States example turned
    the other way."""
    form = _example("CoverageCertificate-us", today)
    start = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    end = (months_after(start, months) or start) - dt.timedelta(days=1)
    period = {"Start": start.isoformat(), "End": end.isoformat()}
    document = form["document"]
    host, employer = document["Employer"][0], document["HostEmployer"][0]
    document.update(
        {
            "CertificateNumber": f"DEUS-{today.year}-0000001",
            "Employer": [employer],
            "HostEmployer": [host],
            "PlaceOfWork": [{"Address": host["Address"]}],
            "HostCountry": ["US"],
            "ApplicableLegislation": "DE",
            "Period": period,
            "RequestedPeriod": period,
            "IssuingInstitution": _DRV,
            "IssuedOn": today.isoformat(),
            "LegalBasis": "Agreement on social security between Germany and the United "
            "States, Article 6(2), detached workers",
            "Condition": [
                "Valid only while the worker stays employed by the German employer and the "
                "detachment does not exceed five years."
            ],
        }
    )
    return form


@dataclass
class FlowsPlayed:
    """What the caseworkers of the coverage flows sent (``sent``, for the summary of what was
    exchanged) and the refusal of the certificate beyond the US-DE limit."""

    sent: list[tuple[BackOffice, Sent]] = field(default_factory=list)
    submitted: dict[str, Submission] = field(default_factory=dict)
    refused_certificate: GatewayApiError | None = None


class _Caseworkers:
    """The caseworkers of the demo's institutions, each sending through its back-office's
    client and waiting for what it answers."""

    def __init__(
        self,
        offices: Mapping[str, BackOffice],
        played: FlowsPlayed,
        failures: list[str],
        say: Say,
        timeout: float,
    ) -> None:
        self.offices, self.played, self.failures = offices, played, failures
        self.say, self.timeout = say, timeout

    def received(self, institution: str, message: Submission) -> bool:
        """Wait until ``institution``'s back-office took ``message`` in; whether it did."""
        office = self.offices[institution]
        return wait_until(
            lambda: any(r.message_id == message.id for r in office.received), timeout=self.timeout
        )

    def send(
        self,
        step: str,
        sender: str,
        form: Form,
        recipient: str,
        answering: Submission | None = None,
    ) -> Submission | None:
        office = self.offices[sender]
        options: dict[str, Any] = {}
        if answering is not None:
            options = {"case_id": answering.case_id, "in_reply_to": answering.id}
        try:
            submitted = office.client.submit(form, recipient=recipient, **options)
        except GatewayApiError as error:
            self.failures.append(f"{sender} could not send its {step}: {error}")
            return None
        document_type = DocumentType.from_root_name(form["documentType"])
        office_sent = Sent(
            submitted.id, submitted.case_id, document_type.root_name, sender, recipient
        )
        self.played.sent.append((office, office_sent))
        self.played.submitted[step] = submitted
        return submitted


def _through_to_definitive(work: _Caseworkers, schema_2: Schema2Played, today: dt.date) -> None:
    """Scenario 5 carried on: DRV disagrees with URSSAF's A003, and URSSAF confirms it."""
    determination, sent = schema_2.determination, schema_2.answer
    if determination is None or sent is None or not work.received(_DRV, sent):
        work.failures.append("DE:DRV70001 has no determination to disagree with")
        return
    objected = work.send("A004", _DRV, disagreement(determination, today), _URSSAF, sent)
    if objected is None:
        return
    work.say(f"  {_DRV:<11} a caseworker disagrees with the A003 of FR:URSSAF (an A004)")
    if not work.received(_URSSAF, objected):
        work.failures.append("FR:URSSAF did not receive DE:DRV70001's disagreement")
        return
    if work.send("A012", _URSSAF, confirmation(determination, today), _DRV, sent) is not None:
        work.say(
            f"  {_URSSAF:<11} a caseworker, the two institutions having agreed, confirms the "
            "determination as definitive (an A012)"
        )


def _posting_objected(work: _Caseworkers, today: dt.date) -> None:
    """URSSAF notifies a posting to Germany (an A009); DRV's caseworker objects to it."""
    notified = work.send("A009", _URSSAF, posting_notification(today), _DRV)
    if notified is None:
        return
    work.say(f"  {_URSSAF:<11} notifies DE:DRV70001 of an 18-month posting to Germany (an A009)")
    if not work.received(_DRV, notified):
        work.failures.append("DE:DRV70001 did not receive the posting notification")
        return
    sent = work.send(
        "objection",
        _DRV,
        _answer_to(posting_notification(today), "objection", today),
        _URSSAF,
        notified,
    )
    if sent is not None:
        work.say(f"  {_DRV:<11} a caseworker objects to the posting notification")


def _beyond_the_us_limit(work: _Caseworkers, today: dt.date) -> None:
    """DRV's node refuses to send a certificate of a 61-month detachment to the United States."""
    drv = work.offices[_DRV]
    try:
        drv.client.submit(united_states_certificate(today, 61), recipient=_SSA)
    except GatewayApiError as error:
        work.played.refused_certificate = error
        work.say(
            f"  {_DRV:<11} cannot send a certificate of coverage for 61 months: {error.detail}"
        )
        return
    work.failures.append("DE:DRV70001's node sent a certificate of 61 months under US-DE")


def play_coverage_flows(
    offices: Mapping[str, BackOffice],
    schema_2: Schema2Played,
    failures: list[str],
    say: Say,
    *,
    timeout: float,
) -> FlowsPlayed:
    """Play the three flows, each step once the one before it arrived."""
    played = FlowsPlayed()
    work = _Caseworkers(offices, played, failures, say, timeout)
    # The nodes judge dates by the UTC day.
    today = dt.datetime.now(dt.UTC).date()
    say("scenario 6: the determination of scenario 5 disagreed with, then made definitive")
    _through_to_definitive(work, schema_2, today)
    say("scenario 7: a posting notification to Germany, and Germany's objection")
    _posting_objected(work, today)
    say("scenario 8: a certificate of coverage for 61 months under the US-Germany agreement")
    _beyond_the_us_limit(work, today)
    return played


def coverage_flows_finished(offices: Mapping[str, BackOffice], played: FlowsPlayed) -> bool:
    """Whether each document the caseworkers sent reached its recipient's back-office."""
    return all(
        any(r.message_id == sent.message_id for r in offices[sent.recipient].received)
        for _, sent in played.sent
    )


def check_coverage_flows(
    offices: Mapping[str, BackOffice],
    played: FlowsPlayed,
    lines: list[str],
    expect: Callable[[bool, str], None],
) -> None:
    """Each step arrived, in its case, answering what it answers; the 61 months were refused
    by the sender's node with the reason ``posting-limit-exceeded``."""
    for step in ("A004", "A012", "A009", "objection"):
        expect(step in played.submitted, f"the {step} was not sent")
    expect(coverage_flows_finished(offices, played), "a document of the coverage flows is missing")
    a012, objection = played.submitted.get("A012"), played.submitted.get("objection")
    if a012 is not None:
        lines.append(
            f"  A003 of FR:URSSAF: disagreed with by DE:DRV70001 (A004), confirmed as "
            f"definitive (A012, message {str(a012.id)[:8]})"
        )
    if objection is not None:
        lines.append("  A009 FR:URSSAF -> DE:DRV70001: objected to by DE:DRV70001 in time")
    refused = played.refused_certificate
    expect(
        refused is not None
        and refused.status == 403
        and refused.reason == "posting-limit-exceeded",
        "the certificate of 61 months under US-DE was not refused with posting-limit-exceeded",
    )
    if refused is not None:
        lines.append(
            f"  certificate of coverage DE:DRV70001 -> US:SSAOIP refused: {refused.detail}"
        )
