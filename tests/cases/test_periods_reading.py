"""Reading periods out of InsurancePeriodsReply documents, checked against the schema."""

from __future__ import annotations

import copy
import datetime
from functools import cache

import pytest
from lxml import etree

from gateway.cases import InsurancePeriod, PeriodKind, periods_from_reply
from gateway.codes import Branch, InstitutionId
from gateway.documents._catalogue import SCHEMA_DIR, DocumentFamily

P = DocumentFamily.PERIODS.namespace
EXAMPLE = SCHEMA_DIR / "examples" / "InsurancePeriodsReply.xml"
OLD_AGE = frozenset({Branch.OLD_AGE})


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DocumentFamily.PERIODS.schema_path("1.0"))))


@cache
def example_root() -> etree._Element:
    return etree.parse(str(EXAMPLE)).getroot()


def reply(body: str, *, valid: bool = True) -> etree._Element:
    """The example reply with its periods replaced by ``body`` (elements in prefix ``p``)."""
    root = copy.deepcopy(example_root())
    old = root.find(f"{{{P}}}Periods")
    assert old is not None
    new = etree.fromstring(f'<p:wrapper xmlns:p="{P}">{body}</p:wrapper>')
    index = list(root).index(old)
    root.remove(old)
    for offset, element in enumerate(new):
        root.insert(index + offset, element)
    # Valid documents are what the reader is for; invalid ones only test its refusals.
    assert schema().validate(root) is valid, schema().error_log
    return root


def one_period(
    end: str,
    *,
    durations: str = '<p:Duration unit="months">1</p:Duration>',
    start: str = "2009-05-01",
    country: str = "IN",
    institution: str = "IN:EPFO",
) -> str:
    return (
        "<p:Periods><p:InsurancePeriod>"
        f"<p:Country>{country}</p:Country><p:Institution>{institution}</p:Institution>"
        f"<p:Start>{start}</p:Start>{end}<p:Kind>employment</p:Kind>{durations}"
        "<p:CountsFor>old-age</p:CountsFor>"
        "</p:InsurancePeriod></p:Periods>"
    )


def read_one(end: str, **fields: str) -> InsurancePeriod:
    (period,) = periods_from_reply(reply(one_period(end, **fields)))
    return period


def test_the_example_reply() -> None:
    assert schema().validate(example_root())
    periods = periods_from_reply(example_root())
    assert [
        (p.country, p.institution, str(p.start), p.end and str(p.end), p.kind) for p in periods
    ] == [
        ("DE", "DE:DRV70001", "1977-09-01", "1980-06-30", PeriodKind.EDUCATION),
        ("DE", "DE:DRV70001", "1980-07-01", "1981-09-30", PeriodKind.MILITARY_SERVICE),
        ("DE", "DE:KBS00001", "1981-10-01", "1989-12-31", PeriodKind.EMPLOYMENT),
        ("FR", "FR:CNAV", "1990-01-01", "1997-12-31", PeriodKind.EMPLOYMENT),
        ("DE", "DE:DRV70001", "1992-03-01", "1994-02-28", PeriodKind.VOLUNTARY),
        ("IN", "IN:EPFO", "1998-04-01", "2009-03-31", PeriodKind.EMPLOYMENT),
        # EndUnknown with 7 months and 12 days: from 1 May to 12 December.
        ("IN", "IN:EPFO", "2009-05-01", "2009-12-12", PeriodKind.EMPLOYMENT),
        ("FR", "FR:CNAV", "2010-01-01", "2012-12-31", PeriodKind.UNEMPLOYMENT),
        # Still running.
        ("DE", "DE:DRV70001", "2013-01-01", None, PeriodKind.EMPLOYMENT),
    ]
    assert periods[0].counts_for == {Branch.OLD_AGE, Branch.SURVIVORS, Branch.INVALIDITY}
    assert periods[7].counts_for == OLD_AGE


def test_a_reply_with_no_periods_found_reads_as_no_periods() -> None:
    root = reply("<p:NoPeriodsFound><p:Reason>no-periods-recorded</p:Reason></p:NoPeriodsFound>")
    assert periods_from_reply(root) == []


def test_only_a_reply_is_read() -> None:
    request = etree.fromstring(f'<p:InsurancePeriodsRequest xmlns:p="{P}"/>')
    with pytest.raises(ValueError, match="InsurancePeriodsReply"):
        periods_from_reply(request)
    with pytest.raises(ValueError, match="neither Periods nor NoPeriodsFound"):
        periods_from_reply(reply("", valid=False))


def test_a_fixed_and_a_running_period() -> None:
    assert read_one("<p:End>2009-05-31</p:End>").end == datetime.date(2009, 5, 31)
    running = read_one("")
    assert running == InsurancePeriod(
        country="IN",
        institution=InstitutionId("IN:EPFO"),
        start=datetime.date(2009, 5, 1),
        end=None,
        kind=PeriodKind.EMPLOYMENT,
        counts_for=OLD_AGE,
    )


@pytest.mark.parametrize(
    ("start", "durations", "end"),
    [
        # Calendar months: one month from the 1st ends on the last day of that month.
        ("2009-05-01", '<p:Duration unit="months">1</p:Duration>', "2009-05-31"),
        ("2009-01-15", '<p:Duration unit="months">1</p:Duration>', "2009-02-14"),
        # No 31 February: one month from 31 January ends with February, leap year or not.
        ("2009-01-31", '<p:Duration unit="months">1</p:Duration>', "2009-02-28"),
        ("2008-01-31", '<p:Duration unit="months">1</p:Duration>', "2008-02-29"),
        # A quarter is three months.
        ("2009-01-01", '<p:Duration unit="quarters">2</p:Duration>', "2009-06-30"),
        # Weeks and days are days.
        ("2009-05-01", '<p:Duration unit="weeks">2</p:Duration>', "2009-05-14"),
        ("2009-05-01", '<p:Duration unit="days">1</p:Duration>', "2009-05-01"),
        # Units add up: 1 quarter, 1 month, 1 week and 3 days from 1 January.
        (
            "2009-01-01",
            '<p:Duration unit="quarters">1</p:Duration><p:Duration unit="months">1</p:Duration>'
            '<p:Duration unit="weeks">1</p:Duration><p:Duration unit="days">3</p:Duration>',
            "2009-05-10",
        ),
        # Half a month is half of the calendar month after the whole ones: 15 of June's 30 days.
        ("2009-01-01", '<p:Duration unit="months">5.5</p:Duration>', "2009-06-15"),
        # A day only partly reached counts whole.
        ("2009-05-01", '<p:Duration unit="days">2.25</p:Duration>', "2009-05-03"),
        ("2009-05-01", '<p:Duration unit="days">0.5</p:Duration>', "2009-05-01"),
    ],
)
def test_an_unknown_end_is_where_the_reported_duration_reaches(
    start: str, durations: str, end: str
) -> None:
    period = read_one("<p:EndUnknown/>", start=start, durations=durations)
    assert period.end == datetime.date.fromisoformat(end)


def test_country_codes_are_read_in_eessi_spelling() -> None:
    period = read_one("", country="GR", institution="GR:EFKA0001")
    assert (period.country, period.institution) == ("EL", "EL:EFKA0001")


def test_what_cannot_be_read_is_refused_with_its_line() -> None:
    end_first = (
        "<p:Periods><p:InsurancePeriod><p:Country>IN</p:Country>"
        "<p:Institution>IN:EPFO</p:Institution><p:Start>2009-05-01</p:Start>"
        "<p:End>2009-04-30</p:End><p:Kind>employment</p:Kind>"
        '<p:Duration unit="days">1</p:Duration><p:CountsFor>old-age</p:CountsFor>'
        "</p:InsurancePeriod></p:Periods>"
    )
    # Schema-valid, but the business rules would have refused it: the end precedes the start.
    with pytest.raises(ValueError, match=r"InsurancePeriod at line \d+: .*end before it starts"):
        periods_from_reply(reply(end_first))
    no_start = one_period("").replace("<p:Start>2009-05-01</p:Start>", "")
    with pytest.raises(ValueError, match=r"line \d+: no Start"):
        periods_from_reply(reply(no_start, valid=False))
    bad_kind = one_period("").replace("employment", "gardening")
    with pytest.raises(ValueError, match="gardening"):
        periods_from_reply(reply(bad_kind, valid=False))
    bad_unit = one_period("<p:EndUnknown/>", durations='<p:Duration unit="decades">1</p:Duration>')
    with pytest.raises(ValueError, match="unit 'decades'"):
        periods_from_reply(reply(bad_unit, valid=False))
    too_long = one_period(
        "<p:EndUnknown/>", start="9999-01-01", durations='<p:Duration unit="months">12</p:Duration>'
    )
    with pytest.raises(ValueError, match="last representable date"):
        periods_from_reply(reply(too_long))


V2_REPLIES = sorted((SCHEMA_DIR / "examples" / "v2").glob("InsurancePeriodsReply*.xml"))


@pytest.mark.parametrize("path", V2_REPLIES, ids=lambda path: path.stem)
def test_every_2_0_reply_is_read(path: object) -> None:
    root = etree.parse(str(path)).getroot()
    found = periods_from_reply(root)
    periods = root.findall(f"{{{P}}}Periods/{{{P}}}InsurancePeriod")
    assert len(found) == len(periods)


def _v2_period(inner: str) -> etree._Element:
    root = copy.deepcopy(example_root())
    root.set("schemaVersion", "2.0")
    old = root.find(f"{{{P}}}Periods")
    assert old is not None
    index = list(root).index(old)
    root.remove(old)
    body = (
        f'<p:Periods xmlns:p="{P}"><p:InsurancePeriod>'
        "<p:Country>DE</p:Country><p:Institution>DE:DRV70001</p:Institution>"
        f"<p:Start>2001-03-01</p:Start>{inner}"
        "</p:InsurancePeriod></p:Periods>"
    )
    root.insert(index, etree.fromstring(body))
    v2 = etree.XMLSchema(etree.parse(str(DocumentFamily.PERIODS.schema_path("2.0"))))
    assert v2.validate(root), v2.error_log
    return root


def test_years_place_an_unknown_end_as_twelve_months_each() -> None:
    root = _v2_period(
        '<p:EndUnknown/><p:Kind>compulsory</p:Kind><p:Duration unit="years">2</p:Duration>'
        "<p:CountsFor>old-age</p:CountsFor>"
    )
    (period,) = periods_from_reply(root)
    assert period.end == datetime.date(2003, 2, 28)
    assert period.kind is PeriodKind.COMPULSORY


def test_a_2_0_period_counts_for_the_branches_it_opens_a_right_to() -> None:
    root = _v2_period(
        "<p:End>2004-12-31</p:End><p:Kind>credited</p:Kind>"
        "<p:CountsFor>old-age</p:CountsFor><p:CountsFor>invalidity</p:CountsFor>"
        "<p:Relevance><p:Entitlement>invalidity</p:Entitlement>"
        "<p:Calculation>old-age</p:Calculation></p:Relevance>"
    )
    (period,) = periods_from_reply(root)
    assert period.counts_for == {Branch.INVALIDITY}
