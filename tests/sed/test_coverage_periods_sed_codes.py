"""SED mappings of applicable legislation and of periods of insurance: their code tables both
ways, and bad input refused with one issue per problem, pointed into the SED."""

from __future__ import annotations

import pytest

from gateway.sed._coverage import A008_KIND, A010_KIND, ARTICLES
from gateway.sed._coverage import CODE_TABLES as COVERAGE_TABLES
from gateway.sed._periods import BRANCHES, CLAIM_BRANCHES, DURATION
from gateway.sed._periods import CODE_TABLES as PERIOD_TABLES
from gateway.sed._rules import Codec, CodeError, NoSedCode
from sed.coverage_periods_seds import (
    SCHEMA_TEXT,
    issues_of,
    load,
)

# --- Code tables -----------------------------------------------------------------------------

TABLES = {**COVERAGE_TABLES, **{f"periods {what}": codec for what, codec in PERIOD_TABLES.items()}}


@pytest.mark.parametrize(("what", "codec"), TABLES.items(), ids=list(TABLES))
def test_a_code_table_translates_both_ways(what: str, codec: Codec) -> None:
    assert codec.codes
    for sed_code, ours in codec.codes.items():
        assert codec.to_ours(sed_code) == ours
        assert codec.to_sed(ours) == sed_code
        assert f'value="{ours}"' in SCHEMA_TEXT, ours
    with pytest.raises(CodeError):
        codec.to_ours("no-such-code")


def test_an_article_or_several_translate_both_ways() -> None:
    assert ARTICLES.to_ours("13_1_b_ii") == ["eu-13-1-b-ii"]
    assert ARTICLES.to_sed(["eu-13-1-b-ii"]) == "13_1_b_ii"
    assert ARTICLES.to_sed(["eu-13-3", "eu-13-1-a"]) == ["13_3", "13_1_a"]
    assert ARTICLES.to_ours(["13_3", "13_1_a"]) == ["eu-13-3", "eu-13-1-a"]


def test_a_provision_without_an_article_is_a_named_loss() -> None:
    with pytest.raises(NoSedCode):
        ARTICLES.to_sed(["us-totalization-detached"])
    assert ARTICLES.to_sed(["eu-12-1", "us-totalization-exception"]) == "12_1"
    reason = ARTICLES.export_loss(["eu-12-1", "us-totalization-exception"])
    assert reason is not None
    assert "us-totalization-exception" in reason


@pytest.mark.parametrize("codec", [A010_KIND, A008_KIND], ids=["A010", "A008"])
def test_a_kind_comes_from_its_article_and_goes_back_as_its_main_article(codec: Codec) -> None:
    assert codec.codes is None
    for kind in {"flag", "civil-servant", "posting", "multi-state-activity"}:
        try:
            article = codec.to_sed(kind)
        except NoSedCode:
            continue
        assert codec.to_ours(article) == kind
    with pytest.raises(CodeError):
        codec.to_ours("16_2" if codec is A010_KIND else "11_4")


@pytest.mark.parametrize(
    ("flags", "branches"),
    [
        ("111", ["old-age", "survivors", "invalidity"]),
        ("100", ["old-age"]),
        ("010", ["survivors"]),
        ("001", ["invalidity"]),
        ("110", ["old-age", "survivors"]),
        ("101", ["old-age", "invalidity"]),
        ("011", ["survivors", "invalidity"]),
    ],
)
def test_relevance_flags_translate_both_ways(flags: str, branches: list[str]) -> None:
    assert BRANCHES.to_ours(flags) == branches
    assert BRANCHES.to_sed(branches) == flags


@pytest.mark.parametrize("flags", ["11", "1111", "120", "abc"])
def test_relevance_flags_other_than_three_zeros_or_ones_are_refused(flags: str) -> None:
    with pytest.raises(CodeError):
        BRANCHES.to_ours(flags)


def test_a_claim_type_translates_both_ways() -> None:
    assert CLAIM_BRANCHES.to_ours("20") == ["survivors"]
    assert CLAIM_BRANCHES.to_sed(["survivors"]) == "20"
    assert CLAIM_BRANCHES.to_sed(["old-age", "invalidity"]) == ["10", "30"]


def test_a_summed_duration_translates_both_ways() -> None:
    summed = {
        "aar": "2",
        "maaneder": "3",
        "uker": "4",
        "kvartal": "1",
        "dager": {"nr": "5", "type": "6"},
    }
    durations = DURATION.to_ours(summed)

    assert durations == [
        {"@unit": "years", "$": "2"},
        {"@unit": "months", "$": "3"},
        {"@unit": "weeks", "$": "4"},
        {"@unit": "quarters", "$": "1"},
        {"@unit": "days", "$": "5", "@daysPerWeek": "6"},
    ]
    assert DURATION.to_sed(durations) == summed
    # A zero is how a SED says none.
    assert DURATION.to_ours({"aar": "0", "maaneder": "7"}) == [{"@unit": "months", "$": "7"}]


@pytest.mark.parametrize(
    "summed", [{"aar": "x"}, {"timer": "3"}, {"dager": {"nr": "3", "type": "4"}}, "12"]
)
def test_a_bad_summed_duration_is_refused(summed: object) -> None:
    with pytest.raises(CodeError):
        DURATION.to_ours(summed)


# --- Bad input: one issue per problem, pointed into the SED ----------------------------------


def test_an_unknown_code_a_list_for_an_object_and_a_bad_date_are_one_issue_each() -> None:
    sed = load("A001")
    sed["nav"]["arbeidsgiver"][0]["identifikator"][0]["type"] = "bedriftsnummer"
    sed["medlemskap"]["unntak"] = [sed["medlemskap"]["unntak"]]
    sed["medlemskap"]["soeknadsperiode"]["startdato"] = "2027-02-30"

    issues = issues_of(sed)

    assert sorted(path for _, path in issues if path) == [
        "/medlemskap/soeknadsperiode/startdato",
        "/medlemskap/unntak",
        "/nav/arbeidsgiver/0/identifikator/0/type",
    ]
    assert len(issues) == 3
    assert ("sed.shape", "/medlemskap/unntak") in issues
    assert ("sed.value", "/nav/arbeidsgiver/0/identifikator/0/type") in issues


def test_a_period_that_ends_before_it_starts_is_one_issue_at_its_end() -> None:
    sed = load("A001")
    sed["medlemskap"]["tidligereperiode"][0]["fastperiode"]["sluttdato"] = "2024-02-28"

    assert issues_of(sed) == [
        ("rule.period-end-before-start", "/medlemskap/tidligereperiode/0/fastperiode/sluttdato")
    ]


@pytest.mark.parametrize(
    ("member", "value"),
    [("type", "17"), ("relevans", "12"), ("ordning", "08"), ("sum", {"timer": "40"})],
)
def test_a_bad_p5000_value_is_one_issue_at_its_place(member: str, value: object) -> None:
    sed = load("P5000")
    sed["pensjon"]["medlemskapboarbeid"]["medlemskap"][1][member] = value

    assert issues_of(sed) == [("sed.value", f"/pensjon/medlemskapboarbeid/medlemskap/1/{member}")]


def test_a_p5000_period_that_ends_before_it_starts_is_one_issue_at_its_end() -> None:
    sed = load("P5000")
    sed["pensjon"]["medlemskapboarbeid"]["medlemskap"][0]["periode"]["tom"] = "1982-08-31"

    assert issues_of(sed) == [
        ("rule.period-end-before-start", "/pensjon/medlemskapboarbeid/medlemskap/0/periode/tom")
    ]


def test_an_a010_whose_article_is_not_an_a010_article_is_one_issue() -> None:
    sed = load("A010")
    sed["medlemskap"]["meldingomlovvalg"]["artikkel"] = "12_1"

    issues = issues_of(sed)

    assert ("sed.value", "/medlemskap/meldingomlovvalg/artikkel") in issues
    assert {path for _, path in issues} == {"/medlemskap/meldingomlovvalg/artikkel"}
