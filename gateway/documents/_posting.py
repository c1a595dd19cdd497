"""The posting a coverage document certifies or notifies, and how long it lasts in months.

Only a ``CoverageCertificate`` of the kind ``posting`` certifies (the portable document A1, a
certificate of coverage) or notifies (2.0's ``posting-notification``, as EESSI's A009) a
posting: Art. 12 of Regulation (EC) No 883/2004 or a bilateral agreement's detached-worker
article. An exception agreement (Art. 16), work in two or more states (Art. 13) and the other
kinds are not postings, whatever their length. A ``CoverageRequest`` only asks: the institution
asked answers one that is too long with a ``CoverageRefusal`` (``period-exceeds-limit``), so a
request is not a posting here either.

Months are calendar months counted from the posting's first day: a posting of N months may run
until the day before the same day N months later (2024-03-01 to 2026-02-28 is 24 months).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from gateway.documents._catalogue import DocumentType
from gateway.documents._validation import ValidatedDocument
from gateway.documents.rules._periods import span_of
from gateway.documents.rules._support import elements, first, text, xpath

__all__ = [
    "DAYS_PER_MONTH",
    "FRESH_START_GAP_MONTHS",
    "Posting",
    "PostingLength",
    "months_after",
    "posting_of",
]

#: A posting that begins at least this many months after the previous one ended starts the
#: count afresh; one that begins sooner continues it (the two-month rule of the European
#: Commission's practical guide on the legislation that applies to workers).
FRESH_START_GAP_MONTHS = 2

#: When the lengths of separate postings are added, their odd days make a month every 30.
DAYS_PER_MONTH = 30

_KIND = xpath("cv:Kind")
_PERIOD = xpath("cv:Period")
_EARLIER_POSTING_PERIODS = xpath("cv:EarlierPosting/cv:Period")
_EXTENSION_AGREED = xpath("cv:ExtensionAgreed")


def months_after(day: dt.date, months: int) -> dt.date | None:
    """The first day after ``months`` calendar months counted from ``day`` (``day`` included);
    None beyond the last representable date.

    From 1 March 2024, 24 months run to 28 February 2026: the first day after is 1 March 2026.
    Where the month reached has no such day (31 January plus one month), the months run to
    that month's end and the first day after is the first of the next month.
    """
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return None
    last_day = calendar.monthrange(year, month)[1]
    if day.day <= last_day:
        return dt.date(year, month, day.day)
    # A month shorter than the day is never December, so its next day is representable.
    return dt.date(year, month, last_day) + dt.timedelta(days=1)


def _fits(start: dt.date, months: int, end: dt.date) -> bool:
    """Whether ``months`` (at least one) whole calendar months from ``start`` end by ``end``."""
    after = months_after(start, months)
    return after is not None and after - dt.timedelta(days=1) <= end


@dataclass(frozen=True, slots=True, order=True)
class PostingLength:
    """A length of time: whole calendar months and the days beyond them."""

    months: int
    days: int = 0

    @classmethod
    def of(cls, start: dt.date, end: dt.date) -> PostingLength:
        """The length of the days from ``start`` to ``end``, both included."""
        if end < start:
            return cls(0, 0)
        # One month short of the months the two dates' calendar months are apart, which fits.
        months = max((end.year - start.year) * 12 + end.month - start.month - 1, 0)
        while _fits(start, months + 1, end):
            months += 1
        after = months_after(start, months)
        assert after is not None  # at most ``end``'s month, which is representable
        return cls(months, (end - after).days + 1)

    def __add__(self, other: PostingLength) -> PostingLength:
        carried, days = divmod(self.days + other.days, DAYS_PER_MONTH)
        return PostingLength(self.months + other.months + carried, days)

    def exceeds(self, months: int) -> bool:
        """Whether this length is longer than ``months`` whole months."""
        return (self.months, self.days) > (months, 0)

    def __str__(self) -> str:
        month_text = f"{self.months} month{'' if self.months == 1 else 's'}"
        day_text = f"{self.days} day{'' if self.days == 1 else 's'}"
        if not self.days:
            return month_text
        return day_text if not self.months else f"{month_text} and {day_text}"


@dataclass(frozen=True, slots=True)
class Posting:
    """A posting a coverage document certifies or notifies.

    ``end`` is None when the document gives none (the business rules refuse such a posting,
    ``rule.posting-without-end``, so a validated document always has one). ``earlier`` are the
    worker's earlier postings the document lists, as (first day, last day).
    ``extension_agreed`` says that both institutions agreed to extend the posting beyond the
    agreement's limit, as far as the agreement allows: a 2.0 certificate states it with its
    ``ExtensionAgreed``, a question put to the policy with ``--extension-agreed``.
    """

    start: dt.date
    end: dt.date | None
    earlier: tuple[tuple[dt.date, dt.date], ...] = ()
    extension_agreed: bool = False

    @property
    def length(self) -> PostingLength | None:
        """How long this posting lasts by itself; None without an end."""
        return None if self.end is None else PostingLength.of(self.start, self.end)

    @property
    def counted_earlier(self) -> tuple[tuple[dt.date, dt.date], ...]:
        """The earlier postings that count with this one, latest first: back from this one,
        each that ended less than :data:`FRESH_START_GAP_MONTHS` before the next began."""
        counted: list[tuple[dt.date, dt.date]] = []
        next_start = self.start
        for first_day, last_day in sorted(self.earlier, key=lambda p: p[1], reverse=True):
            if last_day < dt.date.max:
                gap_end = months_after(last_day + dt.timedelta(days=1), FRESH_START_GAP_MONTHS)
                if gap_end is not None and gap_end <= next_start:
                    break  # a long enough gap: the postings before it were a separate posting
            counted.append((first_day, last_day))
            next_start = min(next_start, first_day)
        return tuple(counted)

    @property
    def earlier_length(self) -> PostingLength:
        """The length of the earlier postings that count, added up."""
        total = PostingLength(0)
        for first_day, last_day in self.counted_earlier:
            total += PostingLength.of(first_day, last_day)
        return total

    @property
    def total_length(self) -> PostingLength | None:
        """This posting's length with the earlier ones that count; None without an end."""
        length = self.length
        return None if length is None else length + self.earlier_length


def posting_of(document: ValidatedDocument) -> Posting | None:
    """The posting ``document`` certifies or notifies, or None when it certifies none (any
    other document type or coverage kind)."""
    if document.document_type is not DocumentType.COVERAGE_CERTIFICATE:
        return None
    root = document.root
    if text(first(_KIND, root)) != "posting":
        return None
    period = first(_PERIOD, root)
    span = span_of(period) if period is not None else None
    if span is None:  # the schema requires a period with a start: not a validated document
        return None
    earlier: list[tuple[dt.date, dt.date]] = []
    for element in elements(_EARLIER_POSTING_PERIODS, root):
        earlier_span = span_of(element)
        # The business rules refuse an earlier posting without an end: it would still run.
        if earlier_span is not None and earlier_span.end is not None:
            earlier.append((earlier_span.start, earlier_span.end))
    return Posting(
        start=span.start,
        end=span.end,
        earlier=tuple(earlier),
        extension_agreed=first(_EXTENSION_AGREED, root) is not None,
    )
