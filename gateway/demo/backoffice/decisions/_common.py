"""What every decision of the reference back-office shares: case numbers, months, short texts."""

from __future__ import annotations

import datetime as dt
import uuid

__all__ = ["EU_REGULATION", "add_months", "local_case_number", "months_touched", "shorten"]

#: The agreement whose posting rule takes precedence between two of its parties.
EU_REGULATION = "EU-883-2004"


def local_case_number(institution: str, case_id: uuid.UUID) -> str:
    """The institution's own number for a network case: its code and the case id's start."""
    return f"{institution.split(':', 1)[1]}-{case_id.hex[:10].upper()}"


def months_touched(start: dt.date, end: dt.date) -> int:
    """The calendar months from ``start`` to ``end`` that hold at least one day of the span."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later (the month's last day when it is shorter)."""
    year, index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = index + 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


def shorten(text: str, limit: int = 255) -> str:
    """``text``, cut to at most ``limit`` characters (a schema's limit) with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
