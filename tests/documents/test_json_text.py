"""Reading JSON text from outside: bounded nesting, one clear issue for anything wrong."""

from __future__ import annotations

import pytest

from gateway.documents import MAX_JSON_DEPTH, read_json
from gateway.errors import ValidationFailed


def _refusal(data: bytes | str) -> str:
    with pytest.raises(ValidationFailed) as caught:
        read_json(data)
    (issue,) = caught.value.issues
    assert issue.code == "json.malformed"
    return issue.message


def test_nesting_up_to_the_bound_is_read() -> None:
    text = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    value = read_json(text)
    for _ in range(MAX_JSON_DEPTH - 1):
        assert isinstance(value, list)
        value = value[0]
    assert value == []


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_100, 100_000])
def test_deeper_nesting_is_one_issue_not_a_recursion_error(depth: int) -> None:
    message = _refusal('{"a":' * depth + "1" + "}" * depth)
    assert f"more than {MAX_JSON_DEPTH} levels" in message


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"note": "' + "[{" * 500 + '\\"]"}'
    assert read_json(text) == {"note": "[{" * 500 + '"]'}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "line 1 column 1"),
        (b'{"a": }', "line 1 column 7"),
        (b"\x80abc", "can't decode"),
        ('{"a": 1} x', "Extra data"),
    ],
)
def test_text_that_is_not_json_says_where(data: bytes | str, expected: str) -> None:
    assert expected in _refusal(data)
