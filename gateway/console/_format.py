"""How the console writes times, durations and XML for people."""

from __future__ import annotations

import datetime as dt

from lxml import etree

from gateway.documents import parse_untrusted

__all__ = ["duration", "pretty_xml", "utc"]


def utc(moment: dt.datetime | None) -> str:
    """``2026-11-25 10:51:54 UTC``; an empty string for no time."""
    if moment is None:
        return ""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(span: dt.timedelta | None) -> str:
    """A short human duration: ``0.25 s``, ``12 s``, ``3 min 05 s``, ``2 h 03 min``, ``3 d 4 h``."""
    if span is None:
        return ""
    seconds = span.total_seconds()
    if seconds < 0:
        return "0 s"
    if seconds < 10:
        return f"{seconds:.2f} s".replace(".00 s", " s")
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def pretty_xml(document: bytes) -> str:
    """A document indented for reading (parsed safely; it came from this node's store)."""
    root = parse_untrusted(document).getroot()
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode")
