"""The posting limit: a certificate or notification of a posting longer than the limit the
directory gives the agreement is refused, with the limit, the agreement and the months found."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from posting_certificates import eu_certificate, us_certificate, validated

from gateway.directory import (
    Directory,
    Permitted,
    RefusalReason,
    Refused,
    decide,
    posting_limit_refusal,
)
from gateway.documents import DocumentType, Posting, posting_of

D = dt.date
DAY = D(2026, 11, 25)


def ask(
    directory: Directory, sender: str, recipient: str, posting: Posting | None
) -> Permitted | Refused:
    return decide(
        directory,
        sender=sender,
        recipient=recipient,
        document_type=DocumentType.COVERAGE_CERTIFICATE,
        schema_version="1.0",
        branches=frozenset(),
        on=DAY,
        posting=posting,
    )


def eu(directory: Directory, posting: Posting | None) -> Permitted | Refused:
    """France certifies to Germany: the EU Regulation, 24 months in the directory."""
    return ask(directory, "FR:URSSAF", "DE:DRV70001", posting)


def us(directory: Directory, posting: Posting | None) -> Permitted | Refused:
    """The United States certify to Germany: agreement US-DE, 60 months in the directory."""
    return ask(directory, "US:SSAOIP", "DE:DRV70001", posting)


def refusal(decision: Permitted | Refused) -> str:
    assert isinstance(decision, Refused), decision
    assert decision.reason is RefusalReason.POSTING_LIMIT_EXCEEDED
    return decision.detail


def permitted_under(decision: Permitted | Refused) -> str | None:
    assert isinstance(decision, Permitted), decision
    return decision.agreement.id if decision.agreement else None


def test_the_eu_permits_24_months_and_refuses_one_day_more(directory: Directory) -> None:
    assert permitted_under(eu(directory, Posting(D(2024, 3, 1), D(2026, 2, 28)))) == "EU-883-2004"
    assert refusal(eu(directory, Posting(D(2024, 3, 1), D(2026, 3, 1)))) == (
        "a posting of 24 months and 1 day exceeds the 24 months of agreement EU-883-2004"
    )


def test_us_de_permits_60_months_and_refuses_61(directory: Directory) -> None:
    assert permitted_under(us(directory, Posting(D(2026, 9, 1), D(2031, 8, 31)))) == "US-DE"
    assert refusal(us(directory, Posting(D(2026, 9, 1), D(2031, 9, 30)))) == (
        "a posting of 61 months exceeds the 60 months of agreement US-DE"
    )


@pytest.mark.parametrize(
    ("start", "end", "permitted"),
    [
        # Until the day before the same day 24 months later.
        (D(2024, 1, 31), D(2026, 1, 30), True),
        (D(2024, 1, 31), D(2026, 1, 31), False),
        # Leap years: 24 months from 29 February 2024 end on 28 February 2026.
        (D(2024, 2, 29), D(2026, 2, 28), True),
        (D(2024, 2, 29), D(2026, 3, 1), False),
    ],
)
def test_months_are_calendar_months_from_the_first_day(
    directory: Directory, start: dt.date, end: dt.date, permitted: bool
) -> None:
    decision = eu(directory, Posting(start, end))
    assert isinstance(decision, Permitted) is permitted, decision


def test_earlier_postings_that_the_posting_continues_count_with_it(directory: Directory) -> None:
    # 20 months, after 5 months that ended a month before it began: 25 months in all.
    continued = Posting(D(2025, 1, 1), D(2026, 8, 31), earlier=((D(2024, 7, 1), D(2024, 11, 30)),))
    assert refusal(eu(directory, continued)) == (
        "a posting of 20 months after earlier postings of 5 months, 25 months in all, exceeds "
        "the 24 months of agreement EU-883-2004"
    )
    # The same earlier posting two months before: a fresh posting, counted alone.
    fresh = dataclasses.replace(continued, earlier=((D(2024, 6, 1), D(2024, 10, 31)),))
    assert permitted_under(eu(directory, fresh)) == "EU-883-2004"


def test_earlier_postings_add_up_along_the_chain(directory: Directory) -> None:
    chain = Posting(
        D(2025, 1, 1),
        D(2025, 12, 31),
        earlier=(
            (D(2023, 1, 1), D(2023, 12, 31)),  # ends 0 days before the next: counts
            (D(2024, 1, 1), D(2024, 11, 15)),  # ends 46 days before this one: counts
            (D(2021, 1, 1), D(2022, 6, 30)),  # six months before the chain: a posting of its own
        ),
    )
    assert len(chain.counted_earlier) == 2
    assert refusal(eu(directory, chain)).startswith(
        "a posting of 12 months after earlier postings of 22 months and 15 days, "
        "34 months and 15 days in all,"
    )


def test_a_posting_without_an_end_is_refused_where_a_limit_applies(directory: Directory) -> None:
    assert refusal(eu(directory, Posting(D(2025, 1, 1), None))) == (
        "a posting without an end cannot be held within the 24 months of agreement "
        "EU-883-2004: it must state its last day"
    )


def test_an_agreement_without_a_limit_in_the_directory_sets_none(directory: Directory) -> None:
    ten_years = Posting(D(2027, 1, 1), D(2036, 12, 31))
    # AR-CL gives no PostingLimitMonths.
    assert permitted_under(ask(directory, "AR:ANSES", "CL:IPS01", ten_years)) == "AR-CL"
    # Without its PostingLimitMonths, the EU Regulation sets none either: the directory is the
    # limit's only source.
    unlimited = dataclasses.replace(
        directory,
        agreements=tuple(
            dataclasses.replace(a, posting_limit_months=None) if a.id == "EU-883-2004" else a
            for a in directory.agreements
        ),
    )
    assert permitted_under(eu(unlimited, ten_years)) == "EU-883-2004"
    assert isinstance(eu(directory, ten_years), Refused)


def test_the_limit_is_held_against_the_agreement_the_exchange_rests_on(
    directory: Directory,
) -> None:
    # A refusal for another reason stays that refusal: no agreement binds France and India.
    decision = ask(directory, "FR:URSSAF", "IN:EPFO", Posting(D(2027, 1, 1), D(2036, 12, 31)))
    assert isinstance(decision, Refused) and decision.reason is RefusalReason.NO_AGREEMENT


def test_an_art_16_exception_of_five_years_is_not_a_posting(directory: Directory) -> None:
    start, end = D(2027, 1, 1), D(2031, 12, 31)
    exception = validated(eu_certificate(start, end, kind="exception-agreement"))
    assert posting_of(exception) is None
    assert permitted_under(eu(directory, posting_of(exception))) == "EU-883-2004"
    # The same five years certified as a posting are refused.
    posting = posting_of(validated(eu_certificate(start, end)))
    assert posting == Posting(start, end)
    assert refusal(eu(directory, posting)).startswith("a posting of 60 months exceeds the 24")


def test_a_us_exception_of_six_years_is_not_a_posting(directory: Directory) -> None:
    start, end = D(2026, 9, 1), D(2032, 8, 31)
    exception = validated(us_certificate(start, end, kind="exception-agreement"))
    assert permitted_under(us(directory, posting_of(exception))) == "US-DE"
    detached = validated(us_certificate(start, end))
    assert refusal(us(directory, posting_of(detached))) == (
        "a posting of 72 months exceeds the 60 months of agreement US-DE"
    )


def test_the_back_office_helper_gives_the_same_answer() -> None:
    posting = Posting(D(2026, 9, 1), D(2031, 9, 30))
    refused = posting_limit_refusal(posting, limit_months=60, agreement_id="US-DE")
    assert refused == Refused(
        RefusalReason.POSTING_LIMIT_EXCEEDED,
        "a posting of 61 months exceeds the 60 months of agreement US-DE",
    )
    assert posting_limit_refusal(posting, limit_months=61, agreement_id="US-DE") is None
