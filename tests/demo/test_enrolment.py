"""The demo network is enrolled as a real one: keys made in each node's folder, certificates
issued from requests, and no institution's private key in the authority's folder."""

from __future__ import annotations

import stat
from pathlib import Path

from gateway.config import load_settings
from gateway.demo.network import prepare_network, write_node_config
from gateway.node import load_credentials

INSTITUTIONS = ("DE:DRV70001", "FR:CNAV")


def test_the_authority_holds_no_institution_key_and_each_node_loads_its_own(
    tmp_path: Path,
) -> None:
    prepare_network(tmp_path, INSTITUTIONS)
    assert [p.name for p in (tmp_path / "pki").rglob("*.key")] == ["authority.key"]
    assert sorted(p.name for p in (tmp_path / "pki" / "institutions" / "FR_CNAV").iterdir()) == [
        "encryption.pem",
        "signing.pem",
    ]
    for institution in INSTITUTIONS:
        keys = tmp_path / "keys" / institution.replace(":", "_")
        assert sorted(p.name for p in keys.iterdir()) == [
            f"{use}.{kind}" for use in ("encryption", "signing") for kind in ("csr", "key", "pem")
        ]
        assert stat.S_IMODE((keys / "signing.key").stat().st_mode) == 0o600
        config = write_node_config(
            tmp_path,
            institution,
            database_url="sqlite:///node.db",
            amqp_url="amqp://guest:guest@127.0.0.1:5672/",
            namespace="ssgw.",
            api_port=0,
        )
        settings = load_settings(config)
        assert settings.signing_key == keys / "signing.key"
        assert load_credentials(settings).institution == institution
