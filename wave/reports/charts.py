"""The trend chart's geometry, drawn as inline SVG by reports/_trend.html: no script, no
library. Across, positions are percentages, so the chart takes the width of the phone or
the page and its text keeps its size; up, they are pixels of a fixed-height drawing."""

from dataclasses import dataclass, field
from datetime import date
from math import ceil

from flask_babel import format_date

from wave.reports.figures import Trend

HEIGHT = 220
TOP = 18
"""Where the plot begins (room for the top gridline's number)."""
BASELINE = 188
"""Where bars stand; the day labels sit below it."""
GUTTER = 8.0
"""Per cent of the width kept on the left for the gridlines' numbers."""
MAX_LABELS = 6


@dataclass
class Bar:
    x: float
    width: float
    y: float
    height: float
    value: int
    series: str
    """'created' or 'completed'."""
    day: date


@dataclass
class Tick:
    x: float
    anchor: str
    text: str


@dataclass
class Chart:
    weekly: bool
    bars: list[Bar] = field(default_factory=list)
    grid: list[tuple[float, int]] = field(default_factory=list)
    """(y, value) of each horizontal gridline, from 0 up."""
    ticks: list[Tick] = field(default_factory=list)
    created: int = 0
    completed: int = 0
    busiest: tuple[date, int] | None = None
    """The bucket with the most created requests, and how many."""
    height: int = HEIGHT
    baseline: int = BASELINE
    gutter: float = GUTTER


def trend_chart(trend: Trend) -> Chart:
    """Two bars per day or week (created, completed), gridlines at round numbers, and a
    few date labels under the bars."""
    chart = Chart(trend.weekly, created=trend.created, completed=trend.completed)
    buckets = trend.buckets
    if not buckets:
        return chart
    top = nice_top(max(max(c, d) for _, c, d in buckets))
    step = nice_step(top)
    scale = (BASELINE - TOP) / top
    chart.grid = [(BASELINE - v * scale, v) for v in range(0, top + 1, step)]
    slot = (100 - GUTTER) / len(buckets)
    for i, (day, created, completed) in enumerate(buckets):
        left = GUTTER + i * slot
        for offset, value, series in ((0.12, created, "created"), (0.52, completed, "completed")):
            if value:
                height = value * scale
                chart.bars.append(
                    Bar(
                        left + offset * slot,
                        0.36 * slot,
                        BASELINE - height,
                        height,
                        value,
                        series,
                        day,
                    )
                )
    every = ceil(len(buckets) / MAX_LABELS)
    for i in range(0, len(buckets), every):
        centre = GUTTER + (i + 0.5) * slot
        anchor = "end" if centre > 92 else "middle"
        x = min(centre + slot / 2, 100) if anchor == "end" else centre
        chart.ticks.append(Tick(x, anchor, format_date(buckets[i][0], "d MMM")))
    peak = max(buckets, key=lambda b: b[1])
    chart.busiest = (peak[0], peak[1]) if peak[1] else None
    return chart


def nice_top(value: int) -> int:
    """The smallest round number (1, 2, 5 × 10ⁿ steps, four at most) at or above value."""
    if value <= 4:
        return max(value, 1)
    step = nice_step(value)
    return step * ceil(value / step)


def nice_step(value: int) -> int:
    """A round step that cuts 0…value into at most four parts."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if value / step <= 4:
                return step
        magnitude *= 10
