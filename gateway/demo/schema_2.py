"""The demo's documents of schema 2.0: a claim with a family, and an A003 with two employers.

Neither is played by a reference back-office, which writes 1.0 and decides only what 1.0
holds. A claim with a family comes from DE:DRV70001's national application, which builds the
EU's SEDs and posts the P2000 as it is (``schemas/examples/sed/P2000.json``); FR:CNAV reads it
back as a SED. The A003 is a caseworker's: DE:DRV70001 asks FR:URSSAF to determine the
legislation of a worker active in France and Germany for two employers (a ``CoverageRequest``
of 2.0), FR:URSSAF's back-office leaves that to a caseworker, who answers with the
determination (a ``CoverageCertificate`` of 2.0 shaped on
``schemas/examples/v2/CoverageCertificate-multi-state.xml``). Both go through the same REST API
as everything else; ``docs/demo.md`` tells the story.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gateway.demo.backoffice.documents import coverage_request_document
from gateway.demo.backoffice.loop import BackOffice, wait_until
from gateway.demo.backoffice.records import Sent
from gateway.demo.backoffice.register import Address
from gateway.demo.backoffice.samples import sample_applications
from gateway.documents import (
    SCHEMA_DIR,
    DocumentType,
    convert_document,
    document_to_json,
    parse_untrusted,
    validate_document,
)
from ssgw_adapters.client import GatewayApiError, Submission

__all__ = [
    "FAMILY_CLAIM",
    "Schema2Played",
    "check_family_claim",
    "check_multi_state",
    "family_of",
    "family_problems",
    "multi_state_determination",
    "multi_state_request",
    "play_schema_2",
    "schema_2_finished",
]

EXAMPLES = SCHEMA_DIR / "examples"
#: The P2000 that DE:DRV70001's national application posts: a claimant with a spouse,
#: children and a guardian.
FAMILY_CLAIM = EXAMPLES / "sed" / "P2000.json"
MULTI_STATE_EXAMPLE = EXAMPLES / "v2" / "CoverageCertificate-multi-state.xml"

Say = Callable[[str], None]
Form = dict[str, Any]

#: The worker's second employer, in the host country; the first is the Marseille company.
_GERMAN_EMPLOYER: Form = {
    "Name": "Rheinauhafen Anlagenbau GmbH",
    "Identifier": [
        {
            "@country": "DE",
            "@register": "Handelsregister",
            "@kind": "registration",
            "$": "HRB 104728",
        }
    ],
    "Address": {
        "Street": "Agrippinawerft 22",
        "PostCode": "50678",
        "Town": "Köln",
        "Country": "DE",
    },
}


def _month_after(today: dt.date) -> dt.date:
    """The first day of the month after ``today``: when the activity in two states begins."""
    return (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def multi_state_request(today: dt.date) -> Form:
    """DE:DRV70001's ``CoverageRequest`` of 2.0 (JSON form): FR:URSSAF is to determine the
    legislation of the Marseille company's employee whose posting to Tunisia was refused, who
    from next month works in France for it and in Germany for a Cologne company, for as long
    as that lasts.

    Written in 1.0 from the sample register, as the reference back-office writes requests,
    converted to 2.0, then given what only 2.0 holds: the purpose, the worker's status, the
    second employer and the open period.
    """
    colleague = sample_applications().long_posting
    employer = colleague.employer
    cologne = _GERMAN_EMPLOYER["Address"]
    written = coverage_request_document(
        kind="multi-state-activity",
        worker=colleague.worker,
        employer=employer,
        sending_country="FR",
        host_country="DE",
        work_addresses=(
            employer.address,
            Address(cologne["Street"], cologne["Town"], cologne["Country"], cologne["PostCode"]),
        ),
        start=_month_after(today),
        end=None,
    )
    converted = convert_document(validate_document(written, today=today), "2.0", today=today)
    form = document_to_json(converted.document_type, converted.root)
    document = form["document"]
    document["Purpose"] = "certificate-request"
    document["WorkerStatus"] = ["employed"]
    document["Employer"] = [*document["Employer"], _GERMAN_EMPLOYER]
    document["ForDurationOfActivity"] = None
    return form


def multi_state_determination(
    request: Mapping[str, Any], today: dt.date, *, issuer: str = "FR:URSSAF"
) -> Form:
    """The A003-like answer to ``request`` (JSON form): the legislation of the sending country
    applies to the worker for both employers, provisionally, for as long as the activity
    lasts. The multi-state example gives the shape; the request gives the worker, the
    employers, the countries and the period."""
    validated = validate_document(MULTI_STATE_EXAMPLE.read_bytes(), today=today)
    form = document_to_json(validated.document_type, validated.root)
    asked = request["document"]
    employers = list(asked["Employer"])
    document = form["document"]
    document.pop("SelfEmployedActivity", None)  # the example's worker is self-employed too
    document.update(
        {
            "Worker": asked["Worker"],
            "WorkerStatus": asked["WorkerStatus"],
            "Employer": employers,
            "PlaceOfWork": [{"Name": e["Name"], "Address": e["Address"]} for e in employers],
            "HostCountry": asked["HostCountry"],
            "ApplicableLegislation": asked["SendingCountry"],
            "Period": asked["RequestedPeriod"],
            "RequestedPeriod": asked["RequestedPeriod"],
            "IssuingInstitution": issuer,
            "IssuedOn": today.isoformat(),
            "LegalBasisCode": ["eu-13-1-a"],
            "LegalBasis": "Regulation (EC) No 883/2004, Article 13(1)(a)",
            "Remarks": "Provisional determination under Article 16(2) of Regulation (EC) "
            "No 987/2009. It becomes definitive two months after this notification unless "
            "the institution of the other Member State disagrees.",
        }
    )
    return form


# --- Reading a family out of a SED ------------------------------------------------------------


def _name(person: object) -> str:
    """A SED person's forenames and family name, spaces collapsed."""
    if not isinstance(person, Mapping):
        return ""
    parts = (str(person.get("fornavn") or ""), str(person.get("etternavn") or ""))
    return " ".join(" ".join(parts).split())


def family_of(sed: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    """The spouse's name (empty when there is none) and the children's names of a SED
    (``nav.ektefelle``, ``nav.barn``)."""
    nav = sed.get("nav")
    if not isinstance(nav, Mapping):
        return "", ()
    spouse = nav.get("ektefelle")
    children = nav.get("barn")
    return (
        _name(spouse.get("person")) if isinstance(spouse, Mapping) else "",
        tuple(
            _name(child.get("person"))
            for child in (children if isinstance(children, list) else [])
            if isinstance(child, Mapping)
        ),
    )


def _lost_children(sent: Mapping[str, Any], lost_paths: Sequence[str]) -> set[int]:
    """The children of the sent SED whose names the document could not carry (a child lost
    whole, or its names); a child that lost only some other detail still counts."""
    _, children = family_of(sent)
    lost = set(lost_paths)
    return {
        index
        for index in range(len(children))
        if lost
        & {
            f"/nav/barn/{index}",
            f"/nav/barn/{index}/person",
            f"/nav/barn/{index}/person/fornavn",
            f"/nav/barn/{index}/person/etternavn",
        }
    }


def family_problems(
    sent: Mapping[str, Any], received: Mapping[str, Any], lost_paths: Sequence[str]
) -> list[str]:
    """How the family read back differs from the family sent: the same spouse, and the same
    children in order except those reported lost on submit. An empty list means it came back."""
    spouse, children = family_of(sent)
    got_spouse, got_children = family_of(received)
    lost = _lost_children(sent, lost_paths)
    kept = tuple(name for index, name in enumerate(children) if index not in lost)
    problems: list[str] = []
    if not spouse or not kept:
        problems.append("the SED sent names no spouse or no child that could be carried")
    # Named by count and place, not by name: the summary names no person.
    if got_spouse != spouse:
        problems.append(
            "the spouse came back with another name" if got_spouse else "no spouse came back"
        )
    if len(got_children) != len(kept):
        problems.append(f"{len(got_children)} children came back, not the {len(kept)} sent")
    elif got_children != kept:
        problems.append("the children came back with other names or in another order")
    return problems


# --- Playing and checking ----------------------------------------------------------------------


@dataclass
class Schema2Played:
    """What the schema 2.0 scenarios submitted, outside the back-offices: each as ``(sender's
    back-office, message)``, for the summary of what was exchanged."""

    sent: list[tuple[BackOffice, Sent]]
    claim_sed: Mapping[str, Any]
    claim: Submission | None = None
    request: Submission | None = None
    determination: Form | None = None
    answer: Submission | None = None


def _submitted(
    played: Schema2Played,
    office: BackOffice,
    submitted: Submission,
    document_type: DocumentType,
    recipient: str,
) -> None:
    played.sent.append(
        (
            office,
            Sent(
                submitted.id,
                submitted.case_id,
                document_type.root_name,
                office.institution,
                recipient,
            ),
        )
    )


def _post_family_claim(
    offices: Mapping[str, BackOffice], played: Schema2Played, failures: list[str], say: Say
) -> None:
    drv = offices["DE:DRV70001"]
    try:
        played.claim = drv.client.submit_sed(played.claim_sed, recipient="FR:CNAV")
    except GatewayApiError as error:
        failures.append(f"DE:DRV70001's national application could not send the P2000: {error}")
        return
    _submitted(played, drv, played.claim, DocumentType.BENEFIT_CLAIM, "FR:CNAV")
    say(
        f"  {'DE:DRV70001':<11} national application posts the P2000 SED for FR:CNAV; "
        f"{len(played.claim.losses)} values of it reported lost"
    )


def _request_determination(
    offices: Mapping[str, BackOffice], played: Schema2Played, failures: list[str], say: Say
) -> None:
    drv = offices["DE:DRV70001"]
    # The nodes judge dates by the UTC day.
    today = dt.datetime.now(dt.UTC).date()
    request = multi_state_request(today)
    try:
        played.request = drv.client.submit(request, recipient="FR:URSSAF")
    except GatewayApiError as error:
        failures.append(f"DE:DRV70001 could not ask FR:URSSAF for a determination: {error}")
        return
    _submitted(played, drv, played.request, DocumentType.COVERAGE_REQUEST, "FR:URSSAF")
    played.determination = multi_state_determination(request, today)
    say(
        f"  {'DE:DRV70001':<11} asks FR:URSSAF to determine the legislation of a worker "
        "active in FR and DE (CoverageRequest of 2.0)"
    )


def _answer_determination(
    offices: Mapping[str, BackOffice],
    played: Schema2Played,
    failures: list[str],
    say: Say,
    *,
    timeout: float,
) -> None:
    """FR:URSSAF's caseworker answers the request its back-office left to them."""
    urssaf, request = offices["FR:URSSAF"], played.request
    if request is None or played.determination is None:
        return
    if not wait_until(
        lambda: any(i.id == request.id for i in urssaf.for_caseworker), timeout=timeout
    ):
        failures.append("FR:URSSAF's back-office did not leave the request to a caseworker")
        return
    try:
        played.answer = urssaf.client.submit(
            played.determination,
            recipient="DE:DRV70001",
            case_id=request.case_id,
            in_reply_to=request.id,
        )
    except GatewayApiError as error:
        failures.append(f"FR:URSSAF could not send its determination: {error}")
        return
    _submitted(played, urssaf, played.answer, DocumentType.COVERAGE_CERTIFICATE, "DE:DRV70001")
    say(
        f"  {'FR:URSSAF':<11} a caseworker determines FR legislation for both employers "
        "(an A003: CoverageCertificate of 2.0); sent to DE:DRV70001"
    )


def play_schema_2(
    offices: Mapping[str, BackOffice], failures: list[str], say: Say, *, timeout: float
) -> Schema2Played:
    """Post the family claim and ask for the determination; answer it once FR:URSSAF's
    back-office has left the request to a caseworker."""
    played = Schema2Played(sent=[], claim_sed=json.loads(FAMILY_CLAIM.read_text("utf-8")))
    say("scenario 4: a claim with a family, posted as a SED by a national application")
    _post_family_claim(offices, played, failures, say)
    say("scenario 5: the legislation of a worker active in two states for two employers")
    _request_determination(offices, played, failures, say)
    _answer_determination(offices, played, failures, say, timeout=timeout)
    return played


def _received(office: BackOffice, message: Submission | None) -> bool:
    return message is not None and any(r.message_id == message.id for r in office.received)


def schema_2_finished(offices: Mapping[str, BackOffice], played: Schema2Played) -> bool:
    """Whether what was sent has reached its recipient's back-office."""
    claim_in = played.claim is None or _received(offices["FR:CNAV"], played.claim)
    answer_in = played.answer is None or _received(offices["DE:DRV70001"], played.answer)
    return claim_in and answer_in


def check_family_claim(
    offices: Mapping[str, BackOffice],
    played: Schema2Played,
    lines: list[str],
    expect: Callable[[bool, str], None],
) -> None:
    """FR:CNAV received the claim and reads back, as a SED, the family that was sent."""
    cnav, claim = offices["FR:CNAV"], played.claim
    expect(claim is not None, "the P2000 was not sent")
    if claim is None:
        return
    lines.append(
        f"  P2000 SED DE:DRV70001 -> FR:CNAV: accepted with {len(claim.losses)} losses "
        "(values the BenefitClaim of 2.0 has no place for)"
    )
    arrived = _received(cnav, claim)
    expect(arrived, "FR:CNAV did not receive the claim posted as a P2000")
    if not arrived:
        return
    try:
        read = cnav.client.document_as_sed(claim.id)
    except GatewayApiError as error:
        expect(False, f"FR:CNAV could not read the claim as a SED: {error}")
        return
    problems = family_problems(played.claim_sed, read.sed, [loss.path for loss in claim.losses])
    for problem in problems:
        expect(False, f"the family read back by FR:CNAV differs: {problem}")
    spouse, children = family_of(read.sed)
    sent_children = len(family_of(played.claim_sed)[1])
    lost = len(_lost_children(played.claim_sed, [loss.path for loss in claim.losses]))
    lines.append(
        f"  FR:CNAV reads it back as a {read.sed.get('sed')}: "
        f"{'the spouse' if spouse else 'no spouse'} and {len(children)} of the "
        f"{sent_children} children as sent ({lost} reported lost on submit); "
        f"{len(read.losses)} losses on the way out"
    )
    left = any(item.id == claim.id for item in cnav.for_caseworker)
    expect(left, "FR:CNAV's back-office did not leave the claim of 2.0 to a caseworker")
    if left:
        lines.append("  FR:CNAV's back-office left the claim of 2.0 to a caseworker")


def check_multi_state(
    offices: Mapping[str, BackOffice],
    played: Schema2Played,
    lines: list[str],
    expect: Callable[[bool, str], None],
) -> None:
    """DE:DRV70001 received the determination, in the request's case, with both employers."""
    answer, request = played.answer, played.request
    expect(answer is not None, "FR:URSSAF sent no determination")
    if answer is None or request is None or played.determination is None:
        return
    arrived = [r for r in offices["DE:DRV70001"].received if r.message_id == answer.id]
    expect(len(arrived) == 1, "DE:DRV70001 did not receive FR:URSSAF's determination")
    if len(arrived) != 1:
        return
    received = arrived[0]
    root = parse_untrusted(received.document).getroot()
    document = document_to_json(DocumentType.COVERAGE_CERTIFICATE, root)["document"]
    names = [employer["Name"] for employer in document.get("Employer", [])]
    sent = [employer["Name"] for employer in played.determination["document"]["Employer"]]
    expect(
        len(sent) == 2 and names == sent,
        f"DE:DRV70001 received {len(names)} employers, not the {len(sent)} determined",
    )
    expect(
        received.in_reply_to == request.id and received.case_id == request.case_id,
        "the determination did not answer DE:DRV70001's request in its case",
    )
    countries = ", ".join(employer["Address"]["Country"] for employer in document["Employer"])
    lines.append(
        f"  A003 FR:URSSAF -> DE:DRV70001: {document.get('ApplicableLegislation')} legislation "
        f"for {len(names)} employers ({countries}), answering DE:DRV70001's CoverageRequest "
        f"of {root.get('schemaVersion')}"
    )
