"""The demo network's files: a PKI, the sample directory signed by its authority, and one
settings file per node. Benchmarks and fault scripts build their networks with them too.

The network is built as a real one is: each institution makes its keys in its node's own
folder (``keys/DE_DRV70001``), the authority (``pki``) issues certificates from their
requests and keeps only those, and each node installs its certificates after checking
them. No private key of an institution is ever in the authority's folder."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from gateway.codes import InstitutionId
from gateway.directory import sign_directory
from gateway.documents import SCHEMA_DIR
from gateway.security import (
    InstitutionFiles,
    KeyUse,
    SigningIdentity,
    authority_files,
    generate_institution_keys,
    init_authority,
    install_certificates,
    load_certificate,
    load_private_key,
    read_certificate_request,
    sign_certificate_request,
)

__all__ = [
    "DEMO_INSTITUTIONS",
    "enrol",
    "node_keys",
    "prepare_network",
    "prepare_nodes",
    "write_node_config",
]

#: Five institutions in four countries, under the EU Regulation and three bilateral agreements.
DEMO_INSTITUTIONS = ("DE:DRV70001", "FR:CNAV", "FR:URSSAF", "IN:EPFO", "TN:CNSS")
EXAMPLES = SCHEMA_DIR / "examples"


def node_keys(folder: Path, institution: str) -> InstitutionFiles:
    """The key folder of ``institution``'s node in a network folder made by
    :func:`prepare_network`."""
    return InstitutionFiles(folder / "keys" / institution.replace(":", "_"))


def enrol(pki: Path, keys: Path, institution: InstitutionId) -> InstitutionFiles:
    """The whole enrolment of one institution, both sides on this machine: keys and requests
    made in ``keys``, certificates issued from the requests by the authority in ``pki``,
    checked and installed beside the keys."""
    files = generate_institution_keys(keys, institution)
    issued = []
    for use in KeyUse:
        source = files.request(use)
        request = read_certificate_request(source.read_bytes(), str(source))
        certificate = sign_certificate_request(
            pki, request, institution=institution, use=use, source=str(source)
        ).certificate
        issued.append((str(source), certificate))
    install_certificates(keys, issued, authority=load_certificate(authority_files(pki).certificate))
    return files


def prepare_network(folder: Path, institutions: Sequence[str] = DEMO_INSTITUTIONS) -> Path:
    """Make a PKI, each of ``institutions``' keys enrolled with it (:func:`enrol`), and the
    sample directory signed by its authority in ``folder`` (emptied first); returns the
    directory file."""
    if folder.exists():
        shutil.rmtree(folder)
    pki = folder / "pki"
    init_authority(pki, name="Demo Social Security Network Authority")
    for institution in institutions:
        enrol(pki, node_keys(folder, institution).folder, InstitutionId(institution))
    authority = authority_files(pki)
    directory = folder / "directory.xml"
    directory.write_bytes(
        sign_directory(
            (EXAMPLES / "Directory.xml").read_bytes(),
            authority=SigningIdentity(
                load_private_key(authority.key), load_certificate(authority.certificate)
            ),
            pki_dir=pki,
        )
    )
    return directory


def write_node_config(
    folder: Path,
    institution: str,
    *,
    database_url: str,
    amqp_url: str,
    namespace: str,
    api_port: int,
    extra: str = "",
) -> Path:
    """Write the settings file of ``institution``'s node in a folder made by
    :func:`prepare_network`; ``extra`` holds further top-level settings (TOML lines)."""
    name = institution.replace(":", "_")
    authority = authority_files(folder / "pki")
    files = node_keys(folder, institution)
    config = folder / f"{name}.toml"
    config.write_text(
        f'institution = "{institution}"\n'
        f'database_url = "{database_url}"\n'
        f'amqp_url = "{amqp_url}"\n'
        f'exchange = "{namespace}network"\n'
        f'queue_prefix = "{namespace}"\n'
        f'dead_letter_exchange = "{namespace}dead-letter"\n'
        f'directory_file = "directory.xml"\n'
        f'authority_certificate = "{authority.certificate.relative_to(folder)}"\n'
        f'signing_key = "{files.key(KeyUse.SIGNING).relative_to(folder)}"\n'
        f'signing_certificate = "{files.certificate(KeyUse.SIGNING).relative_to(folder)}"\n'
        f"api_port = {api_port}\n"
        "relay_interval_seconds = 0.05\n"
        f"{extra}\n"
        "[[encryption_keys]]\n"
        f'key = "{files.key(KeyUse.ENCRYPTION).relative_to(folder)}"\n'
        f'certificate = "{files.certificate(KeyUse.ENCRYPTION).relative_to(folder)}"\n'
    )
    return config


def prepare_nodes(folder: Path, base_port: int, amqp_url: str, namespace: str) -> dict[str, Path]:
    """:func:`prepare_network` for the demo's institutions, and a settings file for each
    node (SQLite stores, APIs on ``base_port`` onwards), by institution."""
    prepare_network(folder)
    return {
        institution: write_node_config(
            folder,
            institution,
            database_url=f"sqlite:///{institution.replace(':', '_')}.db",
            amqp_url=amqp_url,
            namespace=namespace,
            api_port=base_port + index,
        )
        for index, institution in enumerate(DEMO_INSTITUTIONS)
    }
