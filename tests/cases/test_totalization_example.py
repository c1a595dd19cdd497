"""Totalization of the example reply, worked by hand, and the pro-rata amounts."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from lxml import etree

from cases.careers import AS_OF, period, spans
from gateway.cases import (
    Career,
    PeriodKind,
    periods_from_reply,
    theoretical_pro_rata,
    totalize,
)
from gateway.codes import Branch
from gateway.documents._catalogue import SCHEMA_DIR

# --- The example reply ----------------------------------------------------------------------


def example_career() -> Career:
    root = etree.parse(str(SCHEMA_DIR / "examples" / "InsurancePeriodsReply.xml")).getroot()
    # 165 months of the running German employment from January 2013 reach September 2026.
    return totalize(periods_from_reply(root), as_of=AS_OF)


def test_the_example_reply_by_hand() -> None:
    career = example_career()
    assert spans(career) == [
        # 4 months of 1977 (122 days), 1978, 1979, half of leap 1980 (182): 1034 days
        ("1977-09-01", "1980-06-30", "DE", PeriodKind.EDUCATION, 0),
        # 184 days of 1980 and 273 of 1981: 457
        ("1980-07-01", "1981-09-30", "DE", PeriodKind.MILITARY_SERVICE, 0),
        # 92 days of 1981 and 8 years 1982-1989 with two leap days (2922): 3014
        ("1981-10-01", "1989-12-31", "DE", PeriodKind.EMPLOYMENT, 0),
        # French employment 1990-1997, 2922 days, split by the German voluntary period,
        # which counts no day of its 730: 790 + 730 + 1402
        ("1990-01-01", "1992-02-29", "FR", PeriodKind.EMPLOYMENT, 0),
        ("1992-03-01", "1994-02-28", "FR", PeriodKind.EMPLOYMENT, 1),
        ("1994-03-01", "1997-12-31", "FR", PeriodKind.EMPLOYMENT, 0),
        # 11 years from April with three leap days (2000, 2004, 2008): 4018
        ("1998-04-01", "2009-03-31", "IN", PeriodKind.EMPLOYMENT, 0),
        # end unknown; 7 months and 12 days from 1 May: 245 - 31 + 12 = 226 days
        ("2009-05-01", "2009-12-12", "IN", PeriodKind.EMPLOYMENT, 0),
        # 2010-2012 with leap 2012: 1096
        ("2010-01-01", "2012-12-31", "FR", PeriodKind.UNEMPLOYMENT, 0),
        # 2013-2025 with three leap days (4748) and January-September 2026 (273): 5021
        ("2013-01-01", "2026-09-30", "DE", PeriodKind.EMPLOYMENT, 0),
    ]
    assert [segment.days for segment in career.segments] == [
        1034, 457, 3014, 790, 730, 1402, 4018, 226, 1096, 5021,
    ]  # fmt: skip
    assert dict(career.days_by_country) == {
        "DE": 1034 + 457 + 3014 + 5021,  # 9526
        "FR": 2922 + 1096,  # 4018
        "IN": 4018 + 226,  # 4244
    }
    assert career.total_days == 17788
    assert dict(career.days_by_kind) == {
        PeriodKind.EMPLOYMENT: 3014 + 2922 + 4018 + 226 + 5021,  # 15201
        PeriodKind.VOLUNTARY: 0,
        PeriodKind.MILITARY_SERVICE: 457,
        PeriodKind.UNEMPLOYMENT: 1096,
        PeriodKind.EDUCATION: 1034,
    }
    # No calendar month is shared between two countries, so the country months add up.
    assert dict(career.months_by_country) == {
        "DE": 34 + 15 + 99 + 165,  # 313
        "FR": 96 + 36,  # 132
        "IN": 132 + 8,  # 140
    }
    assert career.total_months == 585
    assert dict(career.pro_rata) == {
        "DE": Fraction(9526, 17788),  # 4763/8894
        "FR": Fraction(4018, 17788),  # 2009/8894
        "IN": Fraction(4244, 17788),  # 1061/4447
    }
    assert career.conflicts == ()


def test_the_example_reply_for_each_branch() -> None:
    career = example_career()
    # French periods count for old-age (and employment for survivors) only; the later Indian
    # period does not count for invalidity either.
    invalidity = career.for_branch(Branch.INVALIDITY)
    assert dict(invalidity.days_by_country) == {"DE": 9526, "IN": 4018}
    assert invalidity.total_days == 13544
    survivors = career.for_branch(Branch.SURVIVORS)
    assert dict(survivors.days_by_country) == {"DE": 9526, "FR": 2922, "IN": 4244}
    assert survivors.total_days == 16692
    assert career.for_branch(Branch.OLD_AGE) == career


def test_the_example_reply_pro_rata_amounts() -> None:
    career = example_career()
    amounts = {
        country: theoretical_pro_rata(Decimal("1500.00"), career, country)
        for country in ("DE", "FR", "IN")
    }
    # 1500 * 4763/8894 = 803.294..., 1500 * 2009/8894 = 338.823..., 1500 * 1061/4447 = 357.882...
    assert amounts == {"DE": Decimal("803.29"), "FR": Decimal("338.82"), "IN": Decimal("357.88")}
    # Each rounded on its own, the parts need not add up to the whole; here they fall 1 cent short.
    assert sum(amounts.values()) == Decimal("1499.99")


# --- Pro-rata amounts -----------------------------------------------------------------------


def quarter_and_three_quarters() -> Career:
    return totalize(
        [period("DE", "2000-01-01", "2000-01-01"), period("FR", "2000-01-02", "2000-01-04")],
        as_of=AS_OF,
    )


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("0.10"), Decimal("0.02")),  # 0.025: half to the even 2, where half-up gives 3
        (Decimal("0.30"), Decimal("0.08")),  # 0.075: half to the even 8
        (Decimal("0.50"), Decimal("0.12")),  # 0.125: half to the even 2
        (Decimal("0.70"), Decimal("0.18")),  # 0.175: half to the even 8
        (Decimal("0.11"), Decimal("0.03")),  # 0.0275: not a half, rounds up
        (Decimal("1000"), Decimal("250.00")),  # always two decimals
        (Decimal("-0.10"), Decimal("-0.02")),  # symmetric about zero
    ],
)
def test_pro_rata_amounts_round_to_cents_half_to_even(amount: Decimal, expected: Decimal) -> None:
    result = theoretical_pro_rata(amount, quarter_and_three_quarters(), "DE")
    assert result == expected
    assert result.as_tuple().exponent == -2


def test_pro_rata_amounts_are_rounded_once_from_the_exact_product() -> None:
    third = totalize(
        [period("DE", "2000-01-01", "2000-01-01"), period("FR", "2000-01-02", "2000-01-03")],
        as_of=AS_OF,
    )
    # 0.045 * 1/3 is exactly 0.015, half to the even 0.02; a share first rounded to 28 digits
    # (0.333...3) would give 0.01499... and round to 0.01.
    assert theoretical_pro_rata(Decimal("0.045"), third, "DE") == Decimal("0.02")


def test_pro_rata_amount_of_a_country_without_days_is_zero() -> None:
    career = quarter_and_three_quarters()
    assert str(theoretical_pro_rata(Decimal("100"), career, "IN")) == "0.00"
    # ISO spelling is accepted for the country asked about.
    assert theoretical_pro_rata(Decimal("100"), career, "GR") == Decimal("0.00")
    with pytest.raises(ValueError, match="finite"):
        theoretical_pro_rata(Decimal("NaN"), career, "DE")
