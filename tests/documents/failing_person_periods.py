"""Documents each business rule must report, about the person, countries, institutions and
periods: each case's mutation of an example and the issue it must raise, where."""

from __future__ import annotations

from document_mutations import add_after, both, case, remove, set_attribute, set_text

from documents.rule_cases import IN_PERIOD, OPEN_DE_PERIOD, PERIOD, REPLY_PIN, REQUEST_PIN

FAILING_PERSON_AND_PERIODS = [
    # The person
    case(
        "birth-date-in-future",
        "CoverageRefusal",
        set_text("cv:Worker/c:BirthDate", "2031-01-01"),
        "rule.birth-date-in-future",
        at="/cv:Worker/c:BirthDate",
    ),
    case(
        "birth-date-implausible",
        "CoverageRefusal",
        set_text("cv:Worker/c:BirthDate", "1890-02-11"),
        "rule.birth-date-implausible",
        at="/cv:Worker/c:BirthDate",
    ),
    case(
        "nationality-unknown",
        "CoverageRequest",
        set_text("cv:Worker/c:Nationality[2]", "QQ"),
        "rule.nationality-unknown",
        at="/cv:Worker/c:Nationality[2]",
    ),
    case(
        "duplicate-nationality",
        "CoverageRequest",
        set_text("cv:Worker/c:Nationality[2]", "TN"),
        "rule.duplicate-nationality",
        at="/c:Nationality[2]",
    ),
    case(
        "duplicate-nationality-iso-and-eessi-spelling",
        "BenefitDecision-refused",
        both(
            set_text("cl:Person/c:Nationality[1]", "GR"),
            set_text("cl:Person/c:Nationality[2]", "EL"),
        ),
        "rule.duplicate-nationality",
        at="/cl:Person/c:Nationality[2]",
    ),
    case(
        "pin-country-unknown",
        "InsurancePeriodsRequest",
        set_attribute(f"{REQUEST_PIN}[1]", "country", "QQ"),
        "rule.pin-country-unknown",
        at="/c:PersonalIdentificationNumber[1]",
    ),
    case(
        "duplicate-pin-country-same-sector",
        "InsurancePeriodsReply",
        both(
            set_attribute(f"{REPLY_PIN}[3]", "country", "DE"),
            set_attribute(f"{REPLY_PIN}[3]", "issuingInstitution", None),
        ),
        "rule.duplicate-pin-country",
        at="/p:Person/c:PersonalIdentificationNumber[3]",
    ),
    case(
        "duplicate-pin-country-no-sector-means-all",
        "BenefitClaim-survivors",
        add_after(
            "cl:Claimant/c:PersonalIdentificationNumber",
            '<c:PersonalIdentificationNumber country="FR" sector="all">'
            "258116938308790</c:PersonalIdentificationNumber>",
        ),
        "rule.duplicate-pin-country",
        at="/cl:Claimant/c:PersonalIdentificationNumber[2]",
    ),
    case(
        "pin-issuer-country-mismatch",
        "InsurancePeriodsRequest",
        set_attribute(f"{REQUEST_PIN}[2]", "issuingInstitution", "DE:DRV70001"),
        "rule.pin-issuer-country-mismatch",
        at="/c:PersonalIdentificationNumber[2]",
    ),
    case(
        "duplicate-residence-address",
        "InsurancePeriodsRequest",
        add_after(
            "p:Person/c:Address",
            '<c:Address kind="residence"><c:Street>Rue du Port 3</c:Street>'
            "<c:Town>Lyon</c:Town><c:Country>FR</c:Country></c:Address>",
        ),
        "rule.duplicate-residence-address",
        at="/p:Person/c:Address[2]",
    ),
    # Countries and institutions
    case(
        "country-unknown-in-address",
        "CoverageRequest",
        set_text("cv:WorkAddress[1]/c:Country", "QQ"),
        "rule.country-unknown",
        at="/cv:WorkAddress[1]/c:Country",
    ),
    case(
        "country-unknown-in-register-identifier",
        "CoverageRequest",
        set_attribute("cv:Employer/cv:Identifier", "country", "QQ"),
        "rule.country-unknown",
        at="/cv:Employer/cv:Identifier",
    ),
    case(
        "country-unknown-of-birth",
        "BenefitClaim",
        set_text("cl:Claimant/c:PlaceOfBirth/c:Country", "QQ"),
        "rule.country-unknown",
        at="/c:PlaceOfBirth/c:Country",
    ),
    case(
        "country-unknown-of-period",
        "BenefitDecision",
        set_text("cl:PeriodsCounted/cl:Period[3]/cl:Country", "QQ"),
        "rule.country-unknown",
        at="/cl:Period[3]/cl:Country",
    ),
    case(
        "institution-country-unknown",
        "InsurancePeriodsReply",
        set_text(f"{PERIOD}[3]/p:Institution", "QQ:KBS00001"),
        "rule.institution-country-unknown",
        at="/p:InsurancePeriod[3]/p:Institution",
    ),
    case(
        "institution-country-unknown-of-pin-issuer",
        "InsurancePeriodsRequest",
        set_attribute(f"{REQUEST_PIN}[2]", "issuingInstitution", "QQ:CNAV"),
        "rule.institution-country-unknown",
        at="/c:PersonalIdentificationNumber[2]",
    ),
    case(
        "institution-country-unknown-of-competent-institution",
        "CaseForward",
        set_text("k:CompetentInstitution", "QQ:CNAV"),
        "rule.institution-country-unknown",
        at="/k:CaseForward/k:CompetentInstitution",
    ),
    # Periods
    case(
        "period-end-before-start-requested",
        "CoverageRequest",
        set_text("cv:RequestedPeriod/c:End", "2026-12-31"),
        "rule.period-end-before-start",
        at="/cv:RequestedPeriod/c:End",
    ),
    case(
        "period-end-before-start-counted",
        "BenefitDecision",
        set_text("cl:PeriodsCounted/cl:Period[2]/cl:End", "1989-12-31"),
        "rule.period-end-before-start",
        at="/cl:Period[2]/cl:End",
    ),
    case(
        "period-starts-in-future",
        "InsurancePeriodsReply",
        set_text(f"{PERIOD}[9]/p:Start", "2027-01-01"),
        "rule.period-starts-in-future",
        at="/p:InsurancePeriod[9]/p:Start",
    ),
    case(
        "period-ends-in-future",
        "BenefitDecision",
        set_text("cl:PeriodsCounted/cl:Period[5]/cl:End", "2027-09-30"),
        "rule.period-ends-in-future",
        at="/cl:Period[5]/cl:End",
    ),
    case(
        "period-before-birth",
        "InsurancePeriodsReply",
        set_text(f"{PERIOD}[1]/p:Start", "1960-09-01"),
        "rule.period-before-birth",
        at="/p:InsurancePeriod[1]/p:Start",
    ),
    case(
        "periods-overlap-same-institution-and-kind",
        "InsurancePeriodsReply",
        both(
            set_text(f"{PERIOD}[2]/p:Kind", "education"),
            set_text(f"{PERIOD}[2]/p:Start", "1980-06-01"),
        ),
        "rule.periods-overlap-same-institution",
        at="/p:InsurancePeriod[2]",
    ),
    case(
        "periods-overlap-open-ended",
        "InsurancePeriodsReply",
        add_after(
            f"{PERIOD}[9]",
            OPEN_DE_PERIOD.format(
                start="2020-01-01", end="2020-12-31", kind="employment", months=12
            ),
        ),
        "rule.periods-overlap-same-institution",
        at="/p:InsurancePeriod[10]",
    ),
    case(
        "periods-overlap-unknown-end-on-its-start",
        "InsurancePeriodsReply",
        add_after(f"{PERIOD}[9]", IN_PERIOD.format(start="2009-05-01")),
        "rule.periods-overlap-same-institution",
        at="/p:InsurancePeriod[10]",
    ),
    case(
        "periods-overlap-institution-spelt-two-ways",
        "InsurancePeriodsReply",
        both(
            set_text(f"{PERIOD}[3]/p:Country", "GR"),
            set_text(f"{PERIOD}[3]/p:Institution", "GR:EFKA0001"),
            set_text(f"{PERIOD}[4]/p:Country", "EL"),
            set_text(f"{PERIOD}[4]/p:Institution", "EL:EFKA0001"),
            set_text(f"{PERIOD}[4]/p:Start", "1989-12-01"),
            set_text(f"{PERIOD}[4]/p:Duration", "33"),
        ),
        "rule.periods-overlap-same-institution",
        at="/p:InsurancePeriod[4]",
    ),
    case(
        "duration-exceeds-span-quarters",
        "InsurancePeriodsReply",
        set_text(f"{PERIOD}[4]/p:Duration", "33"),
        "rule.duration-exceeds-span",
        at="/p:InsurancePeriod[4]/p:Duration",
    ),
    case(
        "duration-exceeds-span-days",
        "InsurancePeriodsReply",
        both(
            set_attribute(f"{PERIOD}[2]/p:Duration", "unit", "days"),
            set_text(f"{PERIOD}[2]/p:Duration", "458"),
        ),
        "rule.duration-exceeds-span",
        at="/p:InsurancePeriod[2]/p:Duration",
    ),
    case(
        "duration-exceeds-span-weeks",
        "InsurancePeriodsReply",
        both(
            set_attribute(f"{PERIOD}[1]/p:Duration", "unit", "weeks"),
            set_text(f"{PERIOD}[1]/p:Duration", "149"),
        ),
        "rule.duration-exceeds-span",
        at="/p:InsurancePeriod[1]/p:Duration",
    ),
    case(
        "duration-exceeds-span-mixed-units",
        "InsurancePeriodsReply",
        add_after(f"{PERIOD}[2]/p:Duration", '<p:Duration unit="days">1</p:Duration>'),
        "rule.duration-exceeds-span",
        at="/p:InsurancePeriod[2]/p:Duration[1]",
    ),
    case(
        "duration-exceeds-span-open-ended-counted-to-today",
        "InsurancePeriodsReply",
        set_text(f"{PERIOD}[9]/p:Duration", "168"),
        "rule.duration-exceeds-span",
        at="/p:InsurancePeriod[9]/p:Duration",
    ),
    case(
        "duration-exceeds-span-counted-period",
        "BenefitDecision",
        set_text("cl:PeriodsCounted/cl:Period[5]/cl:Duration", "56"),
        "rule.duration-exceeds-span",
        at="/cl:Period[5]/cl:Duration",
    ),
    case(
        "institution-country-mismatch",
        "InsurancePeriodsReply",
        set_text(f"{PERIOD}[6]/p:Institution", "FR:CNAV"),
        "rule.institution-country-mismatch",
        at="/p:InsurancePeriod[6]",
    ),
    case(
        "remarks-missing",
        "InsurancePeriodsReply-none",
        both(set_text("p:NoPeriodsFound/p:Reason", "other"), remove("p:Remarks")),
        "rule.remarks-missing",
        at="/p:NoPeriodsFound/p:Reason",
    ),
]
