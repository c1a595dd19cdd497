"""A bad setting is reported naming where its value came from: the file or the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import load_settings
from gateway.errors import ConfigurationError

SETTINGS = """
institution = "DE:DRV70001"
directory_file = "directory.xml"
authority_certificate = "pki/authority.pem"
signing_key = "keys/signing.key"
signing_certificate = "keys/signing.pem"

[[encryption_keys]]
key = "keys/encryption.key"
certificate = "keys/encryption.pem"
"""


def problems(path: Path | None) -> list[str]:
    """The lines a command prints for the settings' problems."""
    with pytest.raises(ConfigurationError) as caught:
        load_settings(path)
    return caught.value.detail.split("; ")


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    path = tmp_path / "node.toml"
    path.write_text(SETTINGS)
    return path


@pytest.mark.parametrize(
    ("variable", "value", "setting"),
    [
        ("GATEWAY_ENCRYPTION_KEYS", "{bad", "encryption_keys"),
        ("GATEWAY_REPLY_DUE_DAYS", "[1,", "reply_due_days"),
    ],
)
def test_a_variable_that_is_not_json_is_named(
    settings_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    setting: str,
) -> None:
    monkeypatch.setenv(variable, value)
    [problem] = problems(settings_file)
    assert problem.startswith(f"environment variable {variable}: {setting}: not valid JSON (")
    assert str(settings_file) not in problem


def test_a_bad_value_from_a_variable_names_the_variable_not_the_file(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_API_PORT", "99999")
    assert problems(settings_file) == [
        "environment variable GATEWAY_API_PORT: api_port: "
        "Input should be less than or equal to 65535"
    ]


def test_a_bad_value_from_the_file_names_the_file(settings_file: Path) -> None:
    settings_file.write_text("prefetch = 0\n" + SETTINGS)
    assert problems(settings_file) == [
        f"{settings_file}: prefetch: Input should be greater than or equal to 1"
    ]


def test_a_nested_variable_is_named(settings_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_REPLY_DUE_DAYS__coverage", "soon")
    [problem] = problems(settings_file)
    assert problem.startswith(
        "environment variable GATEWAY_REPLY_DUE_DAYS__coverage: reply_due_days.coverage: "
    )


def test_a_list_from_a_variable_replaces_the_files(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_ENCRYPTION_KEYS", '[{"key": "other.key"}]')
    assert problems(settings_file) == [
        "environment variable GATEWAY_ENCRYPTION_KEYS: encryption_keys[1].certificate: "
        "Field required"
    ]


def test_a_missing_setting_says_where_it_may_be_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "node.toml"
    path.write_text(SETTINGS.replace('signing_key = "keys/signing.key"\n', ""))
    assert problems(path) == [
        f"{path}: missing signing_key (set it there or as GATEWAY_SIGNING_KEY)"
    ]


def test_every_bad_setting_is_named_by_its_own_source(
    settings_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_file.write_text('institution = "DE:drv"\nprefetch = 0\n')
    monkeypatch.setenv("GATEWAY_API_PORT", "port")
    assert problems(settings_file) == [
        f"{settings_file}: institution: 'DE:drv' is not an institution id: expected a country "
        "code, a colon and 4 to 10 ASCII letters or digits, as in DE:DRV70001",
        "environment variable GATEWAY_API_PORT: api_port: Input should be a valid integer, "
        "unable to parse string as an integer",
        f"{settings_file}: prefetch: Input should be greater than or equal to 1",
        f"{settings_file}: missing directory_file, authority_certificate, signing_key, "
        "signing_certificate, encryption_keys (set them there or as GATEWAY_<SETTING> variables)",
    ]
