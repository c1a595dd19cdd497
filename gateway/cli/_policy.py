"""ssgw policy check: ask the agreement policy what it would decide, with every input it uses,
and hear the rule and the article that decided."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from gateway.cli._common import EXIT_INVALID, JsonOption, parse_moment, print_json, reported_errors
from gateway.cli._directory import open_directory
from gateway.cli._policy_inputs import (
    MAX_POSTING_MONTHS,
    OPTION_OF_INPUT,
    branches_option,
    document_type_option,
    facts_options,
    institution_option,
    posting_options,
)
from gateway.directory import Permitted, Refused, decide
from gateway.documents import Posting
from gateway.errors import ConfigurationError

__all__ = ["policy_app"]

policy_app = typer.Typer(no_args_is_help=True)


# The options of `policy check`, named here so that its signature reads as a list.
_Branch = Annotated[
    list[str] | None, typer.Option(help="A branch the document concerns (repeatable).")
]
_On = Annotated[str | None, typer.Option(help="The day (ISO date; default today).")]
_SchemaVersion = Annotated[str, typer.Option(help="The document's schema version (1.0 or 2.0).")]
_PersonStatus = Annotated[
    list[str] | None, typer.Option(help="A status of the person, e.g. employed (repeatable).")
]
_Nationality = Annotated[
    list[str] | None, typer.Option(help="A nationality of the person (repeatable).")
]
_Scheme = Annotated[
    list[str] | None,
    typer.Option(help="A scheme of the periods a periods document lists (repeatable)."),
]
_Result = Annotated[
    str | None, typer.Option(help="A BenefitDecision's result: granted or refused.")
]
_PaymentCountry = Annotated[
    str | None, typer.Option(help="The country a granted benefit is paid to.")
]
_RefusedOn = Annotated[
    list[str] | None,
    typer.Option(help="A ground of a refusal, a reason code such as nationality (repeatable)."),
]
_PostingMonths = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=MAX_POSTING_MONTHS,
        help="The months of the posting a CoverageCertificate certifies or notifies, held "
        "against the agreement's posting limit.",
    ),
]
_EarlierMonths = Annotated[
    int,
    typer.Option(
        min=0,
        max=MAX_POSTING_MONTHS,
        help="The months of the worker's earlier postings that this one continues.",
    ),
]
_ExtensionAgreed = Annotated[
    bool,
    typer.Option(
        help="Both institutions agreed to extend the posting as far as the agreement allows."
    ),
]


@policy_app.command("check")
def check_policy(
    sender: Annotated[str, typer.Option("--from", help="The sending institution.")],
    recipient: Annotated[str, typer.Option("--to", help="The receiving institution.")],
    document_type: Annotated[str, typer.Option("--type", help="Document type, e.g. BenefitClaim.")],
    directory: Annotated[Path, typer.Option(help="The signed network directory.")],
    authority: Annotated[Path, typer.Option(help="The network authority's certificate.")],
    branch: _Branch = None,
    on: _On = None,
    schema_version: _SchemaVersion = "1.0",
    posting_months: _PostingMonths = None,
    earlier_months: _EarlierMonths = 0,
    extension_agreed: _ExtensionAgreed = False,
    person_status: _PersonStatus = None,
    nationality: _Nationality = None,
    scheme: _Scheme = None,
    result: _Result = None,
    payment_country: _PaymentCountry = None,
    refused_on: _RefusedOn = None,
    as_json: JsonOption = False,
) -> None:
    """May SENDER send a document of this type and version for these branches to RECIPIENT
    on that day, for this person, posting or decision? An input a rule needs and that is not
    given is an error, never a permission."""
    with reported_errors():
        day = parse_moment(on).date()
        sending = institution_option("--from", sender)
        receiving = institution_option("--to", recipient)
        kind = document_type_option(document_type)
        posting = posting_options(
            kind, posting_months, earlier_months, day, extension_agreed=extension_agreed
        )
        facts = facts_options(
            kind,
            statuses=person_status or [],
            nationalities=nationality or [],
            schemes=scheme or [],
            result=result,
            payment_country=payment_country,
            refused_on=refused_on or [],
        )
        decision = decide(
            open_directory(directory, authority, dt.datetime.now(dt.UTC)),
            sender=sending,
            recipient=receiving,
            document_type=kind,
            schema_version=schema_version,
            branches=branches_option(branch or [], kind),
            on=day,
            posting=posting,
            facts=facts,
        )
        _require_inputs(decision)
    _answer(decision, posting, as_json=as_json)
    if isinstance(decision, Refused):
        raise typer.Exit(EXIT_INVALID)


def _require_inputs(decision: Permitted | Refused) -> None:
    """A permission some rule could not decide for want of an input is no answer."""
    if isinstance(decision, Refused) or not decision.unchecked:
        return
    options = ", ".join(OPTION_OF_INPUT[needed] for needed in decision.unchecked)
    raise ConfigurationError(
        f"{_basis(decision)} decides this exchange by {', '.join(decision.unchecked)}: "
        f"give {options}"
    )


def _answer(decision: Permitted | Refused, posting: Posting | None, *, as_json: bool) -> None:
    """Print the policy's answer and the rules that decided; a posting's names the posting
    rule it met."""
    if as_json:
        print_json(_decision_report(decision, posting))
        return
    if isinstance(decision, Refused):
        typer.echo(f"refused [{decision.reason.value}]: {decision.detail}")
        if decision.by is not None:
            typer.echo(f"rule: {decision.by}")
        return
    if posting is not None:
        typer.echo(f"permitted under {_basis(decision)}: {_posting_rule(decision, posting)}")
    else:
        typer.echo(f"permitted under {_basis(decision)}")
    if decision.applied:
        typer.echo("rules: " + ", ".join(str(applied) for applied in decision.applied))


def _basis(decision: Permitted) -> str:
    return decision.agreement.id if decision.agreement else "national exchange"


def _decision_report(decision: Permitted | Refused, posting: Posting | None) -> dict[str, object]:
    if isinstance(decision, Refused):
        by = decision.by
        return {
            "permitted": False,
            "basis": None,
            "reason": decision.reason.value,
            "detail": decision.detail,
            "rule": {"rule": by.rule.value, "article": by.article or None} if by else None,
        }
    report: dict[str, object] = {
        "permitted": True,
        "basis": _basis(decision),
        "reason": None,
        "detail": None,
        "rules": [
            {"rule": applied.rule.value, "article": applied.article or None}
            for applied in decision.applied
        ],
    }
    if posting is not None:
        report["posting_rule"] = _posting_rule(decision, posting)
    return report


def _posting_rule(decision: Permitted, posting: Posting) -> str:
    """The posting rule a permitted posting met, in words."""
    agreement = decision.agreement
    if agreement is None:
        return "a posting within one country has no posting limit"
    limit = agreement.posting_limit_months
    if limit is None:
        return f"the directory gives {agreement.id} no posting limit"
    total = posting.total_length
    found = (
        f"postings of {total} in all keep"
        if posting.counted_earlier
        else f"a posting of {total} keeps"
    )
    within = f"the {limit} months of agreement {agreement.id}"
    if total is not None and total.exceeds(limit) and agreement.posting_extension:
        within += (
            f" and the extension of up to {agreement.posting_extension.months} months both "
            "institutions agreed"
        )
    return f"{found} within {within}"
