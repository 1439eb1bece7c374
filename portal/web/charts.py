"""Server-rendered SVG charts: the geometry is computed here, templates/_macros/charts.html draws it.

No chart library: a KPI dashboard needs grouped bars per week and horizontal bars, both simple
enough to lay out in a few lines, and an SVG drawn on the server prints and reads without script.
Coordinates are in a fixed viewBox; CSS scales the SVG to its column.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 30
MAX_X_LABELS = 8


@dataclass
class Series:
    name: str
    css: str  # class of its bars and legend swatch (colours live in static/css/areas.css)
    values: list[float | None]


@dataclass
class Chart:
    width: int
    height: int
    bars: list[dict] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    legend: list[Series] = field(default_factory=list)
    plot: dict = field(default_factory=dict)
    # Lines over the bars (the Pareto's cumulative share and its 80 % mark): points "x,y x,y", a css class.
    lines: list[dict] = field(default_factory=list)
    dots: list[dict] = field(default_factory=list)
    right_ticks: list[dict] = field(default_factory=list)


def nice_max(value: float) -> tuple[float, float]:
    """A round axis maximum >= value and its tick step (1, 2 or 5 x 10^n), about 4 ticks."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0) if value >= 1 else step
    return step * math.ceil(value / step), step


def _number(value: float) -> str:
    return f"{value:g}"


def week_bars(labels: list[str], series: list[Series], *, height: int = 220,
              fixed_max: float | None = None, suffix: str = "") -> Chart:
    """Bars per week, one per series side by side; a None value (nothing to measure) draws a dash."""
    count = max(len(labels), 1)
    top_value = fixed_max if fixed_max is not None else max(
        [v for s in series for v in s.values if v is not None] or [0])
    axis_max, step = (fixed_max, fixed_max / 4) if fixed_max is not None else nice_max(top_value)
    tick_values = [n * step for n in range(int(axis_max / step + 1e-9) + 1)]
    tick_texts = [_number(round(v, 2)) + suffix for v in tick_values]
    # Room for the widest tick label ("100%" at the chart's 15 px font), so it is never cut at the edge.
    left = max(LEFT, 14 + 9 * max(map(len, tick_texts)))
    plot_w, plot_h = WIDTH - left - RIGHT, height - TOP - BOTTOM
    base = TOP + plot_h
    group = plot_w / count
    bar_w = group * 0.8 / max(len(series), 1)
    chart = Chart(WIDTH, height, legend=series,
                  plot={"left": left, "right": WIDTH - RIGHT, "top": TOP, "bottom": base})
    for value, text in zip(tick_values, tick_texts, strict=True):
        chart.ticks.append({"y": round(base - plot_h * value / axis_max, 1), "text": text})
    every = math.ceil(count / MAX_X_LABELS)
    for i, label in enumerate(labels):
        x0 = left + group * i + group * 0.1
        for j, s in enumerate(series):
            value = s.values[i]
            x = round(x0 + bar_w * j, 1)
            if value is None:
                chart.bars.append({"x": x, "y": base - 2, "w": round(bar_w, 1), "h": 2, "css": "none",
                                   "title": f"{label}: {s.name}: none"})
                continue
            h = plot_h * value / axis_max if axis_max else 0
            chart.bars.append({"x": x, "y": round(base - h, 1), "w": round(max(bar_w - 1, 1), 1),
                               "h": round(h, 1), "css": s.css, "title": f"{label}: {s.name} {_number(value)}{suffix}"})
        if i % every == 0:
            chart.labels.append({"x": round(left + group * (i + 0.5), 1), "y": base + 18, "text": label})
    return chart


def horizontal_bars(labels: list[str], values: list[float], *, unit: str = "h", row: int = 34) -> Chart:
    """One bar per row, longest first as given; the label on the left, the value at the bar's end."""
    label_w, value_w = 150, 80
    height = max(len(labels), 1) * row + 8
    axis_max = max(values or [0]) or 1
    span = WIDTH - label_w - value_w
    chart = Chart(WIDTH, height, plot={"left": label_w, "right": WIDTH - value_w, "top": 0, "bottom": height})
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        w = span * value / axis_max
        y = 4 + i * row
        chart.bars.append({"x": label_w, "y": y, "w": round(max(w, 1), 1), "h": row - 10, "css": "downtime",
                           "title": f"{label}: {value:,.1f} {unit}"})
        chart.labels.append({"x": label_w - 8, "y": y + (row - 10) / 2 + 5, "text": label, "anchor": "end"})
        chart.labels.append({"x": round(label_w + w + 6, 1), "y": y + (row - 10) / 2 + 5,
                             "text": f"{value:,.1f} {unit}", "anchor": "start"})
    return chart


def pareto(labels: list[str], counts: list[int], cumulative: list[float], vital: list[bool], *,
           height: int = 240, mark: float = 80.0) -> Chart:
    """A Pareto chart: bars of counts, most first (as given), the vital few in their own colour; the
    cumulative share as a line on a 0-100 % axis at the right, with a dashed line at `mark` %."""
    count = max(len(labels), 1)
    axis_max, step = nice_max(max(counts or [0]))
    tick_values = [n * step for n in range(int(axis_max / step + 1e-9) + 1)]
    left = max(LEFT, 14 + 9 * max(len(_number(v)) for v in tick_values))
    right = 52  # "100%" on the right axis
    plot_w, plot_h = WIDTH - left - right, height - TOP - BOTTOM
    base = TOP + plot_h
    group = plot_w / count
    chart = Chart(WIDTH, height, legend=[Series("Vital few", "vital", []), Series("Others", "trivial", []),
                                         Series("Cumulative %", "cumulative", [])],
                  plot={"left": left, "right": WIDTH - right, "top": TOP, "bottom": base})
    for value in tick_values:
        chart.ticks.append({"y": round(base - plot_h * value / axis_max, 1), "text": _number(value)})
    for pct in (0, 25, 50, 75, 100):
        chart.right_ticks.append({"x": WIDTH - right + 6, "y": round(base - plot_h * pct / 100 + 4, 1), "text": f"{pct}%"})
    points = []
    every = math.ceil(count / 10)
    for i, (label, n, cum, is_vital) in enumerate(zip(labels, counts, cumulative, vital, strict=True)):
        h = plot_h * n / axis_max
        bar_w = min(group * 0.7, 90)  # one or two modes: bars, not slabs
        x = left + group * (i + 0.5) - bar_w / 2
        chart.bars.append({"x": round(x, 1), "y": round(base - h, 1), "w": round(bar_w, 1), "h": round(h, 1),
                           "css": "vital" if is_vital else "trivial",
                           "title": f"{label}: {n} ({cum:g} % cumulative)"})
        cx, cy = round(left + group * (i + 0.5), 1), round(base - plot_h * cum / 100, 1)
        points.append(f"{cx},{cy}")
        chart.dots.append({"x": cx, "y": cy, "title": f"{label}: {cum:g} % cumulative"})
        if i % every == 0:
            chart.labels.append({"x": cx, "y": base + 18, "text": label})
    mark_y = round(base - plot_h * mark / 100, 1)
    chart.lines.append({"points": f"{left},{mark_y} {WIDTH - right},{mark_y}", "css": "mark"})
    if points:
        chart.lines.append({"points": " ".join(points), "css": "cumulative"})
    return chart
