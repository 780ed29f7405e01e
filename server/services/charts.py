"""The infusion and vital-sign charts as geometry for server-side SVG (templates `_charts.html`).

Drawn on the server so that the page, its print and the PDF show the same picture without any
script. The charts use classes and presentation attributes only (the CSP allows no inline style),
and black-and-white friendly strokes so they stay readable on a fax or a laser print.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from server.services.local_time import LocalTime, parse
from server.services.visit_window import AFTER_START, BEFORE_START

WIDTH, LEFT, RIGHT, TOP, BOTTOM = 720, 56, 14, 16, 24  # TOP: the title's height above the plot
MAX_TIME_TICKS = 12
"""At most this many time labels on any chart, whatever its span (one entry dated centuries away once
made a tick every 8 hours across 300 years: 34 s and 224 MB for one page)."""
TICK_STEPS_MIN = (15, 30, 60, 120, 240, 480, 720, 1440)


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str
    anchor: str = "middle"  # a time label at an end of the axis is drawn inside it, clear of the value labels


@dataclass(frozen=True)
class Series:
    name: str
    css: str
    points: list[tuple[float, float]]

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass(frozen=True)
class Band:
    """A shaded stretch of time (a pause)."""

    x: float
    width: float
    label: str


@dataclass(frozen=True)
class Marker:
    """A moment worth a vertical line (a reaction). Its label is drawn right of the line, or left of it near
    the axis's end (it was cut off there), and one line lower than a neighbour's it would cross."""

    x: float
    label: str
    label_x: float
    label_y: float
    anchor: str = "start"


@dataclass(frozen=True)
class Guide:
    """A horizontal reference line (the rate limit); its label's right end and baseline."""

    pos: float
    label: str
    label_x: float
    label_y: float


MARKER_LINES = 3  # past three reactions in one label's width, labels share lines again (the panel is short)
LINE = 15  # a 12-unit label's height, ascent to descent (14), and a unit apart
FIRST_LINE = TOP + 12  # a marker's first label line, under the chart's title
LABEL_EM = 7.2  # the width of one character of a 12-unit label, near enough to keep labels apart


def _crosses(x: float, label: str, other_x: float, other: str) -> bool:
    """Whether two labels, each given by its left end, share any width."""
    return x < other_x + LABEL_EM * len(other) and other_x < x + LABEL_EM * len(label)


def _left_end(marker: Marker) -> float:
    return marker.label_x - (LABEL_EM * len(marker.label) if marker.anchor == "end" else 0)


def _markers(points: list[tuple[float, str]], right: float) -> list[Marker]:
    """Reactions close in time (labels that would overprint) stacked one line apart."""
    placed: list[Marker] = []
    for x, label in points:
        inside = x + 3 + LABEL_EM * len(label) <= right
        left = x + 3 if inside else x - 3 - LABEL_EM * len(label)
        lines = {round((m.label_y - FIRST_LINE) / LINE) for m in placed if _crosses(left, label, _left_end(m), m.label)}
        line = next(n for n in range(len(lines) + 1) if n not in lines) % MARKER_LINES
        placed.append(Marker(x, label, x + 3 if inside else x - 3, FIRST_LINE + LINE * line, "start" if inside else "end"))
    return placed


def _guide(pos: float, label: str, right: float, markers: list[Marker]) -> Guide:
    """The label above its line at the right end, else moved left of the marker labels it would cross."""
    width = LABEL_EM * len(label)
    end = right - 2
    for marker in sorted(markers, key=_left_end, reverse=True):
        if abs(marker.label_y - (pos - 3)) < LINE and _crosses(end - width, label, _left_end(marker), marker.label):
            end = _left_end(marker) - 10
    return Guide(pos, label, end, pos - 3)


@dataclass
class Chart:
    title: str
    height: int
    series: list[Series] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    guide: Guide | None = None
    width: int = WIDTH
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP

    @property
    def bottom(self) -> int:
        return self.height - BOTTOM


@dataclass(frozen=True)
class TimeAxis:
    start: datetime
    end: datetime
    left: float = LEFT
    right: float = WIDTH - RIGHT

    def contains(self, value: str | datetime) -> bool:
        moment = parse(value)
        return moment is not None and self.start <= moment <= self.end

    def x(self, value: str | datetime) -> float:
        """The position of a moment; one outside the axis is drawn at its edge, never beyond."""
        moment = parse(value)
        assert moment is not None
        moment = min(max(moment, self.start), self.end)
        span = max((self.end - self.start).total_seconds(), 1.0)
        return self.left + (moment - self.start).total_seconds() / span * (self.right - self.left)

    def ticks(self, clock: LocalTime) -> list[Tick]:
        """Labels on the local clock's round times, at most MAX_TIME_TICKS of them."""
        minutes = (self.end - self.start).total_seconds() / 60
        most = min(MAX_TIME_TICKS, max(4, int((self.right - self.left) // 70)))  # labels ~70 units apart
        step = next((s for s in TICK_STEPS_MIN if minutes / s <= most), math.ceil(minutes / most))
        first = self.start.replace(second=0, microsecond=0)
        local = clock.local(first)
        assert local is not None
        first += timedelta(minutes=-(local.hour * 60 + local.minute) % step)  # on the local clock's hours
        ticks, moment = [], first
        while moment <= self.end and len(ticks) <= MAX_TIME_TICKS:
            x = self.x(moment)
            anchor = "start" if x - self.left < 20 else "end" if self.right - x < 20 else "middle"
            ticks.append(Tick(x, clock.clock(moment), anchor))
            moment += timedelta(minutes=step)
        return ticks


@dataclass(frozen=True)
class ValueAxis:
    low: float
    high: float
    top: float
    bottom: float

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1.0
        return self.bottom - (value - self.low) / span * (self.bottom - self.top)

    def ticks(self, count: int = 4) -> list[Tick]:
        step = nice_step((self.high - self.low) / count)
        value = math.ceil(self.low / step) * step
        ticks = []
        while value <= self.high + 1e-9:
            ticks.append(Tick(self.y(value), f"{value:g}"))
            value += step
        return ticks


def nice_step(raw: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten: tick labels a person reads at a glance."""
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def time_axis(state: dict[str, Any], width: int = WIDTH) -> TimeAxis | None:
    """From time in to time out (or the last thing that happened), within the visit's plausible
    window (`server.services.visit_window`): an entry dated far outside it, which an older server
    accepted, stays in the timeline but cannot stretch the axis (it is drawn at the edge)."""
    moments = [parse(v) for v in (state.get("time_in"), state.get("time_out")) if v]
    moments += [parse(row["at"]) for row in state.get("vitals", [])]
    moments += [parse(s["end"] or s["start"]) for s in _all_segments(state)]
    moments = sorted(m for m in moments if m is not None)
    if not moments:
        return None
    anchor = parse(state.get("time_in")) or moments[len(moments) // 2]
    inside = [m for m in moments if anchor - BEFORE_START <= m <= anchor + AFTER_START] or [anchor]
    start, end = inside[0], inside[-1]
    return TimeAxis(start, max(end, start + timedelta(minutes=30)), LEFT, width - RIGHT)


def _step_points(segments: list[dict[str, Any]], axis: TimeAxis, values: ValueAxis) -> list[list[tuple[float, float]]]:
    """Each run of touching segments as one stepped line; a pause or stop breaks the line."""
    runs: list[list[tuple[float, float]]] = []
    last_end = None
    for segment in segments:
        start, end = segment["start"], segment["end"] or segment["start"]
        y = values.y(segment["rate_ml_h"])
        if last_end != start or not runs:
            runs.append([(axis.x(start), values.bottom)])
        runs[-1] += [(axis.x(start), y), (axis.x(end), y)]
        last_end = end
    for run in runs:
        run.append((run[-1][0], values.bottom))
    return runs


def _all_segments(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Every pump's rate segments: the visit's own, then each additional order's."""
    return state.get("segments", []) + [s for run in state.get("other_orders", []) for s in run["segments"]]


def infusion_chart(state: dict[str, Any], clock: LocalTime, *, height: int = 200, width: int = WIDTH) -> Chart | None:
    """The pump rate over time, pauses shaded, reactions marked, the rate limit as a guide; each additional
    order's pump (a pre-hydration's saline) as a line of its own (a walk found the saline's 90 min missing)."""
    axis, segments = time_axis(state, width), state.get("segments", [])
    every = _all_segments(state)
    if axis is None or not every:
        return None
    limit = state.get("protocol", {}).get("limit_ml_h")
    high = max([s["rate_ml_h"] for s in every] + ([limit] if limit else [])) * 1.1
    values = ValueAxis(0, high, TOP, height - BOTTOM)
    chart = Chart("Infusion rate (mL/h)", height, x_ticks=axis.ticks(clock), y_ticks=values.ticks(),
                  width=width, right=int(axis.right))
    for number, run in enumerate(_step_points(segments, axis, values)):
        chart.series.append(Series(f"rate {number + 1}", "rate", run))
    for other in state.get("other_orders", []):
        for run in _step_points(other["segments"], axis, values):
            chart.series.append(Series(f"order {other['order_id']}: {other['product_name']}", "rate-other", run))
    for pause in state.get("pauses", []):
        start, end = axis.x(pause["start"]), axis.x(pause["end"] or axis.end)
        chart.bands.append(Band(start, max(end - start, 1.0), f"paused: {pause['reason']}"))
    chart.markers = _markers([(axis.x(r["at"]), f"R{r['grade']}") for r in state.get("reactions", [])
                              if axis.contains(r["at"])], axis.right)
    if limit:  # the visit's own order's limit: named so where another pump's line is drawn beside it
        whose = f" ({state['protocol']['product_name']})" if len(every) > len(segments) else ""
        chart.guide = _guide(values.y(limit), f"limit {limit:g}{whose}", chart.right, chart.markers)
    return chart


VITAL_PANELS = (
    ("Temperature (°C)", (("temp_c", "temp"),), (35.5, 39.5)),
    ("Heart rate (/min)", (("hr", "hr"),), (40, 140)),
    ("Blood pressure (mmHg)", (("sbp", "sbp"), ("dbp", "dbp")), (40, 180)),
    ("SpO2 (%)", (("spo2", "spo2"),), (85, 100)),
)


def axis_width(axis: TimeAxis) -> int:
    return int(axis.right) + RIGHT


def _panel(title: str, lines: tuple, bounds: tuple, vitals: list, axis: TimeAxis, clock: LocalTime,
           height: int) -> Chart | None:
    measured = [row[name] for row in vitals for name, _ in lines if row.get(name) is not None]
    if not measured:
        return None
    low, high = min(bounds[0], min(measured)), max(bounds[1], max(measured))
    values = ValueAxis(low, high, TOP, height - BOTTOM)
    chart = Chart(title, height, x_ticks=axis.ticks(clock), y_ticks=values.ticks(3), width=axis_width(axis),
                  right=int(axis.right))
    for name, css in lines:
        points = [(axis.x(row["at"]), values.y(row[name])) for row in vitals
                  if row.get(name) is not None and axis.contains(row["at"])]
        chart.series.append(Series(name, css, points))
    return chart


def vitals_charts(state: dict[str, Any], clock: LocalTime, *, height: int = 110, width: int = WIDTH) -> list[Chart]:
    """One small panel per measurement, on the same span of time as the infusion chart."""
    axis, vitals = time_axis(state, width), state.get("vitals", [])
    if axis is None or not vitals:
        return []
    panels = [_panel(title, lines, bounds, vitals, axis, clock, height) for title, lines, bounds in VITAL_PANELS]
    for panel in (p for p in panels if p is not None):
        panel.markers = _markers([(axis.x(r["at"]), f"R{r['grade']}") for r in state.get("reactions", [])
                                  if axis.contains(r["at"])], axis.right)
    return [panel for panel in panels if panel is not None]
