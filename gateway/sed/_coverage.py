"""Applicable legislation: A001 (exception), A003 (Art. 13), A008 (change), A009 (posting), A010.

The A-SEDs write the worker, the employers and the places of work in ``nav`` and the rest in
``medlemskap``; each becomes one of our coverage documents, told apart by its ``Purpose``
(``docs/sed.md``). The institution's own case (``nav.eessisak``) gives a request's sending
country and case number and a certificate's issuing institution; the day a certificate was
issued is the day the exchange sent it, which no SED field holds. The SEDs' yes-or-no fields
whose yes is one of our markers (empty elements) are read and written as those markers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from gateway.documents import DocumentType
from gateway.sed._codes import COUNTRY, code_table
from gateway.sed._person import ADDRESS, PERSON
from gateway.sed._rules import (
    SCALAR,
    Codec,
    CodeError,
    Each,
    Fixed,
    FromExchange,
    Leaf,
    Marker,
    NoSedCode,
    One,
    Rule,
    When,
)
from gateway.sed._sed import SedType

__all__ = ["A008_KIND", "A010_KIND", "ARTICLES", "CODE_TABLES", "COVERAGE_TYPES"]

#: The articles of Regulation (EC) No 883/2004 as the A-SEDs write them, and our provisions.
_ARTICLE: Final = code_table(
    "article",
    {
        "11_3_a": "eu-11-3-a",
        "11_3_b": "eu-11-3-b",
        "11_3_c": "eu-11-3-c",
        "11_3_d": "eu-11-3-d",
        "11_3_e": "eu-11-3-e",
        "11_4": "eu-11-4",
        "11_4_2": "eu-11-4-2",
        "11_5": "eu-11-5",
        "12_1": "eu-12-1",
        "12_2": "eu-12-2",
        "13_1_a": "eu-13-1-a",
        "13_1_b_i": "eu-13-1-b-i",
        "13_1_b_ii": "eu-13-1-b-ii",
        "13_1_b_iii": "eu-13-1-b-iii",
        "13_1_b_iv": "eu-13-1-b-iv",
        "13_2_a": "eu-13-2-a",
        "13_2_b": "eu-13-2-b",
        "13_3": "eu-13-3",
        "13_4": "eu-13-4",
        "15": "eu-15",
        "16_1": "eu-16-1",
        "16_2": "eu-16-2",
        "annet": "other",
    },
)


def _articles_to_ours(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [_ARTICLE.to_ours(item) for item in items]


def _writable(value: object) -> tuple[list[str], list[str]]:
    """The SED codes of our provisions, and the provisions the SED has no code for."""
    items = value if isinstance(value, list) else [value]
    codes: list[str] = []
    without: list[str] = []
    for item in items:
        try:
            codes.append(_ARTICLE.to_sed(item))
        except NoSedCode:
            without.append(SCALAR.to_sed(item))
    return codes, without


def _articles_to_sed(value: object) -> str | list[str]:
    # The SEDs name one article; a document resting on several (an Art. 13(3) determination
    # with Art. 13(1)(a)) writes them all as a list rather than drop any.
    codes, without = _writable(value)
    if not codes:
        raise NoSedCode(f"the provision {', '.join(without)} has no article in the SED")
    return codes[0] if len(codes) == 1 else codes


def _articles_export_loss(value: object) -> str | None:
    codes, without = _writable(value)
    if codes and without:
        return f"the provision {', '.join(without)} has no article in the SED"
    return None


#: One article in the SED (or, from a document resting on several, a list of them); our
#: repeatable ``LegalBasisCode``. A provision of ours without an article (the agreements of
#: the United States) is a named loss.
ARTICLES: Final = Codec(
    to_ours=_articles_to_ours, to_sed=_articles_to_sed, export_loss=_articles_export_loss
)

#: What an employer's or a business's register identifier is for.
_IDENTIFIER_KIND: Final = code_table(
    "identifier type",
    {
        "registrering": "registration",
        "trygd": "social-security",
        "skattemessig": "tax",
        "ukjent": "other",
    },
)

#: Whether a decision is the first one: ``eropprinneligvedtak`` says it (ja: it is)...
_DECISION_KIND: Final = code_table("original decision", {"ja": "initial", "nei": "amending"})
#: ... and ``erendringsvedtak`` says the opposite (ja: it amends an earlier one).
_AMENDING_DECISION: Final = code_table("amending decision", {"nei": "initial", "ja": "amending"})


def _kind_codec(what: str, kinds: Mapping[str, str], canonical: Mapping[str, str]) -> Codec:
    """The coverage kind an article decides. Several articles decide one kind, so the way
    back writes the kind's main article; the rule for ``LegalBasisCode`` on the same field,
    which comes after it, then writes the article the document actually names."""

    def to_ours(value: object) -> str:
        article = SCALAR.to_ours(value)
        if article not in kinds:
            raise CodeError(f"the article of {what} must be one of: {', '.join(kinds)}")
        return kinds[article]

    def to_sed(value: object) -> str:
        kind = SCALAR.to_sed(value)
        if kind not in canonical:
            raise NoSedCode(f"{what} is not sent for the coverage kind {kind}")
        return canonical[kind]

    return Codec(to_ours=to_ours, to_sed=to_sed)


#: The kind of an A010 (the other situations of Articles 11 and 15) from its article.
A010_KIND: Final = _kind_codec(
    "an A010",
    {
        "11_3_a": "employment-in-one-state",
        "11_3_b": "civil-servant",
        "11_3_c": "unemployed",
        "11_3_d": "military-service",
        "11_3_e": "non-active",
        "11_4": "flag",
        "11_4_2": "flag",
        "11_5": "flight-crew",
        "15": "eu-contract-staff",
    },
    {
        "employment-in-one-state": "11_3_a",
        "civil-servant": "11_3_b",
        "unemployed": "11_3_c",
        "military-service": "11_3_d",
        "non-active": "11_3_e",
        "flag": "11_4",
        "flight-crew": "11_5",
        "eu-contract-staff": "15",
    },
)

#: The kind of the situation an A008 changes, from the article it was determined under.
A008_KIND: Final = _kind_codec(
    "an A008",
    {
        "12_1": "posting",
        "12_2": "posting",
        "13_1_a": "multi-state-activity",
        "13_1_b_i": "multi-state-activity",
        "13_1_b_ii": "multi-state-activity",
        "13_1_b_iii": "multi-state-activity",
        "13_1_b_iv": "multi-state-activity",
        "13_2_a": "multi-state-activity",
        "13_2_b": "multi-state-activity",
        "13_3": "multi-state-activity",
        "16_1": "exception-agreement",
        "16_2": "exception-agreement",
    },
    {"posting": "12_1", "multi-state-activity": "13_1_a", "exception-agreement": "16_1"},
)

# --- Parts every A-SED shares ----------------------------------------------------------------

_REGISTER_IDENTIFIER: Final[tuple[Rule, ...]] = (
    Leaf("id", "$"),
    Leaf("type", "@kind", _IDENTIFIER_KIND),
)

#: An employer (``arbeidsgiver``) as our ``cv:Employer``.
_EMPLOYER: Final[tuple[Rule, ...]] = (
    Leaf("navn", "Name"),
    Each("identifikator", "Identifier", _REGISTER_IDENTIFIER),
    One("adresse", "Address", ADDRESS),
)

#: A self-employed activity: the SEDs write it as an employer under ``nav.selvstendig``.
_SELF_EMPLOYED: Final[tuple[Rule, ...]] = (
    Leaf("navn", "Description"),
    Each("identifikator", "Identifier", _REGISTER_IDENTIFIER),
    One("adresse", "Address", ADDRESS),
)

#: A place of work (``arbeidssted``). ``hjemmebase`` is the flag state of a ship or the
#: country of a crew's home base: the country the work counts as done in.
_PLACE_OF_WORK: Final[tuple[Rule, ...]] = (
    Leaf("navn", "Name"),
    One("adresse", "Address", ADDRESS),
    Leaf("hjemmebase", "Country", COUNTRY),
    Marker("erikkefastadresse", "NoFixedAddress"),
)

_LAND: Final[tuple[Rule, ...]] = (Leaf("land", "$", COUNTRY),)

#: The sending institution's own case, the first of ``nav.eessisak``.
_CASE: Final = "nav.eessisak.0"


def _within(prefix: str, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """Leaves whose values the SED writes flat and we one level down, under ``prefix``."""
    return tuple(
        Leaf(rule.sed, f"{prefix}.{rule.ours}", rule.codec)
        for rule in rules
        if isinstance(rule, Leaf)
    )


def _worker(employers: str) -> tuple[Rule, ...]:
    """The worker, the employers (from ``employers``), businesses, places of work, remarks."""
    return (
        One("nav.bruker", "Worker", PERSON),
        Each(employers, "Employer", _EMPLOYER),
        Each("nav.selvstendig.arbeidsgiver", "SelfEmployedActivity", _SELF_EMPLOYED),
        Each("nav.arbeidssted", "PlaceOfWork", _PLACE_OF_WORK),
        Leaf("nav.ytterligereinformasjon", "Remarks"),
    )


#: The countries of work other than the competent one, where a SED's ``arbeidsland`` means that.
_HOST_COUNTRIES: Final = Each("nav.arbeidsland", "HostCountry", _LAND)

#: A request's sending country and case number: those of the requesting institution's case.
_REQUESTER: Final[tuple[Rule, ...]] = (
    Leaf(f"{_CASE}.land", "SendingCountry", COUNTRY),
    Leaf(f"{_CASE}.saksnummer", "LocalCaseNumber"),
)


def _path(*steps: str) -> str:
    return ".".join(step for step in steps if step)


def _period(holder: str, fixed: str, ours: str) -> When:
    """A period that is either fixed (``holder.fixed`` holds its start and end) or open
    (``holder.aapenperiode`` holds its start): which one is told by the end, on either side."""
    start, end = _path(holder, fixed, "startdato"), _path(holder, fixed, "sluttdato")
    return When(
        end,
        (),
        f"{ours}.End",
        (),
        rules=(Leaf(start, f"{ours}.Start"), Leaf(end, f"{ours}.End")),
        otherwise=(Leaf(_path(holder, "aapenperiode", "startdato"), f"{ours}.Start"),),
    )


def _decision(fixed: str) -> One:
    """The decision (``medlemskap.vedtak``): the legislation, its period, which decision;
    ``fixed`` is where the period's fixed dates lie below ``gjelderperiode``."""
    return One(
        "medlemskap.vedtak",
        "",
        (
            Leaf("land", "ApplicableLegislation", COUNTRY),
            _period("gjelderperiode", fixed, "Period"),
            # Both fields say whether the decision is the first; the second decides on import
            # and both are written on export.
            Leaf("eropprinneligvedtak", "DecisionKind", _DECISION_KIND),
            Leaf("erendringsvedtak", "DecisionKind", _AMENDING_DECISION),
            Leaf("datoforrigevedtak", "PreviousDecisionDate"),
            Marker("gjeldervarighetyrkesaktivitet", "ForDurationOfActivity"),
        ),
    )


#: A certificate's issuer: the institution whose case the SED is.
_ISSUER: Final = Leaf(f"{_CASE}.institusjonsid", "IssuingInstitution")
#: No SED field says when a decision was issued: it is the day the exchange sends it.
_ISSUED_ON: Final = FromExchange("IssuedOn", "sent_on")


def _purpose_is(purpose: str) -> Callable[[Mapping[str, Any]], bool]:
    def fits(document: Mapping[str, Any]) -> bool:
        return document.get("Purpose") == purpose

    return fits


# --- The SED types ---------------------------------------------------------------------------

#: An A003 says once, for its employers in the other states, whether the activity there is
#: marginal; we say it of each employer. With one host employer the two are the same; with
#: several the SED's one answer has no place of ours, and each employer's marker none in the
#: SED: both are named losses rather than spread over, or taken from, some of the employers.
_HOST_EMPLOYER_MARGINAL: Final = When(
    "andreland.arbeidsgiver.1",
    (),
    "HostEmployer.1",
    (),
    rules=(),
    otherwise=(
        Marker(
            "andreland.arbeidsgiveraktivitet.eraktivitetmarginal", "HostEmployer.0.MarginalActivity"
        ),
    ),
)

_EXCEPTION: Final[tuple[Rule, ...]] = (
    Leaf("startdatoansattforsikret", "InsuredSince"),
    Leaf("startdatokontraktansettelse", "EmployedSince"),
    Leaf("a1grunnlag", "CertificateBasis", _ARTICLE),
    Leaf("spesielleomstendigheter.beskrivelseannensituasjon", "SpecialCircumstances"),
    Leaf("begrunnelse", "Justification"),
)

_A001: Final[tuple[Rule, ...]] = (
    Fixed("Purpose", "exception-request"),
    Fixed("Kind", "exception-agreement"),
    *_worker("nav.arbeidsgiver"),
    *_REQUESTER,
    _HOST_COUNTRIES,
    One(
        "medlemskap",
        "",
        (
            Leaf("soeknadsperiode.startdato", "RequestedPeriod.Start"),
            Leaf("soeknadsperiode.sluttdato", "RequestedPeriod.End"),
            Each("tidligereperiode", "EarlierPosting", (_period("", "fastperiode", "Period"),)),
            Each("naavaerendemedlemskap", "CurrentLegislation", _LAND),
            Each("forespurtmedlemskap", "RequestedLegislation", _LAND),
            Each("vertsland.arbeidsgiver", "HostEmployer", _EMPLOYER),
            Leaf("unntak.grunnlag.artikkel", "LegalBasisCode", ARTICLES),
            Leaf("unntak.grunnlag.annet", "LegalBasis"),
            One("unntak", "Exception", _EXCEPTION),
            Marker(
                "rammeavtale.fjernarbeid.EESSIYesNoType", "Exception.TeleworkFrameworkAgreement"
            ),
            Each("forrigesoeknad", "PreviousRequestDate", (Leaf("dato", "$"),)),
            Marker("anmodning.erendring", "AmendsPreviousRequest"),
        ),
    ),
)

_A003: Final[tuple[Rule, ...]] = (
    Fixed("Purpose", "multi-state-determination"),
    Fixed("Kind", "multi-state-activity"),
    *_worker("nav.arbeidsgiver"),
    _ISSUER,
    _ISSUED_ON,
    _decision(""),
    One(
        "medlemskap",
        "",
        (
            Leaf("relevantartikkelfor8832004eller9872009", "LegalBasisCode", ARTICLES),
            Marker("isDeterminationProvisional", "Provisional"),
            Each("andreland.arbeidsgiver", "HostEmployer", _EMPLOYER),
            _HOST_EMPLOYER_MARGINAL,
        ),
    ),
)

_A008: Final[tuple[Rule, ...]] = (
    Fixed("Purpose", "change-notification"),
    *_worker("nav.arbeidsgiver"),
    *_REQUESTER,
    _HOST_COUNTRIES,
    Leaf("medlemskap.bruker.arbeidiflereland.yrkesaktivitet.startdato", "RequestedPeriod.Start"),
    One(
        "medlemskap.endring",
        "",
        (
            # The kind first: the article written for it is then overwritten by the actual one.
            Leaf("ihhtparagraf", "Kind", A008_KIND),
            Leaf("ihhtparagraf", "Change.LegalBasisCode", _ARTICLE),
            Leaf("trerikraftfra", "Change.EffectiveFrom"),
            Leaf("startdato", "Change.ActualPeriod.Start"),
            Leaf("sluttdato", "Change.ActualPeriod.End"),
            One("adresse", "Change.NewAddress", ADDRESS),
            Each(
                "arbeidssted",
                "Change.NewPlaceOfWork",
                (Leaf("navn", "Name"), *_within("Address", ADDRESS)),
                sed_single=True,
            ),
        ),
    ),
    Marker("medlemskap.kansellering.heleperioden.EESSIYesNoType", "Change.CancelsWholePeriod"),
)

_A009: Final[tuple[Rule, ...]] = (
    Fixed("Purpose", "posting-notification"),
    Fixed("Kind", "posting"),
    *_worker("medlemskap.utsendingsland.arbeidsgiver"),
    _ISSUER,
    _ISSUED_ON,
    _HOST_COUNTRIES,
    _decision("fastperiode"),
    Leaf("medlemskap.vedtak.artikkelforordning", "LegalBasisCode", ARTICLES),
    Each("medlemskap.andreland.arbeidsgiver", "HostEmployer", _EMPLOYER),
)

_A010: Final[tuple[Rule, ...]] = (
    Fixed("Purpose", "other-notification"),
    # The kind first: the article written for it is then overwritten by the actual one.
    Leaf("medlemskap.meldingomlovvalg.artikkel", "Kind", A010_KIND),
    Leaf("medlemskap.meldingomlovvalg.artikkel", "LegalBasisCode", ARTICLES),
    *_worker("nav.arbeidsgiver"),
    _ISSUER,
    _ISSUED_ON,
    _HOST_COUNTRIES,
    _decision(""),
    Each("medlemskap.andreland.arbeidsgiver", "HostEmployer", _EMPLOYER),
)

#: Every code table of the A-SEDs, by what it translates, to check in both directions.
CODE_TABLES: Final[Mapping[str, Codec]] = {
    "article": _ARTICLE,
    "identifier type": _IDENTIFIER_KIND,
    "original decision": _DECISION_KIND,
    "amending decision": _AMENDING_DECISION,
}

#: The applicable-legislation SED types; on export the document's Purpose chooses among them.
COVERAGE_TYPES: Final = (
    SedType(
        "A001",
        "Request for an exception under Article 16",
        DocumentType.COVERAGE_REQUEST,
        _A001,
        _purpose_is("exception-request"),
    ),
    SedType(
        "A003",
        "Determination of the applicable legislation under Article 13",
        DocumentType.COVERAGE_CERTIFICATE,
        _A003,
        _purpose_is("multi-state-determination"),
    ),
    SedType(
        "A008",
        "Notification of a change or of an activity in another member state",
        DocumentType.COVERAGE_REQUEST,
        _A008,
        _purpose_is("change-notification"),
    ),
    SedType(
        "A009",
        "Notification of a posting under Article 12",
        DocumentType.COVERAGE_CERTIFICATE,
        _A009,
        _purpose_is("posting-notification"),
    ),
    SedType(
        "A010",
        "Notification of the applicable legislation in other situations",
        DocumentType.COVERAGE_CERTIFICATE,
        _A010,
        _purpose_is("other-notification"),
    ),
)
