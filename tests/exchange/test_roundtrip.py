"""Every document type crosses the pure path: validate, policy, sign, seal, open, verify."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from lxml import etree

from gateway.directory import Directory
from gateway.documents import CaseType, DocumentType
from gateway.exchange import BusHeaders, Credentials, open_inbound, prepare_outbound
from support import EXAMPLES, example

#: Which institution sends each example to which, under an agreement that permits it.
ROUTES: dict[str, tuple[str, str]] = {
    "InsurancePeriodsRequest": ("FR:CNAV", "DE:DRV70001"),
    "InsurancePeriodsReply": ("DE:DRV70001", "FR:CNAV"),
    "InsurancePeriodsReply-none": ("TN:CNSS", "FR:CNAV"),
    "BenefitClaim": ("DE:DRV70001", "FR:CNAV"),
    "BenefitClaim-survivors": ("DE:DRV70001", "FR:CNAV"),
    "BenefitClaimAcknowledgement": ("FR:CNAV", "DE:DRV70001"),
    "BenefitDecision": ("FR:CNAV", "DE:DRV70001"),
    "BenefitDecision-refused": ("DE:DRV70001", "FR:CNAV"),
    "CoverageRequest": ("FR:URSSAF", "TN:CNSS"),
    "CoverageCertificate": ("FR:URSSAF", "TN:CNSS"),
    "CoverageCertificate-amending": ("FR:URSSAF", "TN:CNSS"),
    "CoverageRefusal": ("FR:URSSAF", "TN:CNSS"),
    "CoverageWithdrawal": ("FR:URSSAF", "TN:CNSS"),
    # Case-level documents rest on no agreement: France and India have none.
    "CaseClosure": ("FR:CNAV", "IN:EPFO"),
    "Reminder": ("FR:CNAV", "DE:DRV70001"),
    "CaseForward": ("FR:URSSAF", "DE:DRV70001"),
    "Receipt": ("FR:CNAV", "DE:DRV70001"),
    "Receipt-rejected": ("FR:CNAV", "DE:DRV70001"),
    "Rejection": ("FR:CNAV", "DE:DRV70001"),
}


def test_every_example_has_a_route() -> None:
    names = {p.stem for p in EXAMPLES.glob("*.xml")} - {"Directory"}
    assert names == set(ROUTES)
    covered = {DocumentType.from_root_name(name.split("-")[0]) for name in ROUTES}
    assert covered == set(DocumentType)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_document_crosses_and_arrives_unchanged(
    name: str,
    directory: Directory,
    credentials: Callable[[str], Credentials],
    now: dt.datetime,
) -> None:
    sender, recipient = ROUTES[name]
    document = example(name)
    case_type = CaseType.INSURANCE_PERIODS if document.document_type.case_type is None else None
    outbound = prepare_outbound(
        document,
        credentials=credentials(sender),
        directory=directory,
        recipient=recipient,
        now=now,
        case_type=case_type,
    )
    assert b"<" not in outbound.sealed  # nothing readable travels on the bus
    inbound = open_inbound(
        outbound.sealed,
        credentials=credentials(recipient),
        directory=directory,
        now=now + dt.timedelta(seconds=2),
        bus=BusHeaders(str(outbound.header.message_id), sender, recipient),
    )
    assert inbound.header == outbound.header
    assert inbound.document.document_type is document.document_type
    assert etree.tostring(inbound.document.root, method="c14n", exclusive=True) == etree.tostring(
        document.root, method="c14n", exclusive=True
    )
    assert inbound.agreement_id == outbound.agreement_id
