"""Bar charts drawn as SVG on the server: nothing to load, nothing run in the browser.

Each chart is an image with a title and a description a screen reader reads (role="img"), and
the page shows the same figures as a table beside it. Colours are presentation attributes, not
style attributes, so the Content-Security-Policy needs no 'unsafe-inline'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 200
VALUE_WIDTH = 90
# Colours with at least 4.5:1 contrast on white, told apart by more than hue (the values are printed).
SERIES_COLOURS = ("#1f5fa8", "#8a4b00", "#2e6b30")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: one row per category, one bar per series in each row."""

    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    unit: str = ""

    @property
    def empty(self) -> bool:
        return not self.categories

    def value_text(self, value: float) -> str:
        if self.unit == "min" and 0 < value < 1:
            return f"{round(value * 60)} s"  # a claim within the minute still reads as a time
        shown = f"{value:.1f}".removesuffix(".0")
        return f"{shown} {self.unit}".strip()

    def description(self) -> str:
        parts = []
        for index, category in enumerate(self.categories):
            values = ", ".join(f"{s.name} {self.value_text(s.values[index])}" for s in self.series)
            parts.append(f"{category}: {values}")
        return "; ".join(parts) or "no data yet"


def svg(chart: Chart, chart_id: str) -> Markup:
    """The chart as an inline SVG element."""
    if chart.empty:
        return Markup("")
    rows = len(chart.categories) * len(chart.series)
    height = rows * BAR_HEIGHT + len(chart.categories) * GAP + 30
    top = max((v for s in chart.series for v in s.values), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(chart.title)}</title>',
        f'<desc id="{chart_id}-d">{escape(chart.description())}</desc>',
    ]
    parts += list(_bars(chart, top))
    parts += _legend(chart, height - 10)
    parts.append("</svg>")
    return Markup("".join(parts))


def _bars(chart: Chart, top: float) -> list[str]:
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    out: list[str] = []
    y = 0
    for index, category in enumerate(chart.categories):
        out.append(f'<text x="0" y="{y + 16}" font-size="13" fill="#222">{escape(category)}</text>')
        for number, series in enumerate(chart.series):
            value = series.values[index]
            width = max(1, round(span * value / top)) if value else 0
            colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
            bar = f'x="{LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{BAR_HEIGHT - 6}"'
            out.append(f'<rect {bar} fill="{colour}"/>')
            label = escape(chart.value_text(value))
            out.append(
                f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 16}" font-size="12" fill="#222">{label}</text>'
            )
            y += BAR_HEIGHT
        y += GAP
    return out


def _legend(chart: Chart, y: int) -> list[str]:
    if len(chart.series) < 2:
        return []
    out, x = [], LABEL_WIDTH
    for number, series in enumerate(chart.series):
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        out.append(f'<text x="{x + 16}" y="{y}" font-size="12" fill="#222">{escape(series.name)}</text>')
        x += 130
    return out
