"""Charts drawn on the server: line charts over time and the insurance periods timeline.

Like the case diagram, this module only computes the geometry; the templates write the SVG,
so every text in it is escaped like the rest of the page, and each chart comes with a table of
the same figures.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from gateway.cases import Career, CareersByAgreement, InsurancePeriod, PeriodKind, Tier

__all__ = [
    "Bar",
    "Lane",
    "LineChart",
    "LineSeries",
    "PeriodsChart",
    "Tick",
    "line_chart",
    "periods_chart",
    "top_series",
]

WIDTH = 680
HEIGHT = 220
LEFT = 64
RIGHT = 16
TOP = 14
BOTTOM = 34
#: Series drawn at most in one chart; the rest are summed into "others".
MAX_SERIES = 6


@dataclass(frozen=True, slots=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True, slots=True)
class LineSeries:
    label: str
    #: The series' number, for its colour and marker (``series-1`` ...).
    number: int
    #: Runs of consecutive points ("x,y x,y ..."); a missing value breaks the line.
    runs: Sequence[str]
    #: Every point, with the value written out for its tooltip.
    points: Sequence[tuple[float, float, str]]


@dataclass(frozen=True, slots=True)
class LineChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: Sequence[LineSeries]
    x_ticks: Sequence[Tick]
    y_ticks: Sequence[Tick]


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5):
        if value <= factor * power:
            return float(factor * power)
    return float(10 * power)


def top_series(
    series: Mapping[str, Sequence[int]], limit: int = MAX_SERIES
) -> dict[str, list[int]]:
    """The ``limit - 1`` largest series by total and the rest summed as "others" (or all of
    them, when there are no more than ``limit``)."""
    if len(series) <= limit:
        return {name: list(values) for name, values in series.items()}
    ranked = sorted(series.items(), key=lambda item: (-sum(item[1]), item[0]))
    kept = {name: list(values) for name, values in ranked[: limit - 1]}
    rest = [sum(column) for column in zip(*(v for _, v in ranked[limit - 1 :]), strict=True)]
    kept["others"] = rest
    return kept


def line_chart(
    series: Mapping[str, Sequence[float | None]],
    labels: Sequence[str],
    *,
    value_text: Callable[[float], str] = lambda v: f"{v:g}",
    floor_max: float = 1.0,
) -> LineChart:
    """Lines over the buckets named by ``labels`` (one value per bucket per series)."""
    count = len(labels)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    values = [v for line in series.values() for v in line if v is not None]
    top = _nice_ceiling(max([*values, floor_max]))

    def x(index: int) -> float:
        return LEFT + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h - plot_h * value / top

    drawn = []
    for number, (label, line) in enumerate(series.items(), start=1):
        runs: list[str] = []
        current: list[str] = []
        points = []
        for index, value in enumerate(line):
            if value is None:
                if current:
                    runs.append(" ".join(current))
                current = []
                continue
            px, py = round(x(index), 1), round(y(value), 1)
            current.append(f"{px},{py}")
            points.append((px, py, value_text(value)))
        if current:
            runs.append(" ".join(current))
        drawn.append(LineSeries(label, number, runs, points))
    stride = max(count // 6, 1)
    x_ticks = [Tick(round(x(i), 1), labels[i]) for i in range(0, count, stride)]
    y_ticks = [Tick(round(y(top * f), 1), value_text(top * f)) for f in (0, 0.5, 1)]
    return LineChart(WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM, drawn, x_ticks, y_ticks)


# The periods timeline ------------------------------------------------------------------------

LANE = 30
BAR = 18
LABEL_W = 96
TIMELINE_W = 760
AXIS = 28


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    y: int
    #: How the bar is drawn: the precedence tier of its kind (``compulsory`` ...).
    tier: str
    kind: str
    title: str


@dataclass(frozen=True, slots=True)
class Lane:
    label: str
    y: int
    bars: Sequence[Bar]
    #: The lane of a totalized career (one per agreement) rather than of one country.
    counted: bool = False
    #: What the lane shows in full, for its tooltip (the agreement's title and countries).
    title: str = ""


@dataclass(frozen=True, slots=True)
class PeriodsChart:
    width: int
    height: int
    label_width: int
    lanes: Sequence[Lane]
    ticks: Sequence[Tick]
    axis_y: int
    #: The kinds that appear, for the legend: (tier, kind).
    kinds: Sequence[tuple[str, str]]


def _tier_name(tier: Tier) -> str:
    return tier.name.lower()


@dataclass(frozen=True, slots=True)
class _Years:
    """The timeline's scale: whole years, from 1 January of the first to the 1 January after
    the last, ``days`` apart."""

    first: dt.date
    last: dt.date
    days: int

    @classmethod
    def covering(cls, periods: Sequence[InsurancePeriod], as_of: dt.date) -> _Years:
        starts = [p.start for p in periods] or [as_of]
        first = dt.date(min(starts).year, 1, 1)
        last_day = max([p.end or as_of for p in periods] + [as_of])
        last = dt.date(last_day.year + 1, 1, 1)
        return cls(first, last, max((last - first).days, 1))

    def x(self, day: dt.date) -> float:
        plot_w = TIMELINE_W - LABEL_W - 12
        return round(LABEL_W + plot_w * (day - self.first).days / self.days, 1)

    def span(self, start: dt.date, end: dt.date) -> tuple[float, float]:
        """Where the days from ``start`` to ``end`` (both included) begin, and how wide."""
        left = self.x(start)
        return left, max(round(self.x(end + dt.timedelta(days=1)) - left, 1), 1.0)

    def ticks(self) -> list[Tick]:
        """Year labels along the axis, spaced so that there are about ten."""
        stride = max(math.ceil((self.last.year - self.first.year) / 10), 1)
        return [
            Tick(self.x(dt.date(year, 1, 1)), str(year))
            for year in range(self.first.year, self.last.year + 1, stride)
        ]


def periods_chart(periods: Sequence[InsurancePeriod], careers: CareersByAgreement) -> PeriodsChart:
    """One lane per country with a bar per period, then one lane per agreement with the days
    as the career totalized under it counts them (each day once). Running periods end at
    ``careers.as_of``.

    Countries bound to the competent one by different agreements are totalized apart, so no
    lane adds them together; with no agreement career at all, the last lane is the competent
    country's own career.
    """
    years = _Years.covering(periods, careers.as_of)
    countries = sorted({p.country for p in periods})
    lanes = [
        _country_lane(country, AXIS + row * LANE, periods, careers.as_of, years)
        for row, country in enumerate(countries)
    ]
    y = AXIS + len(countries) * LANE + 8
    totalized = [
        (c.agreement, f"{c.title}: {', '.join(c.countries)}", c.career) for c in careers.careers
    ] or [("national", f"{careers.competent_country} alone", careers.national)]
    for row, (label, title, career) in enumerate(totalized):
        lanes.append(_counted_lane(label, title, career, y + row * LANE, years))
    height = y + len(totalized) * LANE + 8
    return PeriodsChart(
        width=TIMELINE_W,
        height=height,
        label_width=LABEL_W,
        lanes=lanes,
        ticks=years.ticks(),
        axis_y=AXIS - 8,
        kinds=_legend(periods),
    )


def _country_lane(
    country: str, y: int, periods: Sequence[InsurancePeriod], as_of: dt.date, years: _Years
) -> Lane:
    bars = []
    for period in sorted((p for p in periods if p.country == country), key=_order):
        end = period.end or as_of
        left, width = years.span(period.start, max(end, period.start))
        running = " (running)" if period.end is None else ""
        bars.append(
            Bar(
                left,
                width,
                y + (LANE - BAR) // 2,
                _tier_name(period.tier),
                period.kind.value,
                f"{country}: {period.kind.value}, {period.start} to {end}{running}, "
                f"{period.institution}",
            )
        )
    return Lane(country, y, bars)


def _counted_lane(label: str, title: str, career: Career, y: int, years: _Years) -> Lane:
    counted = [
        Bar(
            *years.span(segment.start, segment.end),
            y + (LANE - BAR) // 2,
            _tier_name(segment.counted.tier),
            segment.kind.value,
            f"{label}: counted for {segment.country} as {segment.kind.value}, "
            f"{segment.start} to {segment.end} ({segment.days} days)",
        )
        for segment in career.segments
    ]
    return Lane(label, y, counted, counted=True, title=title)


def _legend(periods: Sequence[InsurancePeriod]) -> list[tuple[str, str]]:
    """The (tier, kind) pairs that appear, by precedence tier and then in the kinds' order."""
    return sorted(
        {(_tier_name(p.tier), p.kind.value) for p in periods},
        key=lambda item: (Tier[item[0].upper()], list(PeriodKind).index(PeriodKind(item[1]))),
    )


def _order(period: InsurancePeriod) -> tuple[dt.date, str]:
    return period.start, period.kind.value
