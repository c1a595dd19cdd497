"""``ssgw demo --once``: five nodes on the real broker play every scenario as expected; and
the checks of its documents of schema 2.0, which must fail when what arrived is not what was
sent."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import re
import socket
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx2
import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.demo.backoffice.loop import BackOffice
from gateway.demo.backoffice.records import Received
from gateway.demo.backoffice.samples import sample_registers
from gateway.demo.schema_2 import (
    FAMILY_CLAIM,
    Schema2Played,
    check_family_claim,
    check_multi_state,
    family_of,
    family_problems,
    multi_state_determination,
    multi_state_request,
)
from gateway.directory import Directory
from gateway.documents import DocumentType, document_from_json, validate_document
from gateway.sed import export_sed, import_sed
from ssgw_adapters.client import SED_MEDIA_TYPE, GatewayClient, InboxItem, SedLoss, Submission
from support import delete_topology

TODAY = dt.date(2026, 12, 7)


def free_base_port() -> int:
    """A port with the four after it free too (best effort; the demo checks again)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base < 60000 and all(_free(base + i) for i in range(5)):
            return base
    raise AssertionError("no five free ports in a row")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def namespace() -> Iterator[str]:
    name = f"ssgw.demo{uuid.uuid4().hex[:8]}."
    yield name
    asyncio.run(
        delete_topology(
            {
                "queue_prefix": name,
                "exchange": f"{name}network",
                "dead_letter_exchange": f"{name}dead-letter",
            }
        )
    )


@pytest.mark.broker
@pytest.mark.slow
def test_the_demo_plays_every_scenario_once(tmp_path: Path, namespace: str) -> None:
    started = time.monotonic()
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--once",
            "--folder",
            str(tmp_path / "demo"),
            "--base-port",
            str(free_base_port()),
            "--namespace",
            namespace,
        ],
    )
    elapsed = time.monotonic() - started

    output = result.output
    assert result.exit_code == 0, output
    assert "UNEXPECTED" not in output
    assert elapsed < 50, f"the demo took {elapsed:.0f} s"
    # The old-age claim: 2 claims, 2 acknowledgements, 4 periods requests and their 4 replies,
    # 2 decisions answering the claims and DRV's own told to both; the postings: 2 requests, a
    # certificate and a refusal; of schema 2.0: the claim with a family, the request for a
    # determination and the determination; of the coverage flows: the disagreement with it and
    # its confirmation as definitive, a posting notification and the objection to it.
    assert output.count(" delivered ") == 27
    assert "confirmed as definitive (A012" in output
    assert "A009 FR:URSSAF -> DE:DRV70001: objected to by DE:DRV70001 in time" in output
    assert (
        "certificate of coverage DE:DRV70001 -> US:SSAOIP refused: a posting of 61 months "
        "exceeds the 60 months of agreement US-DE" in output
    )
    assert "DE:DRV70001 tells FR:CNAV its decision" in output
    assert "DE:DRV70001 tells IN:EPFO its decision" in output
    # Each institution's decision on the old-age claim, and each agreement's shares.
    assert "FR:CNAV         385.04 EUR a month   pro rata 4018/13544 under EU-883-2004" in output
    assert "IN:EPFO        3490.32 INR a month   pro rata 4244/14500 under IN-DE" in output
    assert "DE:DRV70001    1180.85 EUR a month   pro rata 10256/14500 under IN-DE" in output
    assert "shares under EU-883-2004: DE 9526/13544 + FR 4018/13544 = 1" in output
    assert "shares under IN-DE: DE 10256/14500 + IN 4244/14500 = 1" in output
    assert "FR:CNAV      could not ask IN for periods: no social security agreement binds" in output
    # The certificate, the posting refused as too long, the claim refused by policy.
    assert re.search(r"certificate FR-URSSAF-\d{4}-0000001 issued by FR:URSSAF to TN:CNSS", output)
    assert "posting refused by FR:URSSAF: period-exceeds-limit" in output
    assert "refused: invalidity is outside the material scope of IN-DE for DE" in output
    # The documents of schema 2.0: the family came back, the A003 carried both employers.
    assert re.search(r"P2000 SED DE:DRV70001 -> FR:CNAV: accepted with \d+ losses", output)
    assert "FR:CNAV reads it back as a P2000: the spouse and 2 of the 3 children as sent" in output
    assert (
        "FR:CNAV     leaves the BenefitClaim (schema 2.0) of DE:DRV70001 to a caseworker" in output
    )
    assert "FR:URSSAF   leaves the CoverageRequest of DE:DRV70001 to a caseworker" in output
    assert (
        "A003 FR:URSSAF -> DE:DRV70001: FR legislation for 2 employers (FR, DE), "
        "answering DE:DRV70001's CoverageRequest of 2.0"
    ) in output


# --- The checks of the documents of schema 2.0 --------------------------------------------------


def family_claim() -> dict[str, Any]:
    sed: dict[str, Any] = json.loads(FAMILY_CLAIM.read_text("utf-8"))
    return sed


def round_trip(sed: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The SED as the receiving node writes it back, and the paths lost on submit."""
    imported = import_sed(sed, today=TODAY)
    return export_sed(imported.document).sed, [loss.path for loss in imported.losses]


def test_the_family_sent_is_the_family_read_back() -> None:
    sed = family_claim()
    received, lost = round_trip(sed)

    spouse, children = family_of(sed)
    assert spouse and len(children) >= 2, "the fixture must hold a spouse and children"
    assert family_problems(sed, received, lost) == []


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda nav: nav.pop("ektefelle"), "no spouse came back"),
        (lambda nav: nav.pop("barn"), "0 children came back"),
        (lambda nav: nav["barn"].pop(), "1 children came back"),
        (
            lambda nav: nav["ektefelle"]["person"].update(fornavn="Marie"),
            "the spouse came back with another name",
        ),
        (lambda nav: nav["barn"].reverse(), "other names or in another order"),
    ],
)
def test_a_family_that_did_not_come_back_is_a_problem(damage: Any, problem: str) -> None:
    sed = family_claim()
    received, lost = round_trip(sed)

    damage(received["nav"])

    assert any(problem in found for found in family_problems(sed, received, lost))


def test_only_a_child_whose_names_were_lost_may_be_missing() -> None:
    sed = family_claim()
    received = copy.deepcopy(sed)
    first_child_gone = copy.deepcopy(sed)
    del first_child_gone["nav"]["barn"][0]

    # A child that lost some other detail is still expected back whole.
    assert family_problems(sed, received, ["/nav/barn/0/person/kallenavn"]) == []
    assert family_problems(sed, first_child_gone, ["/nav/barn/0/person/kallenavn"]) != []
    assert family_problems(sed, first_child_gone, ["/nav/barn/0/person/fornavn"]) == []


def test_a_sed_without_a_family_cannot_pass_for_one() -> None:
    sed = family_claim()
    del sed["nav"]["ektefelle"], sed["nav"]["barn"]

    problems = family_problems(sed, copy.deepcopy(sed), [])

    assert "the SED sent names no spouse or no child that could be carried" in problems


def office(
    directory: Directory, institution: str, sed: Mapping[str, Any] | None = None
) -> BackOffice:
    """A back-office whose node answers every document request with ``sed``."""

    def node(request: httpx2.Request) -> httpx2.Response:
        body = json.dumps(sed).encode()
        return httpx2.Response(200, content=body, headers={"Content-Type": SED_MEDIA_TYPE})

    client = GatewayClient("http://node", "key", transport=httpx2.MockTransport(node))
    return BackOffice(client, sample_registers()[institution], directory)


def received_claim(cnav: BackOffice, claim: Submission) -> None:
    cnav.received.append(
        Received(claim.id, claim.case_id, "BenefitClaim", "DE:DRV70001", None, b"")
    )
    cnav.for_caseworker.append(
        InboxItem(claim.id, 1, claim.case_id, "benefit-claim", "DE:DRV70001", "BenefitClaim", None)
    )


@pytest.mark.parametrize("family", ["whole", "missing"])
def test_the_demo_fails_when_fr_cnav_reads_back_no_family(
    directory: Directory, family: str
) -> None:
    sed = family_claim()
    received, lost = round_trip(sed)
    if family == "missing":
        del received["nav"]["ektefelle"], received["nav"]["barn"]
    claim = Submission(
        uuid.uuid4(), uuid.uuid4(), "accepted", tuple(SedLoss(path, "lost") for path in lost)
    )
    offices = {"FR:CNAV": office(directory, "FR:CNAV", received)}
    received_claim(offices["FR:CNAV"], claim)
    failures: list[str] = []
    lines: list[str] = []

    check_family_claim(
        offices,
        Schema2Played(sent=[], claim_sed=sed, claim=claim),
        lines,
        lambda held, what: None if held else failures.append(what),
    )

    if family == "whole":
        assert failures == []
        assert any("the spouse and 2 of the 3 children as sent" in line for line in lines)
    else:
        assert "the family read back by FR:CNAV differs: no spouse came back" in failures
        assert any("0 children came back" in failure for failure in failures)


def test_the_documents_for_the_a003_are_valid_2_0_and_agree() -> None:
    request = multi_state_request(TODAY)
    determination = multi_state_determination(request, TODAY)

    checked = [
        validate_document(document_from_json(form), today=TODAY)
        for form in (request, determination)
    ]

    assert [(c.document_type, c.schema_version) for c in checked] == [
        (DocumentType.COVERAGE_REQUEST, "2.0"),
        (DocumentType.COVERAGE_CERTIFICATE, "2.0"),
    ]
    asked, decided = request["document"], determination["document"]
    assert asked["SendingCountry"] == decided["ApplicableLegislation"] == "FR"
    assert asked["HostCountry"] == decided["HostCountry"] == ["DE"]
    assert [e["Address"]["Country"] for e in decided["Employer"]] == ["FR", "DE"]
    assert decided["Worker"] == asked["Worker"]
    assert decided["IssuingInstitution"] == "FR:URSSAF"
    assert decided["IssuedOn"] == TODAY.isoformat()
    assert asked["RequestedPeriod"] == decided["Period"] == {"Start": "2027-01-01"}


@pytest.mark.parametrize("employers", [2, 1])
def test_the_demo_fails_when_de_drv_receives_fewer_employers(
    directory: Directory, employers: int
) -> None:
    request_form = multi_state_request(TODAY)
    determination = multi_state_determination(request_form, TODAY)
    arrived = copy.deepcopy(determination)
    arrived["document"]["Employer"] = arrived["document"]["Employer"][:employers]
    arrived["document"]["PlaceOfWork"] = arrived["document"]["PlaceOfWork"][:employers]
    request = Submission(uuid.uuid4(), uuid.uuid4(), "accepted")
    answer = Submission(uuid.uuid4(), request.case_id, "accepted")
    drv = office(directory, "DE:DRV70001")
    drv.received.append(
        Received(
            answer.id,
            request.case_id,
            "CoverageCertificate",
            "FR:URSSAF",
            request.id,
            validate_document(document_from_json(arrived), today=TODAY).to_bytes(),
        )
    )
    played = Schema2Played(
        sent=[], claim_sed={}, request=request, determination=determination, answer=answer
    )
    failures: list[str] = []

    check_multi_state(
        {"DE:DRV70001": drv},
        played,
        [],
        lambda held, what: None if held else failures.append(what),
    )

    expected = [] if employers == 2 else ["DE:DRV70001 received 1 employers, not the 2 determined"]
    assert failures == expected
