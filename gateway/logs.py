"""Structured logs: one JSON object a line, with ids and codes but never personal data.

Log calls pass identifiers as ``extra`` (``message_id``, ``case_id``, ``code``, ``reason``);
those land as fields of their own, so logs can be searched without parsing sentences. A line
written while a traced message is handled also carries its ``trace_id`` and ``span_id``, which
lead from the log to the message's trace across nodes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

from opentelemetry import trace

__all__ = ["JsonFormatter", "configure_logging"]

# Attributes every LogRecord has; anything else on a record came in through ``extra``.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value if isinstance(value, int | float | bool) else str(value))
            for key, value in record.__dict__.items()
            if key not in _STANDARD and not key.startswith("_")
        )
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            entry["trace_id"] = trace.format_trace_id(context.trace_id)
            entry["span_id"] = trace.format_span_id(context.span_id)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    """Send the process's logs to standard error as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
