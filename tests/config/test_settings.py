"""Settings: a file plus GATEWAY_* variables, and a clear message for every bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import load_settings
from gateway.errors import ConfigurationError

MINIMAL = """
institution = "DE:DRV70001"
directory_file = "directory.xml"
authority_certificate = "pki/authority.pem"
signing_key = "keys/signing.key"
signing_certificate = "keys/signing.pem"
"""

KEYS = """
[[encryption_keys]]
key = "keys/encryption.key"
certificate = "keys/encryption.pem"
"""


def write(tmp_path: Path, text: str) -> Path:
    """A settings file: top-level settings first, then the key table."""
    path = tmp_path / "node.toml"
    path.write_text(text + KEYS)
    return path


def test_a_file_is_read_and_paths_are_relative_to_it(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, MINIMAL + 'database_url = "sqlite:///node.db"\n'))
    assert settings.institution == "DE:DRV70001"
    assert settings.directory_file == tmp_path / "directory.xml"
    assert settings.encryption_keys[0].key == tmp_path / "keys" / "encryption.key"
    assert settings.database_url == f"sqlite:///{tmp_path / 'node.db'}"


def test_environment_variables_override_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_API_PORT", "9123")
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql://db.example/node")
    settings = load_settings(write(tmp_path, MINIMAL + "api_port = 8000\n"))
    assert settings.api_port == 9123
    assert settings.database_url == "postgresql://db.example/node"


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ("api_port = 70000\n", "api_port"),
        ('prefetch = "many"\n', "prefetch"),
        ('database_url = "mysql://x"\n', "database_url"),
        ('amqp_url = "http://x"\n', "amqp_url"),
        ('colour = "blue"\n', "colour"),
        ("max_attempts = 0\n", "max_attempts"),
    ],
)
def test_a_bad_setting_is_named(tmp_path: Path, extra: str, named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        load_settings(write(tmp_path, MINIMAL + extra))


def test_a_bad_institution_id_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"institution.*not an institution id"):
        load_settings(write(tmp_path, MINIMAL.replace("DE:DRV70001", "DE:drv")))


def test_missing_settings_are_all_listed(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text('institution = "DE:DRV70001"\n')
    with pytest.raises(ConfigurationError) as caught:
        load_settings(path)
    for name in ("directory_file", "signing_key", "encryption_keys"):
        assert name in caught.value.detail


def test_unreadable_or_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_settings(tmp_path / "absent.toml")
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings(write(tmp_path, "institution = \n"))
