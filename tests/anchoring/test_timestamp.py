"""The pure part of anchoring: a time-stamp request for the chains' heads, and the checks of
the token the local TSA (OpenSSL) answers with."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cryptography import x509

from anchoring.conftest import LocalTsa, TsaFiles, make_tsa_files
from gateway.errors import TimestampInvalid
from gateway.security import (
    GENESIS,
    AnchorStatement,
    ChainPosition,
    check_timestamp,
    load_certificate,
    read_timestamp_reply,
    timestamp_query,
)

STATEMENT = AnchorStatement("FR:CNAV", ChainPosition(12, "ab" * 32), ChainPosition(0, GENESIS))


def authority(files: TsaFiles) -> list[x509.Certificate]:
    return [load_certificate(files.ca_certificate)]


def test_a_reply_for_the_heads_checks_out_now_and_later(
    local_tsa: LocalTsa, tsa_files: TsaFiles
) -> None:
    query = timestamp_query(STATEMENT)
    stamp = read_timestamp_reply(query, local_tsa.reply(query.body), authority(tsa_files))
    later = check_timestamp(stamp.token, STATEMENT, authority(tsa_files))
    assert later.time == stamp.time and stamp.time.tzinfo is not None


def test_the_statement_names_the_institution_and_both_heads() -> None:
    assert STATEMENT.text() == (
        b"ssgw-anchor/1\ninstitution FR:CNAV\ntrace 12 "
        + b"ab" * 32
        + b"\naudit 0 "
        + GENESIS.encode()
        + b"\n"
    )


@pytest.mark.parametrize(
    "changed",
    [
        dataclasses.replace(STATEMENT, trace=ChainPosition(12, "cd" * 32)),
        dataclasses.replace(STATEMENT, trace=ChainPosition(11, "ab" * 32)),
        dataclasses.replace(STATEMENT, audit=ChainPosition(1, GENESIS)),
        dataclasses.replace(STATEMENT, institution="DE:DRV70001"),
    ],
    ids=["trace-hash", "trace-length", "audit", "institution"],
)
def test_a_token_does_not_stamp_other_heads(
    local_tsa: LocalTsa, tsa_files: TsaFiles, changed: AnchorStatement
) -> None:
    query = timestamp_query(STATEMENT)
    stamp = read_timestamp_reply(query, local_tsa.reply(query.body), authority(tsa_files))
    with pytest.raises(TimestampInvalid, match="stamps other chain heads"):
        check_timestamp(stamp.token, changed, authority(tsa_files))


def test_a_token_of_another_authority_is_refused(local_tsa: LocalTsa, tmp_path: Path) -> None:
    other = make_tsa_files(tmp_path / "other")
    query = timestamp_query(STATEMENT)
    with pytest.raises(TimestampInvalid, match="not signed by the configured"):
        read_timestamp_reply(query, local_tsa.reply(query.body), authority(other))


def test_a_reply_to_another_request_is_refused(local_tsa: LocalTsa, tsa_files: TsaFiles) -> None:
    first, second = timestamp_query(STATEMENT), timestamp_query(STATEMENT)
    with pytest.raises(TimestampInvalid, match="Nonce mismatch"):
        read_timestamp_reply(second, local_tsa.reply(first.body), authority(tsa_files))


def test_a_changed_token_is_refused(local_tsa: LocalTsa, tsa_files: TsaFiles) -> None:
    query = timestamp_query(STATEMENT)
    token = bytearray(
        read_timestamp_reply(query, local_tsa.reply(query.body), authority(tsa_files)).token
    )
    token[-10] ^= 0x01  # inside the signature
    with pytest.raises(TimestampInvalid):
        check_timestamp(bytes(token), STATEMENT, authority(tsa_files))


def test_garbage_is_not_a_reply(tsa_files: TsaFiles) -> None:
    with pytest.raises(TimestampInvalid, match="not an RFC 3161"):
        check_timestamp(b"not a token", STATEMENT, authority(tsa_files))


def test_no_authority_no_check(local_tsa: LocalTsa, tsa_files: TsaFiles) -> None:
    query = timestamp_query(STATEMENT)
    token = read_timestamp_reply(query, local_tsa.reply(query.body), authority(tsa_files)).token
    with pytest.raises(TimestampInvalid, match="no time-stamping authority"):
        check_timestamp(token, STATEMENT, [])
