"""Make pamqp decode short strings that are not UTF-8 as bytes instead of raising.

pamqp already does this for long strings, but a short string (message id, correlation id,
type, ...) or a header name that is not UTF-8 raises inside aiormq's frame reader. That ends
the whole connection; the delivery comes back after the reconnection and ends it again. One
malformed message from any member of the network would stop a node's consumer and publisher
and burn the delivery count of every message in flight with it (measured: innocent messages
were dead-lettered by the delivery limit together with the bad one). With this the message
reaches the consumer, whose readers turn non-text values into empty strings, so the node
refuses that one message with a reason.

Installed once per process when ``gateway.transport`` is imported. Valid frames decode
exactly as before; only input that used to raise decodes differently.
"""

from __future__ import annotations

import struct
from typing import Any

import pamqp.decode

_LENGTH = struct.Struct(">I")


def _text_or_bytes(raw: bytes) -> str | bytes:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def _short_string(value: bytes) -> tuple[int, str | bytes]:
    if not value or len(value) < value[0] + 1:
        raise ValueError("Could not unpack short string value")
    length = value[0]
    return length + 1, _text_or_bytes(value[1 : length + 1])


def _field_table(value: bytes) -> tuple[int, dict[Any, Any]]:
    try:
        end = 4 + _LENGTH.unpack_from(value, 0)[0]
        if end > len(value):
            raise ValueError("Field table length exceeds available data")
        offset = 4
        table: dict[Any, Any] = {}
        while offset < end:
            key_length = value[offset]
            offset += 1
            if offset + key_length > end:
                raise ValueError("Field table key length exceeds data")
            key = _text_or_bytes(value[offset : offset + key_length])
            offset += key_length
            consumed, item = pamqp.decode.embedded_value(value[offset:])
            offset += consumed
            table[key] = item
        return end, table
    except (struct.error, TypeError, IndexError) as exc:
        raise ValueError("Could not unpack data") from exc


def install() -> None:
    """Point pamqp's decoders for short strings and tables at the tolerant ones (idempotent)."""
    # Properties are decoded through METHODS, table values through TABLE_MAPPING, and
    # field_table is also looked up by its module-level name: all three must change.
    decoders: dict[str, Any] = pamqp.decode.METHODS
    embedded: dict[bytes, Any] = pamqp.decode.TABLE_MAPPING
    decoders["shortstr"] = _short_string
    decoders["table"] = _field_table
    embedded[b"F"] = _field_table
    setattr(pamqp.decode, "short_str", _short_string)  # noqa: B010 - replacing is the point
    setattr(pamqp.decode, "field_table", _field_table)  # noqa: B010
