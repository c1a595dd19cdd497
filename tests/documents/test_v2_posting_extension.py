"""The extension of a posting both institutions agreed, as a 2.0 certificate states it
(``ExtensionAgreed``): only a posting has one, agreed no later than the certificate is issued,
and ``posting_of`` reads it for the policy."""

from __future__ import annotations

import datetime as dt

import document_mutations as mutations
import pytest
from document_mutations import add_after, both, case, set_text

from documents.coverage_periods_v2 import load_valid
from documents.rule_cases import TODAY
from gateway.documents import posting_of, rules, validate_element

_EXTENSION = (
    '<cv:ExtensionAgreed xmlns:cv="urn:ssgw:coverage:1" xmlns:c="urn:ssgw:common:1">'
    "<cv:AgreedOn>{}</cv:AgreedOn><cv:Reference>DE-CONSENT-2026-0815</cv:Reference>"
    "</cv:ExtensionAgreed>"
)


def _extension(agreed_on: str = "2026-08-01") -> mutations.Mutation:
    # After the requested period: the US example lists no earlier posting.
    return add_after("cv:RequestedPeriod", _EXTENSION.format(agreed_on))


FAILING = [
    case(
        "extension-of-an-exception",
        "CoverageCertificate-us",
        both(
            set_text("cv:Kind", "exception-agreement"),
            set_text("cv:LegalBasisCode", "us-totalization-exception"),
            _extension(),
        ),
        "rule.extension-without-posting",
        at="/cv:ExtensionAgreed",
    ),
    case(
        "extension-agreed-after-issue",
        "CoverageCertificate-us",
        _extension("2026-08-15"),
        "rule.extension-agreed-after-issue",
        at="/cv:ExtensionAgreed/cv:AgreedOn",
    ),
]


@pytest.mark.parametrize("failing", [pytest.param(c, id=c.name) for c in FAILING])
def test_rule_refuses_mutated_example(failing: mutations.Case) -> None:
    root = load_valid(failing.example, failing.mutation)
    issues = rules.check(mutations.document_type_of(root), root, today=TODAY)
    assert [issue.code for issue in issues] == list(failing.codes), [str(i) for i in issues]
    assert issues[0].path is not None and issues[0].path.endswith(failing.at), issues[0].path


@pytest.mark.parametrize("agreed_on", ["2026-08-01", "2026-08-14"])
def test_an_extension_agreed_by_the_issue_date_is_read_for_the_policy(agreed_on: str) -> None:
    root = load_valid("CoverageCertificate-us", _extension(agreed_on))
    assert rules.check(mutations.document_type_of(root), root, today=TODAY) == []
    posting = posting_of(validate_element(root, today=TODAY))
    assert posting is not None and posting.extension_agreed
    assert posting.start == dt.date(2026, 9, 1)


def test_a_certificate_without_it_states_no_extension() -> None:
    root = load_valid("CoverageCertificate-us", None)
    posting = posting_of(validate_element(root, today=TODAY))
    assert posting is not None and not posting.extension_agreed
