"""ssgw doctor: check a node's settings, keys, certificates, directory, store and broker.

Each check prints one line, ``OK``, ``WARN`` or ``FAIL``, and for a problem what is wrong and
how to fix it. The checks use the loaders the node itself starts with, so a node that passes
them starts; nothing is changed anywhere (the store is only read, a SQLite file opened
read-only and never created; the broker is only asked passively whether things exist).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import os
import stat
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gateway.cli._common import JsonOption, print_json, schema_problem
from gateway.config import NodeSettings, load_settings
from gateway.directory import Directory
from gateway.errors import (
    BrokerAccessRefused,
    BrokerUnavailable,
    CertificateUntrusted,
    GatewayError,
    StoreUnavailable,
    TopologyMismatch,
)
from gateway.exchange import Credentials
from gateway.node import load_credentials, load_network_directory
from gateway.node.runtime import transport_settings
from gateway.security import (
    KeyUse,
    PrivateKey,
    certificate_fingerprint,
    check_institution_certificate,
    load_certificate,
)
from gateway.store import stored_schema
from gateway.transport import probe

__all__ = ["Finding", "Level", "doctor", "examine"]

#: A certificate that expires sooner than this is a warning: time to renew it.
EXPIRY_WARNING = dt.timedelta(days=30)
#: A directory not reissued for this long is a warning: the node may miss newer versions.
DIRECTORY_STALE = dt.timedelta(days=90)
_BROKER_TIMEOUT = 5.0


class Level(enum.StrEnum):
    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


@dataclass(frozen=True, slots=True)
class Finding:
    """The outcome of one check; ``fix`` says what to do when it is not OK."""

    level: Level
    subject: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"{self.level.value:<4}  {self.subject}: {self.detail}"
        if self.level is not Level.OK and self.fix:
            text += f"; fix: {self.fix}"
        return text


def examine(config: Path | None, now: dt.datetime) -> Iterator[Finding]:
    """Run every check in the order a node starts; later checks that need what an earlier
    one could not load are left out."""
    try:
        settings = load_settings(config)
    except GatewayError as error:
        yield Finding(
            Level.FAIL,
            "settings",
            error.detail,
            "correct the named setting (docs/configuration.md lists them all)",
        )
        return
    yield Finding(Level.OK, "settings", f"valid, institution {settings.institution}")
    yield from _files(settings)
    credentials = None
    try:
        credentials = load_credentials(settings)
    except GatewayError as error:
        yield Finding(
            Level.FAIL,
            "keys",
            error.detail,
            "point signing_key, signing_certificate and encryption_keys at this institution's "
            "files, and key_passphrase_file at their passphrase",
        )
    authority = None
    try:
        authority = load_certificate(settings.authority_certificate)
    except GatewayError as error:
        yield Finding(
            Level.FAIL, "authority", error.detail, "set authority_certificate to the network's"
        )
    if credentials is not None:
        yield from _key_pairs(credentials)
        if authority is not None:
            yield from _own_certificates(credentials, authority, now)
    directory = None
    try:
        directory = load_network_directory(settings)
    except GatewayError as error:
        yield Finding(
            Level.FAIL,
            "directory",
            error.detail,
            "install the network's current signed directory file at directory_file",
        )
    if directory is not None:
        yield from _directory(directory, settings, credentials, now)
    yield from _database(settings)
    yield _broker(settings, directory)


def _files(settings: NodeSettings) -> Iterator[Finding]:
    files: list[tuple[str, Path, bool]] = [
        ("directory_file", settings.directory_file, False),
        ("authority_certificate", settings.authority_certificate, False),
        ("signing_key", settings.signing_key, True),
        ("signing_certificate", settings.signing_certificate, False),
    ]
    for number, pair in enumerate(settings.encryption_keys, start=1):
        files.append((f"encryption_keys[{number}].key", pair.key, True))
        files.append((f"encryption_keys[{number}].certificate", pair.certificate, False))
    if settings.key_passphrase_file is not None:
        files.append(("key_passphrase_file", settings.key_passphrase_file, True))
    problems = 0
    for setting, path, secret in files:
        try:
            mode = path.stat().st_mode
        except OSError as error:
            problems += 1
            yield Finding(
                Level.FAIL,
                "files",
                f"{setting} {path}: {error.strerror}",
                f"correct {setting}, or put the file there",
            )
            continue
        if not os.access(path, os.R_OK):
            problems += 1
            yield Finding(
                Level.FAIL,
                "files",
                f"{setting} {path} is not readable by this user",
                "run the node as the file's owner, or give that user read access",
            )
        elif secret and mode & stat.S_IROTH:
            problems += 1
            yield Finding(
                Level.FAIL,
                "files",
                f"{setting} {path} is readable by every user of this host",
                f"chmod 600 {path}",
            )
        elif secret and mode & stat.S_IRGRP:
            problems += 1
            yield Finding(
                Level.WARN,
                "files",
                f"{setting} {path} is readable by its group",
                f"chmod 600 {path}, unless the group holds only the node's users",
            )
    if not problems:
        yield Finding(
            Level.OK, "files", f"{len(files)} files readable, private keys readable only by owner"
        )


def _public(key: PrivateKey | x509.Certificate) -> bytes:
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _key_pairs(credentials: Credentials) -> Iterator[Finding]:
    pairs = [("signing_key", credentials.signing.key, credentials.signing.certificate)]
    pairs += [
        (f"encryption_keys[{number}]", pair.key, pair.certificate)
        for number, pair in enumerate(credentials.decryption, start=1)
    ]
    mismatched = [name for name, key, certificate in pairs if _public(key) != _public(certificate)]
    for name in mismatched:
        yield Finding(
            Level.FAIL,
            "keys",
            f"the key of {name} does not belong to its certificate",
            "configure the certificate issued for this key ('ssgw pki issue' writes them "
            "side by side)",
        )
    if not mismatched:
        yield Finding(Level.OK, "keys", f"{len(pairs)} keys load and match their certificates")


def _expiry(subject: str, what: str, certificate: x509.Certificate, now: dt.datetime) -> Finding:
    end = certificate.not_valid_after_utc
    renew = "renew it: docs/operations.md, 'Renewing a certificate'"
    if end <= now:
        return Finding(Level.FAIL, subject, f"{what} expired on {end:%Y-%m-%d %H:%M} UTC", renew)
    if end - now < EXPIRY_WARNING:
        days = (end - now).days
        return Finding(
            Level.WARN, subject, f"{what} expires in {days} days ({end:%Y-%m-%d} UTC)", renew
        )
    return Finding(Level.OK, subject, f"{what} is valid until {end:%Y-%m-%d} UTC")


def _own_certificates(
    credentials: Credentials, authority: x509.Certificate, now: dt.datetime
) -> Iterator[Finding]:
    institution = credentials.institution
    certificates = [(KeyUse.SIGNING, credentials.signing.certificate)]
    certificates += [(KeyUse.ENCRYPTION, pair.certificate) for pair in credentials.decryption]
    for use, certificate in certificates:
        what = f"the {use.value} certificate"
        try:
            check_institution_certificate(
                certificate, institution=institution, use=use, authority=authority, at=now
            )
        except CertificateUntrusted as error:
            if certificate.not_valid_after_utc <= now:
                yield _expiry("certificates", what, certificate, now)
            else:
                yield Finding(
                    Level.FAIL,
                    "certificates",
                    error.detail,
                    "use a certificate the network authority issued for this institution",
                )
            continue
        yield _expiry("certificates", what, certificate, now)


def _directory(
    directory: Directory,
    settings: NodeSettings,
    credentials: Credentials | None,
    now: dt.datetime,
) -> Iterator[Finding]:
    issued = (
        directory.issued if directory.issued.tzinfo else directory.issued.replace(tzinfo=dt.UTC)
    )
    summary = f"version {directory.version} issued {issued:%Y-%m-%d}, signature verified"
    if issued > now + dt.timedelta(minutes=5):
        yield Finding(
            Level.FAIL,
            "directory",
            f"version {directory.version} is issued in the future ({issued:%Y-%m-%d %H:%M} UTC)",
            "check this host's clock (NTP)",
        )
    elif now - issued > DIRECTORY_STALE:
        yield Finding(
            Level.WARN,
            "directory",
            f"{summary}, but not reissued for {(now - issued).days} days",
            "ask the network authority whether a newer directory exists and install it",
        )
    else:
        yield Finding(Level.OK, "directory", f"{summary}, lists {settings.institution}")
    if credentials is not None:
        yield from _published_certificates(directory, credentials, now)
    yield from _partners(directory, settings, now)


def _published_certificates(
    directory: Directory, credentials: Credentials, now: dt.datetime
) -> Iterator[Finding]:
    """Partners trust only what the directory lists: it must hold this node's certificates."""
    institution = credentials.institution
    own = {
        KeyUse.SIGNING: {certificate_fingerprint(credentials.signing.certificate)},
        KeyUse.ENCRYPTION: {pair.kid for pair in credentials.decryption},
    }
    for use, fingerprints in own.items():
        try:
            trusted = directory.certificates(institution, use, now)
        except GatewayError as error:
            yield Finding(
                Level.FAIL,
                "directory",
                error.detail,
                "have the authority publish a directory with this node's certificates",
            )
            continue
        if not fingerprints & {certificate_fingerprint(c) for c in trusted}:
            yield Finding(
                Level.FAIL,
                "directory",
                f"the directory does not list this node's {use.value} certificate, so partners "
                f"{'refuse its signatures' if use is KeyUse.SIGNING else 'cannot seal to it'}",
                "send the certificate to the network authority for the next directory, or "
                "configure the key pair the directory lists",
            )
            continue
        yield Finding(
            Level.OK, "directory", f"lists this node's {use.value} certificate as trusted"
        )


def _partners(directory: Directory, settings: NodeSettings, now: dt.datetime) -> Iterator[Finding]:
    """Each partner needs a signing certificate this node trusts now (its documents are
    refused otherwise) and an encryption certificate (nothing can be sealed to it otherwise),
    as the node checks them when it exchanges: listed, issued by the authority, not revoked,
    valid now; and not expiring within the warning window."""
    partners = sorted(directory.partners(settings.institution, now.date()))
    problems = 0
    for partner in partners:
        for use in KeyUse:
            finding = _partner_certificate(directory, partner, use, now)
            if finding.level is not Level.OK:
                problems += 1
                yield finding
    if not problems:
        yield Finding(
            Level.OK,
            "partners",
            f"the signing and encryption certificates of {len(partners)} partners are trusted "
            f"and valid beyond {EXPIRY_WARNING.days} days",
        )


def _partner_certificate(
    directory: Directory, partner: str, use: KeyUse, now: dt.datetime
) -> Finding:
    try:
        trusted = directory.certificates(partner, use, now)
    except GatewayError as error:
        return Finding(
            Level.FAIL,
            "partners",
            error.detail,
            f"{partner} needs its {use.value} certificate issued (or renewed) by the network "
            "authority and published in a new directory; until then this node cannot exchange "
            "with it",
        )
    latest = max(trusted, key=lambda c: c.not_valid_after_utc)
    finding = _expiry("partners", f"{partner}'s {use.value} certificate", latest, now)
    return replace(
        finding, fix="the partner must renew it and the authority publish a new directory"
    )


def _database(settings: NodeSettings) -> Iterator[Finding]:
    try:
        state = stored_schema(settings.database_url)
    except StoreUnavailable as error:
        yield Finding(
            Level.FAIL,
            "database",
            error.detail,
            "check database_url, that the database server runs, and that its user may log in",
        )
        return
    except GatewayError as error:
        yield Finding(Level.FAIL, "database", error.detail, "correct database_url")
        return
    problem = schema_problem(state, settings.database_url)
    if problem is None:
        yield Finding(Level.OK, "database", f"reachable, schema at {', '.join(state.heads)}")
    elif state.unknown:
        fix = "run the newer version, or restore the backup taken before the upgrade"
        yield Finding(Level.FAIL, "database", problem, fix)
    elif not state.exists:
        fix = "correct database_url, or create the store with 'ssgw db migrate'"
        yield Finding(Level.FAIL, "database", problem, fix)
    else:
        fix = "run 'ssgw db migrate' (the node also migrates when it starts)"
        yield Finding(Level.FAIL, "database", problem, fix)


def _broker(settings: NodeSettings, directory: Directory | None) -> Finding:
    transport = replace(
        transport_settings(settings),
        connect_timeout=_BROKER_TIMEOUT,
        operation_timeout=_BROKER_TIMEOUT,
    )
    keys = []
    if directory is not None:
        keys = [directory.institution(settings.institution).routing_key]
    try:
        asyncio.run(probe(transport, keys))
    except BrokerUnavailable as error:
        return Finding(
            Level.FAIL,
            "broker",
            error.detail,
            "check amqp_url, that RabbitMQ runs, and that this host may reach its port",
        )
    except BrokerAccessRefused as error:
        return Finding(
            Level.FAIL,
            "broker",
            error.detail,
            "check the user and password in amqp_url and the user's permissions "
            "('ssgw broker definitions')",
        )
    except TopologyMismatch as error:
        if settings.declare_topology:
            return Finding(
                Level.WARN,
                "broker",
                error.detail,
                "nothing to do if the node has not run yet: it declares its exchanges and "
                "queues when it starts",
            )
        return Finding(
            Level.FAIL,
            "broker",
            error.detail,
            "load the network's broker definitions ('rabbitmqctl import_definitions'): this "
            "node has declare_topology = false and creates nothing",
        )
    except GatewayError as error:
        return Finding(Level.FAIL, "broker", error.detail, "see docs/transport.md")
    checked = f"exchanges and queue {transport.queue_name(keys[0])}" if keys else "exchange"
    return Finding(Level.OK, "broker", f"{transport.broker} answers; {checked} exist")


def doctor(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="The node's TOML settings (GATEWAY_* variables override)."
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 2 when there are warnings but no failures.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Check settings, key files, certificates, directory, store and broker; one line each.

    Exit 0 when nothing failed (warnings allowed), 1 when a check failed, 2 with --strict
    when a check warned.
    """
    findings: list[Finding] = []
    for finding in examine(config, dt.datetime.now(dt.UTC)):
        findings.append(finding)
        if not as_json:
            # Line by line as the checks go: the broker's may take seconds to answer.
            typer.echo(finding.line())
    levels = {finding.level for finding in findings}
    if as_json:
        print_json({"ok": Level.FAIL not in levels, "findings": [asdict(f) for f in findings]})
    if Level.FAIL in levels:
        raise typer.Exit(1)
    if strict and Level.WARN in levels:
        raise typer.Exit(2)
