"""Reading the posting a coverage certificate certifies or notifies, and counting its months."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree
from posting_certificates import us_certificate, validated

from gateway.documents import (
    Posting,
    PostingLength,
    posting_of,
    validate_document,
)
from gateway.errors import ValidationFailed
from support import EXAMPLES, example

D = dt.date


def test_the_a1_certifies_its_period() -> None:
    assert posting_of(example("CoverageCertificate")) == Posting(D(2027, 1, 4), D(2028, 12, 31))


def test_a_posting_notification_lists_its_earlier_postings() -> None:
    notification = validate_document(
        (EXAMPLES / "v2" / "CoverageCertificate-posting-notification.xml").read_bytes()
    )
    posting = posting_of(notification)
    assert posting == Posting(
        D(2027, 1, 11), D(2028, 7, 9), earlier=((D(2024, 3, 4), D(2024, 10, 31)),)
    )
    # Ended more than two years before: a posting of its own, which does not count.
    assert posting.counted_earlier == ()
    assert posting.total_length == posting.length == PostingLength(17, 29)


def test_earlier_postings_are_read_from_a_certificate() -> None:
    earlier = ((D(2025, 1, 1), D(2026, 7, 31)), (D(2024, 1, 1), D(2024, 3, 31)))
    posting = posting_of(validated(us_certificate(D(2026, 9, 1), D(2030, 8, 31), earlier=earlier)))
    assert posting is not None and posting.earlier == earlier
    # The first ended a month before this one began; the second, nine months before the first.
    assert posting.counted_earlier == ((D(2025, 1, 1), D(2026, 7, 31)),)
    assert posting.total_length == PostingLength(48 + 19)


@pytest.mark.parametrize(
    "name",
    [
        "CoverageRequest",
        "CoverageRefusal",
        "CoverageWithdrawal",
        "InsurancePeriodsRequest",
        "v2/CoverageCertificate-multi-state",
        "v2/CoverageRequest-exception",
    ],
)
def test_only_a_certificate_of_a_posting_gives_one(name: str) -> None:
    document = validate_document((EXAMPLES / f"{name}.xml").read_bytes())
    assert posting_of(document) is None


def test_a_posting_without_an_end_is_refused_by_the_business_rules() -> None:
    root = etree.fromstring(us_certificate(D(2026, 9, 1), D(2030, 8, 31)))
    for end in list(root.iter("{urn:ssgw:common:1}End")):
        parent = end.getparent()
        assert parent is not None
        parent.remove(end)
    with pytest.raises(ValidationFailed) as refused:
        validate_document(etree.tostring(root))
    assert "rule.posting-without-end" in {issue.code for issue in refused.value.issues}


@pytest.mark.parametrize(
    ("start", "end", "length", "words"),
    [
        (D(2024, 3, 1), D(2026, 2, 28), PostingLength(24), "24 months"),
        (D(2024, 3, 1), D(2026, 3, 1), PostingLength(24, 1), "24 months and 1 day"),
        (D(2024, 1, 31), D(2024, 2, 29), PostingLength(1), "1 month"),
        (D(2024, 1, 31), D(2024, 2, 28), PostingLength(0, 29), "29 days"),
        (D(2024, 5, 15), D(2024, 5, 15), PostingLength(0, 1), "1 day"),
        (D(2023, 3, 1), D(2024, 3, 31), PostingLength(13), "13 months"),
    ],
)
def test_months_are_counted_from_the_first_day(
    start: dt.date, end: dt.date, length: PostingLength, words: str
) -> None:
    assert PostingLength.of(start, end) == length
    assert str(length) == words


def test_odd_days_of_separate_postings_make_a_month_every_thirty() -> None:
    assert PostingLength(3, 20) + PostingLength(1, 15) == PostingLength(5, 5)
    assert PostingLength(24).exceeds(24) is False
    assert PostingLength(24, 1).exceeds(24) is True


def test_the_last_representable_days_do_not_break_the_count() -> None:
    assert PostingLength.of(D(9990, 1, 1), D(9999, 12, 31)).months >= 119
    far = Posting(D(9999, 12, 1), D(9999, 12, 31), earlier=((D(9999, 1, 1), D(9999, 11, 30)),))
    assert far.counted_earlier == far.earlier
    assert far.total_length is not None and far.total_length.exceeds(11)
