"""The demo's summary: one line per message with its final status, the decisions and the
certificates, each checked against what the scenarios expect."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from gateway.demo import schema_2 as v2
from gateway.demo.backoffice.decisions import Calculation, ClaimDecision
from gateway.demo.backoffice.documents import (
    certificate_number_of,
    read_decision,
    refusal_reasons_of,
)
from gateway.demo.backoffice.loop import BackOffice
from gateway.demo.backoffice.records import DecisionRecord, LodgedClaim, Sent
from gateway.demo.coverage_flows import FlowsPlayed, check_coverage_flows
from gateway.documents import parse_untrusted
from ssgw_adapters.client import MessageView

__all__ = ["DemoResult", "Played", "summarise"]


@dataclass
class DemoResult:
    """What the scenarios showed: the summary's lines, and the expectations that failed."""

    lines: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.failures.append(what)


@dataclass(frozen=True, slots=True)
class Played:
    """What the scenarios started: the old-age claim, the invalidity claim, the
    documents of schema 2.0 and the coverage flows."""

    old_age: LodgedClaim
    invalidity: LodgedClaim
    schema_2: v2.Schema2Played
    coverage_flows: FlowsPlayed


def _exchanges(
    offices: Mapping[str, BackOffice],
    others: Sequence[tuple[BackOffice, Sent]],
    result: DemoResult,
    *,
    timeout: float,
) -> None:
    """One line per message sent, by the back-offices or ``others``, in the order sent, with
    its final status."""
    deadline = time.monotonic() + timeout
    views: list[tuple[str, MessageView]] = []
    every = [(office, sent) for office in offices.values() for sent in office.sent]
    for office, sent in [*every, *others]:
        client = office.client
        try:
            view = client.wait_for(
                sent.message_id,
                {"delivered", "rejected", "failed", "expired"},
                timeout=max(deadline - time.monotonic(), 0.1),
            )
        except TimeoutError:
            view = client.message(sent.message_id)
        views.append((sent.document_type, view))
    views.sort(key=lambda entry: str(entry[1].trace[0]["at"]) if entry[1].trace else "")
    for document_type, view in views:
        stages = {str(event["stage"]): event for event in view.trace}
        agreement = str(stages["authorised"]["detail"]) if "authorised" in stages else ""
        elapsed = ""
        if "accepted" in stages and view.status in stages:
            started = dt.datetime.fromisoformat(str(stages["accepted"]["at"]))
            ended = dt.datetime.fromisoformat(str(stages[view.status]["at"]))
            elapsed = f"{(ended - started).total_seconds() * 1000:6.0f} ms"
        result.lines.append(
            f"  {document_type:<30} {view.sender:>12} -> {view.recipient:<12} "
            f"{view.status:<10} {elapsed:>9}  {agreement}".rstrip()
        )
        result.expect(
            view.status == "delivered",
            f"{document_type} {view.sender} -> {view.recipient} was {view.status}",
        )
    for office in offices.values():
        for refusal in office.refused:
            result.lines.append(
                f"  {refusal.document_type:<30} {refusal.sender:>12} -> {refusal.recipient:<12} "
                f"refused: {refusal.detail}"
            )


def _fraction(fraction: Fraction) -> str:
    if fraction.denominator == 1:
        return str(fraction.numerator)
    return f"{fraction.numerator}/{fraction.denominator}"


def _decision_line(institution: str, decision: ClaimDecision, chosen: Calculation) -> str:
    """One institution's grant, and its other calculations when it made several."""
    line = (
        f"  {institution:<12} {chosen.amount:>9} {decision.currency} a month   "
        f"pro rata {chosen.own_days}/{chosen.total_days} under {chosen.agreement}"
    )
    others = [c for c in decision.calculations if c is not chosen]
    if others:
        line += (
            " (the higher of its calculations; "
            + "; ".join(
                f"under {c.agreement}: {c.amount} {decision.currency} at "
                f"{c.own_days}/{c.total_days}"
                for c in others
            )
            + ")"
        )
    return line


def _shares(shares: Mapping[str, list[tuple[str, int, int]]], result: DemoResult) -> None:
    """Each agreement's pro-rata shares, which must add up to exactly 1."""
    result.expect(set(shares) == {"EU-883-2004", "IN-DE"}, "the pro-rata shares lack an agreement")
    for agreement, parts in sorted(shares.items()):
        total = sum((Fraction(own, whole) for _, own, whole in parts), Fraction(0))
        terms = " + ".join(f"{country} {own}/{whole}" for country, own, whole in sorted(parts))
        result.lines.append(f"  shares under {agreement}: {terms} = {_fraction(total)}")
        result.expect(
            total == 1 and len(parts) == 2,
            f"the pro-rata shares under {agreement} sum to {_fraction(total)}, not 1",
        )


def _decisions(offices: Mapping[str, BackOffice], played: Played, result: DemoResult) -> None:
    """The decisions on the old-age claim, checked against what the case owner received."""
    drv = offices["DE:DRV70001"]
    case_id = played.old_age.case_id
    result.lines.append("")
    result.lines.append("decisions on the old-age claim")
    shares: dict[str, list[tuple[str, int, int]]] = {}
    received = {
        r.sender: r
        for r in drv.received
        if r.document_type == "BenefitDecision" and r.case_id == case_id
    }
    for institution in ("FR:CNAV", "IN:EPFO", "DE:DRV70001"):
        records = [d for d in offices[institution].decisions if d.case_id == case_id]
        result.expect(len(records) == 1, f"{institution} made {len(records)} decisions, not one")
        if len(records) != 1:
            continue
        decision = records[0].decision
        chosen = decision.chosen
        result.expect(decision.granted, f"{institution} refused the old-age claim")
        if chosen is None:
            result.lines.append(f"  {institution:<12} refused: {', '.join(decision.reasons)}")
            continue
        result.lines.append(_decision_line(institution, decision, chosen))
        for calculation in decision.calculations:
            shares.setdefault(str(calculation.agreement), []).append(
                (institution.split(":", 1)[0], calculation.own_days, calculation.total_days)
            )
        if institution == drv.institution:
            _told(offices, records[0], chosen, result)
            continue
        arrived = received.get(institution)
        result.expect(arrived is not None, f"DE:DRV70001 did not receive {institution}'s decision")
        if arrived is not None:
            summary = read_decision(parse_untrusted(arrived.document).getroot())
            result.expect(
                summary.amount == chosen.amount
                and summary.pro_rata == (Decimal(chosen.own_days), Decimal(chosen.total_days)),
                f"the decision DE:DRV70001 received from {institution} is not the one decided",
            )
    _shares(shares, result)
    for office in offices.values():
        for country, why in office.not_asked:
            result.lines.append(
                f"  {office.institution:<12} could not ask {country} for periods: {why}"
            )


def _told(
    offices: Mapping[str, BackOffice],
    record: DecisionRecord,
    chosen: Calculation,
    result: DemoResult,
) -> None:
    """The case owner's own decision reached every institution the claim went to, as made."""
    owner = "DE:DRV70001"
    result.expect(
        sorted(record.sent_to) == ["FR:CNAV", "IN:EPFO"],
        f"{owner} told its decision to {', '.join(record.sent_to) or 'nobody'}",
    )
    for institution in ("FR:CNAV", "IN:EPFO"):
        arrived = [
            r
            for r in offices[institution].received
            if r.document_type == "BenefitDecision" and r.sender == owner
        ]
        result.expect(len(arrived) == 1, f"{institution} did not receive {owner}'s decision")
        if len(arrived) == 1:
            summary = read_decision(parse_untrusted(arrived[0].document).getroot())
            result.expect(
                summary.amount == chosen.amount,
                f"the decision {institution} received from {owner} is not the one decided",
            )


def _coverage(offices: Mapping[str, BackOffice], played: Played, result: DemoResult) -> None:
    """The certificate, the refused posting and the claim refused by policy."""
    urssaf, cnss = offices["FR:URSSAF"], offices["TN:CNSS"]
    result.lines.append("")
    result.lines.append("certificates and refusals")
    numbers = [d.certificate_number for d in urssaf.coverage_decisions if d.certificate_number]
    received = {r.document_type: r for r in cnss.received}
    certificate = received.get("CoverageCertificate")
    result.expect(len(numbers) == 1 and certificate is not None, "no certificate was issued")
    if certificate is not None:
        number = certificate_number_of(parse_untrusted(certificate.document).getroot())
        result.lines.append(f"  certificate {number} issued by {certificate.sender} to TN:CNSS")
        result.expect(numbers == [number], "TN:CNSS received another certificate than issued")
    refusal = received.get("CoverageRefusal")
    reasons = refusal_reasons_of(parse_untrusted(refusal.document).getroot()) if refusal else ()
    result.lines.append(
        f"  posting refused by FR:URSSAF: {', '.join(reasons) or 'no refusal arrived'}"
    )
    result.expect(reasons == ("period-exceeds-limit",), "the long posting was not refused")
    refused = played.invalidity.refused
    result.expect(
        played.invalidity.case_id is None
        and len(refused) == 1
        and refused[0].status == 403
        and "outside the material scope of IN-DE" in refused[0].detail,
        "the invalidity claim was not refused by the agreement policy",
    )
    for item in refused:
        result.lines.append(
            f"  invalidity claim {item.sender} -> {item.recipient} refused: {item.detail}"
        )


def summarise(
    offices: Mapping[str, BackOffice], played: Played, result: DemoResult, *, timeout: float
) -> None:
    """Write what the scenarios exchanged and decided into ``result``, with each expectation
    that failed; waits up to ``timeout`` seconds for messages still on their way."""
    others = [*played.schema_2.sent, *played.coverage_flows.sent]
    _exchanges(offices, others, result, timeout=timeout)
    _decisions(offices, played, result)
    _coverage(offices, played, result)
    result.lines.append("")
    result.lines.append("documents of schema 2.0")
    v2.check_family_claim(offices, played.schema_2, result.lines, result.expect)
    v2.check_multi_state(offices, played.schema_2, result.lines, result.expect)
    result.lines.append("")
    result.lines.append("applicable-legislation flows")
    check_coverage_flows(offices, played.coverage_flows, result.lines, result.expect)
    unexpected = [
        refusal
        for office in offices.values()
        for refusal in office.refused
        if refusal not in played.invalidity.refused
    ]
    for refusal in unexpected:
        result.failures.append(
            f"{refusal.sender} could not send a {refusal.document_type}: {refusal.detail}"
        )
    for office in offices.values():
        result.failures.extend(f"{office.institution}: {f}" for f in office.failures)
