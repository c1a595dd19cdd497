"""The anchoring settings: bounded, and a bad value is one clear line naming the setting and
where its value came from."""

from __future__ import annotations

import pytest

from gateway.config import load_settings
from gateway.errors import ConfigurationError

BASE: dict[str, object] = {
    "institution": "FR:CNAV",
    "database_url": "sqlite:///node.db",
    "directory_file": "directory.xml",
    "authority_certificate": "authority.pem",
    "signing_key": "signing.key",
    "signing_certificate": "signing.pem",
    "encryption_keys": [{"key": "encryption.key", "certificate": "encryption.pem"}],
}


def test_anchoring_is_off_by_default() -> None:
    settings = load_settings(None, **BASE)
    assert settings.tsa_url is None and settings.tsa_certificate is None
    assert (settings.anchor_interval_seconds, settings.unanchored_limit_hours) == (3600, 24)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (
            {"tsa_url": "http://127.0.0.1:3180/tsr"},
            "tsa_certificate: needed with tsa_url: the CA that vouches for the TSA's tokens",
        ),
        (
            {"tsa_url": "ftp://tsa.example", "tsa_certificate": "ca.pem"},
            "tsa_url: String should match pattern",
        ),
        ({"anchor_interval_seconds": 5}, "anchor_interval_seconds: Input should be greater than"),
        ({"anchor_interval_seconds": 90_000}, "anchor_interval_seconds: Input should be less"),
        ({"unanchored_limit_hours": 0}, "unanchored_limit_hours: Input should be greater than 0"),
        ({"unanchored_limit_hours": 1000}, "unanchored_limit_hours: Input should be less than"),
        (
            {"unanchored_limit_hours": 0.5},
            "unanchored_limit_hours: 0.5 hours is not longer than anchor_interval_seconds (3600 s)",
        ),
    ],
)
def test_a_bad_anchoring_setting_is_one_clear_line(values: dict[str, object], problem: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(None, **(BASE | values))
    detail = caught.value.detail
    assert detail.startswith("the command's options: ") and problem in detail
    assert "\n" not in detail and detail.count(";") == 0


def test_a_bad_limit_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GATEWAY_UNANCHORED_LIMIT_HOURS", "0.001")
    with pytest.raises(ConfigurationError) as caught:
        load_settings(None, **BASE)
    assert caught.value.detail.startswith(
        "environment variable GATEWAY_UNANCHORED_LIMIT_HOURS: unanchored_limit_hours: "
    )
