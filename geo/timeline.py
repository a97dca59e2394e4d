"""The events over time: bins chosen from the span, counts per bin and type, brushing, playback.

Pure date arithmetic and counting; the page (geo.web.timeline) draws it and wires the widgets.

- A timeline shows the events that pass every filter but the dates, binned by day, week
  (Monday to Sunday) or month, whichever keeps the bars readable over the data's span.
- Inside the date range, the bars are the events the page shows, stacked by type: an event
  that began before the range but runs into it is counted in the range's first bin, so the
  bars inside the range add up to the page's "N events shown". Outside it, the bars are grey
  context: what a wider range would show.
- A brushed stretch of the axis becomes a date range of whole bins.
- Playback moves a window of whole bins through the data's span, one bin per step, and stops
  when the window reaches the end.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from geo.vocabulary import EventType, style_of

Unit = Literal["day", "week", "month"]
UNITS: tuple[Unit, ...] = ("day", "week", "month")

# Spans up to these lengths (in days) get day, then week bins; longer ones get months.
DAY_BINS_UP_TO = 62
WEEK_BINS_UP_TO = 731

# How many bins a playback window may span, by unit.
WINDOW_CHOICES: dict[Unit, tuple[int, ...]] = {
    "day": (1, 3, 7),
    "week": (1, 4, 12),
    "month": (1, 3, 12),
}

BinCounts = Mapping[tuple[dt.date, EventType], int]


def unit_for(first: dt.date, last: dt.date) -> Unit:
    """The bin size for a span: days for two months or less, weeks up to two years, else months."""
    days = (last - first).days + 1
    if days <= DAY_BINS_UP_TO:
        return "day"
    if days <= WEEK_BINS_UP_TO:
        return "week"
    return "month"


def bin_start(day: dt.date, unit: Unit) -> dt.date:
    """The first day of the bin holding `day`."""
    if unit == "day":
        return day
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def next_bin(start: dt.date, unit: Unit, bins: int = 1) -> dt.date:
    """The first day `bins` bins after the bin starting at `start`."""
    if unit == "day":
        return start + dt.timedelta(days=bins)
    if unit == "week":
        return start + dt.timedelta(weeks=bins)
    months = start.year * 12 + start.month - 1 + bins
    return dt.date(months // 12, months % 12 + 1, 1)


def bin_end(start: dt.date, unit: Unit) -> dt.date:
    """The last day of the bin starting at `start`."""
    return next_bin(start, unit) - dt.timedelta(days=1)


def unit_label(unit: Unit, bins: int = 1) -> str:
    return f"{bins} {unit}" if bins == 1 else f"{bins} {unit}s"


@dataclass(frozen=True)
class Bar:
    """One stacked piece of the timeline: events of one type in one bin.

    `shown` says whether the page shows them (inside the date range) or they are context.
    """

    start: dt.date
    end: dt.date  # the day after the bin's last day: bars span [start, end)
    event_type: EventType | None  # None for context bars, which are not split by type
    count: int
    shown: bool


def timeline_bars(
    shown: BinCounts,
    context: BinCounts,
    date_range: tuple[dt.date, dt.date] | None,
    unit: Unit,
) -> list[Bar]:
    """The bars to draw.

    `shown` counts what the page shows (every filter, the date range included); `context` what
    passes every filter but the dates. Without a date range, the two are the same and only
    `shown` is drawn. With one, the bins wholly outside it show `context` in grey.
    """
    bars = [
        Bar(start, next_bin(start, unit), event_type, count, True)
        for (start, event_type), count in sorted(shown.items(), key=_order)
        if count
    ]
    if date_range is None:
        return bars
    low, high = date_range
    outside: dict[dt.date, int] = {}
    for (start, _), count in context.items():
        if bin_end(start, unit) < low or start > high:
            outside[start] = outside.get(start, 0) + count
    bars += [
        Bar(start, next_bin(start, unit), None, count, False)
        for start, count in sorted(outside.items())
        if count
    ]
    return bars


def _order(item: tuple[tuple[dt.date, EventType], int]) -> tuple[dt.date, int]:
    (start, event_type), _ = item
    return start, list(EventType).index(event_type)


def shown_total(bars: Sequence[Bar]) -> int:
    return sum(bar.count for bar in bars if bar.shown)


def _utc_date(milliseconds: float) -> dt.date:
    return dt.datetime.fromtimestamp(milliseconds / 1000, tz=dt.UTC).date()


def brushed_range(
    interval: Sequence[object],
    unit: Unit,
    bounds: tuple[dt.date, dt.date],
) -> tuple[dt.date, dt.date] | None:
    """The whole bins a brushed interval touches, within the data's dates.

    The chart reports the brush in milliseconds since 1970 (UTC), or as ISO text.
    """
    if len(interval) != 2:
        return None
    try:
        ends = sorted(
            _utc_date(v) if isinstance(v, int | float) else dt.date.fromisoformat(str(v)[:10])
            for v in interval
        )
    except (ValueError, OverflowError, OSError):
        return None
    low = max(bin_start(ends[0], unit), bounds[0])
    high = min(bin_end(bin_start(ends[1], unit), unit), bounds[1])
    return (low, high) if low <= high else None


@dataclass(frozen=True)
class Playback:
    """Where a playing window is: its first day, and how many bins it spans."""

    start: dt.date
    bins: int
    unit: Unit

    @property
    def end(self) -> dt.date:
        return next_bin(self.start, self.unit, self.bins) - dt.timedelta(days=1)

    def window(self, bounds: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
        """The date range it shows, within the data's dates."""
        return max(self.start, bounds[0]), min(self.end, bounds[1])

    def at_end(self, bounds: tuple[dt.date, dt.date]) -> bool:
        return self.end >= bounds[1]

    def step(self, bounds: tuple[dt.date, dt.date]) -> Playback | None:
        """The next position, one bin later; None once the window has reached the end."""
        if self.at_end(bounds):
            return None
        return Playback(next_bin(self.start, self.unit), self.bins, self.unit)


def start_playback(
    date_range: tuple[dt.date, dt.date] | None,
    bounds: tuple[dt.date, dt.date],
    unit: Unit,
    bins: int,
) -> Playback:
    """Where Play starts: at the chosen range's first bin, or at the beginning when no range is
    chosen or the range already ends at the data's end."""
    first = bin_start(bounds[0], unit)
    if date_range is not None and date_range[1] < bounds[1]:
        first = bin_start(date_range[0], unit)
    return Playback(first, bins, unit)


# -- the chart (Vega-Lite, drawn by Streamlit's own chart element) -------------------------------
CONTEXT_GREY = "#c9ced4"
BRUSH = "brush"
_AXIS_FORMAT: dict[Unit, str] = {"day": "%d %b", "week": "%d %b %Y", "month": "%b %Y"}
_TIP_FORMAT: dict[Unit, str] = {"day": "%d %b %Y", "week": "week of %d %b %Y", "month": "%B %Y"}


def _utc_expr(day: dt.date) -> str:
    """Midnight UTC of `day` as a Vega expression (months count from 0 there)."""
    return f"utc({day.year}, {day.month - 1}, {day.day})"


def timeline_spec(
    bars: Sequence[Bar],
    unit: Unit,
    bounds: tuple[dt.date, dt.date],
    height: int = 150,
    count_top: int | None = None,
) -> dict[str, object]:
    """The timeline as a Vega-Lite chart: stacked bars, grey context, an x brush.

    Only its data changes from one run to the next (the axis spans the data's dates, the count
    axis reaches `count_top`), so the browser updates the bars in place and keeps the reader's
    brush. Without `count_top` the count axis follows the data.
    """
    values = [
        {
            "start": bar.start.isoformat(),
            "end": bar.end.isoformat(),
            "when": bar.start.strftime(_TIP_FORMAT[unit]),
            "type": style_of(bar.event_type).label if bar.event_type else "outside the dates",
            "n": bar.count,
            "colour": style_of(bar.event_type).colour if bar.event_type else CONTEXT_GREY,
            "order": list(EventType).index(bar.event_type) if bar.event_type else -1,
        }
        for bar in bars
    ]
    first, after = bin_start(bounds[0], unit), next_bin(bin_start(bounds[1], unit), unit)
    # Both scales have explicit domains (the count's when `count_top` is given): Streamlit draws
    # the chart before it hands it the data, and a domain read from the data would be empty
    # then (Vega's "Infinite extent" warning).
    # The dates' domain is an expression: a list of dates would be read once for `x` and once
    # more, unconverted, for `x2`, which share the scale ("Conflicting scale property").
    count_scale = {} if count_top is None else {"scale": {"domain": [0, count_top]}}
    dates = f"[{_utc_expr(first)}, {_utc_expr(after)}]"
    return {
        "height": height,
        "data": {"values": values},
        "params": [{"name": BRUSH, "select": {"type": "interval", "encodings": ["x"]}}],
        "mark": {"type": "bar", "orient": "vertical", "stroke": "#ffffff", "strokeWidth": 0.5},
        "encoding": {
            "x": {
                "field": "start",
                "type": "temporal",
                "scale": {"type": "utc", "domain": {"expr": dates}},
                "axis": {
                    "title": None,
                    "format": _AXIS_FORMAT[unit],
                    "labelOverlap": True,
                    "values": _ticks(first, after, unit),
                },
            },
            "x2": {"field": "end"},
            "y": {
                "field": "n",
                "type": "quantitative",
                "stack": "zero",
                **count_scale,
                "axis": {"title": "events", "tickMinStep": 1},
            },
            "color": {"field": "colour", "type": "nominal", "scale": None, "legend": None},
            "order": {"field": "order"},
            "tooltip": [
                {"field": "when", "title": "when"},
                {"field": "type", "title": "type"},
                {"field": "n", "title": "events", "format": ","},
            ],
        },
    }


MAX_TICKS = 12


def tallest_stack(bars: Sequence[Bar]) -> int:
    """The most events any one bin holds."""
    totals: dict[dt.date, int] = {}
    for bar in bars:
        totals[bar.start] = totals.get(bar.start, 0) + bar.count
    return max(totals.values(), default=0)


def count_ceiling(tallest: int) -> int:
    """A top for the count axis at or above `tallest`: 1, 2 or 5 times a power of ten."""
    power = 1
    while True:
        for step in (1, 2, 5):
            if step * power >= tallest:
                return step * power
        power *= 10


def _ticks(first: dt.date, after: dt.date, unit: Unit) -> list[dict[str, object]]:
    """Axis labels on bin starts, at most MAX_TICKS of them (every k-th bin), as Vega-Lite
    DateTime objects in UTC."""
    starts = [first]
    while (following := next_bin(starts[-1], unit)) < after:
        starts.append(following)
    every = max(1, math.ceil(len(starts) / MAX_TICKS))
    return [{"year": d.year, "month": d.month, "date": d.day, "utc": True} for d in starts[::every]]


def brush_interval(selection: object) -> list[object] | None:
    """The brushed interval in a chart's selection value; [] when the brush was cleared, None
    when the value holds no brush at all."""
    if not isinstance(selection, Mapping):
        return None
    brush = selection.get(BRUSH)
    if not isinstance(brush, Mapping):
        return None
    for interval in brush.values():
        if isinstance(interval, Sequence) and not isinstance(interval, str):
            return list(interval)
    return []
