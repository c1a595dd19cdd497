"""The JSON form refuses bad input with issues that say where and what is expected, and any
JSON is either converted or refused that way, never with a traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from documents.json_forms import (
    EXAMPLES,
    TODAY,
    JsonObject,
    example_form,
    refusal,
)
from gateway.documents import (
    DocumentType,
    Issue,
    document_from_json,
    validate_document,
)
from gateway.errors import ValidationFailed

# --- Refusals --------------------------------------------------------------------------------


def _set(path: str, value: object) -> Callable[[JsonObject], None]:
    """A mutation that sets the member at a JSON pointer below the wrapper."""

    def mutate(form: JsonObject) -> None:
        *parents, last = path.strip("/").split("/")
        target: Any = form
        for step in parents:
            target = target[int(step)] if isinstance(target, list) else target[step]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(path: str) -> Callable[[JsonObject], None]:
    def mutate(form: JsonObject) -> None:
        *parents, last = path.strip("/").split("/")
        target: Any = form
        for step in parents:
            target = target[int(step)] if isinstance(target, list) else target[step]
        del target[last]

    return mutate


# (case, mutation of the BenefitDecision example, code, path, a value no message may quote)
REFUSALS: list[tuple[str, Callable[[JsonObject], None], str, str, str | None]] = [
    ("missing document", _delete("/document"), "json.malformed", "/document", None),
    ("missing documentType", _delete("/documentType"), "json.malformed", "/documentType", None),
    ("missing schemaVersion", _delete("/schemaVersion"), "json.malformed", "/schemaVersion", None),
    ("extra member", _set("/signature", "x"), "json.malformed", "/signature", None),
    ("document not an object", _set("/document", ["x"]), "json.malformed", "/document", None),
    (
        "documentType not a string",
        _set("/documentType", 7),
        "json.malformed",
        "/documentType",
        None,
    ),
    (
        "unknown document type",
        _set("/documentType", "Directory"),
        "json.unknown-document",
        "/documentType",
        "Directory",
    ),
    (
        "unsupported version",
        _set("/schemaVersion", "1.1"),
        "json.unsupported-version",
        "/schemaVersion",
        None,
    ),
    (
        "impossible birth date",
        _set("/document/Person/BirthDate", "1961-02-30"),
        "json.invalid",
        "/document/Person/BirthDate",
        "1961-02-30",
    ),
    (
        "unknown member",
        _set("/document/Person/Nickname", "Jürgi"),
        "json.invalid",
        "/document/Person/Nickname",
        "Jürgi",
    ),
    (
        "empty forename in a list",
        _set("/document/Person/Forename/1", ""),
        "json.invalid",
        "/document/Person/Forename/1",
        None,
    ),
    (
        "family name too long",
        _set("/document/Person/FamilyName/0", "Ü" * 156),
        "json.invalid",
        "/document/Person/FamilyName/0",
        "ÜÜÜ",
    ),
    (
        "amount as a JSON number",
        _set("/document/Amount/$", 412.37),
        "json.invalid",
        "/document/Amount/$",
        "412.37",
    ),
    (
        "amount with five decimals",
        _set("/document/Amount/$", "412.37123"),
        "json.invalid",
        "/document/Amount/$",
        "412.37123",
    ),
    (
        "negative amount",
        _set("/document/NetAmount/$", "-378.19"),
        "json.invalid",
        "/document/NetAmount/$",
        "-378.19",
    ),
    (
        "bad currency",
        _set("/document/Amount/@currency", "euro"),
        "json.invalid",
        "/document/Amount/@currency",
        "euro",
    ),
    (
        "missing currency",
        _delete("/document/Amount/@currency"),
        "json.invalid",
        "/document/Amount/@currency",
        None,
    ),
    (
        "unknown attribute",
        _set("/document/Amount/@rate", "1.1"),
        "json.invalid",
        "/document/Amount/@rate",
        None,
    ),
    (
        "missing required element",
        _delete("/document/DecisionDate"),
        "json.invalid",
        "/document/DecisionDate",
        None,
    ),
    (
        "single element given twice",
        _set("/document/Result", ["granted", "refused"]),
        "json.invalid",
        "/document/Result/1",
        None,
    ),
    (
        "code not in the list",
        _set("/document/Result", "postponed"),
        "json.invalid",
        "/document/Result",
        "postponed",
    ),
    (
        "object given as text",
        _set("/document/Person", "Jürgen Müller"),
        "json.invalid",
        "/document/Person",
        "Jürgen Müller",
    ),
    (
        "deep value in a list",
        _set("/document/PeriodsCounted/Period/1/Duration/0/$", "0"),
        "json.invalid",
        "/document/PeriodsCounted/Period/1/Duration/0/$",
        None,
    ),
    (
        "empty array",
        _set("/document/Person/Forename", []),
        "json.invalid",
        "/document/Person/Forename",
        None,
    ),
    (
        "boolean",
        _set("/document/Frequency", True),
        "json.invalid",
        "/document/Frequency",
        None,
    ),
    (
        "integer where a code belongs",
        _set("/document/Person/PersonalIdentificationNumber/0/$", 161039910904245),
        "json.invalid",
        "/document/Person/PersonalIdentificationNumber/0/$",
        "161039910904245",
    ),
    (
        "value that must be unique repeated",
        _set(
            "/document/PeriodsCounted/Period/0/Duration",
            [{"@unit": "quarters", "$": "33"}, {"@unit": "quarters", "$": "1"}],
        ),
        "json.invalid",
        "/document/PeriodsCounted/Period/0/Duration/1",
        "quarters",
    ),
    (
        "inner schemaVersion disagrees",
        _set("/document/@schemaVersion", "1.1"),
        "json.invalid",
        "/document/@schemaVersion",
        None,
    ),
]


@pytest.mark.parametrize(
    ("mutate", "code", "path", "secret"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_refusal(
    mutate: Callable[[JsonObject], None], code: str, path: str, secret: str | None
) -> None:
    form = example_form("BenefitDecision")
    mutate(form)
    error = refusal(form)
    assert [(issue.code, issue.path) for issue in error.issues][:1] == [(code, path)], [
        str(issue) for issue in error.issues
    ]
    assert all(issue.message for issue in error.issues)
    if secret is not None:
        assert all(secret not in issue.message for issue in error.issues)
        assert secret not in str(error)


@pytest.mark.parametrize("data", [None, [], "{}", 3, b"{}"], ids=repr)
def test_anything_but_an_object_is_malformed(data: object) -> None:
    error = refusal(data)
    assert [(issue.code, issue.path) for issue in error.issues] == [("json.malformed", "")]


def test_several_problems_are_all_reported() -> None:
    form = example_form("BenefitDecision")
    form["document"]["Person"]["BirthDate"] = "1961-13-01"
    form["document"]["Amount"]["@currency"] = "eur"
    paths = {issue.path for issue in refusal(form).issues}
    assert paths == {"/document/Person/BirthDate", "/document/Amount/@currency"}


def test_refusal_messages_say_what_is_expected() -> None:
    form = example_form("BenefitDecision")
    form["document"]["Person"]["BirthDate"] = "14.03.1961"
    (issue,) = refusal(form).issues
    assert "YYYY-MM-DD" in issue.message
    assert "14.03.1961" not in issue.message


# --- Robustness: any JSON is either converted or refused with issues, never a traceback -----

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


def _pointers(value: object, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _pointers(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _pointers(item, (*path, index))


def _issues_of(convert: Callable[[], object]) -> tuple[Issue, ...] | None:
    """The issues ``convert`` is refused with, or None when it succeeds."""
    try:
        convert()
    except ValidationFailed as error:
        return error.issues
    return None


def _check_outcome(data: object) -> None:
    """``data`` converts to XML that only business rules may refuse, or is refused as JSON."""
    xml: list[bytes] = []
    issues = _issues_of(lambda: xml.append(document_from_json(data)))
    if issues is not None:
        assert issues
        assert all(issue.code.startswith("json.") for issue in issues)
        assert all(issue.path == "" or str(issue.path).startswith("/") for issue in issues)
        return
    issues = _issues_of(lambda: validate_document(xml[0], today=TODAY))
    assert issues is None or all(issue.code.startswith("rule.") for issue in issues), [
        str(issue) for issue in issues or ()
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_mutation_is_converted_or_refused(data: st.DataObject) -> None:
    form = example_form(data.draw(st.sampled_from([path.stem for path in EXAMPLES])))
    pointer = data.draw(st.sampled_from(list(_pointers(form["document"]))))
    replacement = data.draw(_json_values)
    if not pointer:
        form["document"] = replacement
    else:
        target: Any = form["document"]
        for step in pointer[:-1]:
            target = target[step]
        if data.draw(st.booleans()) and isinstance(target, dict):
            target[data.draw(st.text(max_size=8))] = replacement
        else:
            target[pointer[-1]] = replacement
    _check_outcome(form)


@settings(max_examples=100, deadline=None)
@given(
    document_type=st.sampled_from([t.root_name for t in DocumentType]),
    document=_json_values,
)
def test_any_json_document_is_refused_cleanly(document_type: str, document: object) -> None:
    _check_outcome({"documentType": document_type, "schemaVersion": "1.0", "document": document})
