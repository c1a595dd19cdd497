"""ssgw backup create | restore: one archive with the store, settings, directory and
certificates (and the private keys if asked), each member listed in a manifest with its SHA-256.

Archive members are named as they are laid out when restored::

    manifest.json       format, time, institution, database kind, SHA-256 and size of each
    node.toml           the node's settings, paths pointing at the restored files
    node.db             SQLite store (online backup)  |  node.pgdump  PostgreSQL (pg_dump -Fc)
    directory.xml  authority.pem  signing.pem  encryption-1.pem ...
    keys/signing.key  keys/encryption-1.key ...  keys/passphrase     only with --include-keys

A restore verifies every member before anything is put in place, builds the folder beside its
target and renames it into place, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import tarfile
import tempfile
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from gateway.cli._common import reported_errors
from gateway.cli._progress import Advance, progress
from gateway.config import NodeSettings, load_settings, settings_toml
from gateway.errors import ConfigurationError
from gateway.store import (
    copy_sqlite,
    database_kind,
    dump_postgresql,
    is_empty,
    restore_postgresql,
)

__all__ = ["backup_app"]

backup_app = typer.Typer(no_args_is_help=True)

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "node.db"
POSTGRESQL_MEMBER = "node.pgdump"
SETTINGS_MEMBER = "node.toml"
# Member names a restore accepts: plain relative names, at most one folder deep.
_SAFE_NAME = re.compile(r"^(keys/)?[a-z0-9][a-z0-9.-]{0,62}$")
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Member:
    name: str
    source: Path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _members(settings: NodeSettings, include_keys: bool) -> tuple[list[_Member], dict[str, Any]]:
    """The files to archive, and the settings values that point at them once restored."""
    members = [
        _Member("directory.xml", settings.directory_file),
        _Member("authority.pem", settings.authority_certificate),
        _Member("signing.pem", settings.signing_certificate),
    ]
    moved: dict[str, Any] = {
        "directory_file": "directory.xml",
        "authority_certificate": "authority.pem",
        "signing_certificate": "signing.pem",
        # Without the keys, the restored settings point at the keys where they are now.
        "signing_key": str(settings.signing_key.resolve()),
    }
    pairs = []
    for number, pair in enumerate(settings.encryption_keys, start=1):
        certificate = f"encryption-{number}.pem"
        members.append(_Member(certificate, pair.certificate))
        key = str(pair.key.resolve())
        if include_keys:
            key = f"keys/encryption-{number}.key"
            members.append(_Member(key, pair.key))
        pairs.append({"key": key, "certificate": certificate})
    moved["encryption_keys"] = pairs
    if include_keys:
        members.append(_Member("keys/signing.key", settings.signing_key))
        moved["signing_key"] = "keys/signing.key"
    if settings.key_passphrase_file is not None:
        moved["key_passphrase_file"] = str(settings.key_passphrase_file.resolve())
        if include_keys:
            members.append(_Member("keys/passphrase", settings.key_passphrase_file))
            moved["key_passphrase_file"] = "keys/passphrase"  # noqa: S105 (a file name)
    return members, moved


@contextmanager
def _scratch(near: Path) -> Iterator[Path]:
    """A private folder beside ``near`` (same file system, so a rename is atomic)."""
    near.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{near.name}.", dir=near.parent))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create_backup(
    settings: NodeSettings, output: Path, *, include_keys: bool, now: dt.datetime, advance: Advance
) -> dict[str, Any]:
    """Write the archive to ``output`` (whole or not at all); returns its manifest.

    ``advance`` counts the steps: the store's copy, then each file's digest and each file's
    place in the archive.
    """
    members, moved = _members(settings, include_keys)
    # The files listed so far, the store and the settings; each is read twice.
    advance(0, total=1 + 2 * (len(members) + 2))
    kind = database_kind(settings.database_url)
    with _scratch(output) as scratch:
        if kind == "sqlite":
            copy_sqlite(settings.database_url, scratch / SQLITE_MEMBER)
            members.append(_Member(SQLITE_MEMBER, scratch / SQLITE_MEMBER))
            moved["database_url"] = f"sqlite:///{SQLITE_MEMBER}"
        else:
            dump_postgresql(settings.database_url, scratch / POSTGRESQL_MEMBER)
            members.append(_Member(POSTGRESQL_MEMBER, scratch / POSTGRESQL_MEMBER))
        advance()
        (scratch / SETTINGS_MEMBER).write_text(settings_toml(settings, **moved), encoding="utf-8")
        members.append(_Member(SETTINGS_MEMBER, scratch / SETTINGS_MEMBER))
        manifest = {
            "format": FORMAT,
            "created": now.isoformat(timespec="seconds"),
            "institution": settings.institution,
            "database": kind,
            "keys_included": include_keys,
            "members": _listed(members, advance),
        }
        partial = scratch / "archive.tar.gz"
        _write_archive(partial, manifest, members, now, advance)
        os.replace(partial, output)
    return manifest


def _listed(members: list[_Member], advance: Advance) -> dict[str, dict[str, Any]]:
    """Each member's SHA-256 and size, for the manifest."""
    listed: dict[str, dict[str, Any]] = {}
    for member in members:
        try:
            listed[member.name] = {
                "sha256": _sha256(member.source),
                "size": member.source.stat().st_size,
            }
        except OSError as error:
            raise ConfigurationError(f"cannot read {member.source}: {error.strerror}") from None
        advance()
    return listed


def _write_archive(
    path: Path,
    manifest: dict[str, Any],
    members: list[_Member],
    now: dt.datetime,
    advance: Advance,
) -> None:
    with tarfile.open(path, "w:gz") as archive:
        data = json.dumps(manifest, indent=2).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(data), 0o600, int(now.timestamp())
        archive.addfile(info, io.BytesIO(data))
        for member in members:
            archive.add(member.source, arcname=member.name, recursive=False)
            advance()
    path.chmod(0o600)


def _read_manifest(archive: tarfile.TarFile, path: Path) -> dict[str, Any]:
    try:
        stream = archive.extractfile(MANIFEST)
    except KeyError:
        stream = None
    if stream is None:
        raise ConfigurationError(f"{path} is not a node backup: it has no {MANIFEST}")
    try:
        manifest = json.loads(stream.read())
    except ValueError:
        raise ConfigurationError(f"the manifest of {path} is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ConfigurationError(f"{path} is a backup of an unknown format")
    members = manifest.get("members")
    if not isinstance(members, dict) or SETTINGS_MEMBER not in members:
        raise ConfigurationError(f"the manifest of {path} lists no {SETTINGS_MEMBER}")
    return manifest


def _extract_verified(path: Path, into: Path, advance: Advance) -> dict[str, Any]:
    """Check and write every member the manifest lists; refuse anything else."""
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 (closed below)
    except (OSError, tarfile.TarError) as error:
        raise ConfigurationError(f"cannot read the backup {path}: {error}") from None
    with archive:
        manifest = _read_manifest(archive, path)
        expected: dict[str, Any] = manifest["members"]
        # Each member, then the last step: loading the store, or moving the folder in place.
        advance(0, total=len(expected) + 1)
        present = {info.name: info for info in archive.getmembers()}
        unexpected = sorted(set(present) - set(expected) - {MANIFEST})
        if unexpected:
            raise ConfigurationError(f"{path} holds files its manifest does not list: {unexpected}")
        for name, facts in expected.items():
            info = present.get(name)
            if not _SAFE_NAME.match(name) or info is None or not info.isfile():
                raise ConfigurationError(f"{path}: member {name!r} is missing or not a plain file")
            if _extract(archive, info, into / name) != (facts.get("sha256"), facts.get("size")):
                raise ConfigurationError(
                    f"{path}: member {name} does not match its SHA-256 in the manifest; "
                    "the backup is damaged"
                )
            advance()
    return manifest


def _extract(archive: tarfile.TarFile, info: tarfile.TarInfo, target: Path) -> tuple[str, int]:
    """Write one member to ``target`` (mode 0600); its SHA-256 and size as written."""
    stream = archive.extractfile(info)
    assert stream is not None
    target.parent.mkdir(mode=0o700, exist_ok=True)
    digest = hashlib.sha256()
    with target.open("xb") as out:
        target.chmod(0o600)
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), target.stat().st_size


def restore_backup(
    path: Path, target: Path, *, database_url: str | None, force: bool, advance: Advance
) -> dict[str, Any]:
    """Restore an archive into the folder ``target`` (and a PostgreSQL store into
    ``database_url``); returns the manifest. ``advance`` counts each member and the end."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())) and not force:
        raise ConfigurationError(
            f"{target} is not empty; restore into a new folder, or pass --force to replace it"
        )
    with _scratch(target) as scratch:
        staged = scratch / "restored"
        staged.mkdir(mode=0o700)
        manifest = _extract_verified(path, staged, advance)
        settings_file = staged / SETTINGS_MEMBER
        if manifest.get("database") == "postgresql":
            values = tomllib.loads(settings_file.read_text(encoding="utf-8"))
            url = database_url or str(values.get("database_url", ""))
            if not is_empty(url) and not force:
                raise ConfigurationError(
                    "the target database is not empty; restore into a new database "
                    "(--database-url), or pass --force to replace its tables"
                )
            restore_postgresql(url, staged / POSTGRESQL_MEMBER, clean=force)
            (staged / POSTGRESQL_MEMBER).unlink()
            values["database_url"] = url
            settings_file.write_text(settings_toml(values), encoding="utf-8")
        elif database_url is not None:
            raise ConfigurationError("--database-url is for PostgreSQL backups only")
        # Fails now, not at the node's start, if the restored settings do not hold together.
        load_settings(settings_file)
        if target.exists():
            retired = scratch / f"replaced-{secrets.token_hex(4)}"
            os.replace(target, retired)
        os.replace(staged, target)
        advance()
    return manifest


@backup_app.command("create")
def create(
    output: Annotated[Path, typer.Option("--output", "-o", help="The archive to write.")],
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="The node's TOML settings (GATEWAY_* override)."),
    ] = None,
    include_keys: Annotated[
        bool,
        typer.Option(
            "--include-keys", help="Put the private keys (and passphrase file) in the archive."
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing archive.")] = False,
) -> None:
    """Back up a node, while it runs: its store (SQLite online backup or pg_dump), settings,
    directory and certificates, in one archive with a SHA-256 manifest."""
    with reported_errors():
        if output.exists() and not force:
            raise ConfigurationError(f"{output} exists; pass --force to replace it")
        settings = load_settings(config)
        if include_keys:
            typer.echo(
                "warning: the archive holds this institution's private keys; keep it as "
                "secret as the keys themselves",
                err=True,
            )
        with progress(f"backing up {settings.institution}", None) as advance:
            manifest = create_backup(
                settings,
                output,
                include_keys=include_keys,
                now=dt.datetime.now(dt.UTC),
                advance=advance,
            )
    typer.echo(
        f"backed up {settings.institution} ({manifest['database']} store, "
        f"{len(manifest['members'])} files) to {output}"
    )


@backup_app.command("restore")
def restore(
    archive: Annotated[Path, typer.Argument(help="An archive made by 'ssgw backup create'.")],
    target: Annotated[
        Path, typer.Option("--target", "-t", help="The folder to restore into (new or empty).")
    ],
    database_url: Annotated[
        str | None,
        typer.Option(help="PostgreSQL backups: the (empty) database to restore the store into."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a non-empty folder and database.")
    ] = False,
) -> None:
    """Verify an archive against its manifest and restore it; start the node with
    'ssgw run --config TARGET/node.toml'."""
    with reported_errors(), progress(f"restoring {archive.name}", None) as advance:
        manifest = restore_backup(
            archive, target, database_url=database_url, force=force, advance=advance
        )
    if not manifest.get("keys_included"):
        typer.echo(
            "note: the backup holds no private keys; node.toml refers to them where they "
            "were when it was made",
            err=True,
        )
    typer.echo(
        f"restored {manifest.get('institution')} from {archive} into {target}; "
        f"its settings are {target / SETTINGS_MEMBER}"
    )
