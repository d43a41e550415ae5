"""The desk's figures and their SVG charts, from plain rows."""

from __future__ import annotations

import datetime as dt

from bot.web.charts import Chart, Series, svg
from bot.web.figures import claim_times, percentile, precision
from storage.web import ClosedCase

MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def case(number: int, level: str, wait_minutes: float | None, label: str | None = None) -> ClosedCase:
    opened = MONDAY + dt.timedelta(hours=number)
    claimed = None if wait_minutes is None else opened + dt.timedelta(minutes=wait_minutes)
    return ClosedCase(number, level, "active_ideation", "resolved", opened, claimed, 1, "de-escalated", label)


def test_percentiles_are_nearest_rank():
    assert percentile([], 0.5) == 0
    assert percentile([4, 1, 3, 2], 0.5) == 2
    assert percentile(list(range(1, 11)), 0.9) == 9


def test_claim_times_by_level_leave_out_cases_never_claimed():
    cases = [case(1, "high", 2), case(2, "high", 10), case(3, "moderate", None)]
    chart = claim_times(cases, lambda c: c.level, "t", ("high",))
    assert list(chart.categories) == ["high"]
    assert [list(s.values) for s in chart.series] == [[2.0], [10.0]]


def test_precision_counts_higher_than_flagged_as_a_real_risk():
    labelled = [case(1, "high", 1, "confirmed"), case(2, "high", 1, "lower")]
    labelled.append(case(3, "moderate", 1, "higher"))
    chart = precision(labelled)
    assert list(chart.categories) == ["week of 23 Nov"]
    assert [round(v) for v in chart.series[0].values] == [67]


def test_a_chart_is_an_image_with_a_description_and_escaped_labels():
    drawn = svg(Chart("Cases <by> staff", ["Sam & Co"], [Series("count", [3])]), "c1")
    assert 'role="img"' in drawn and '<title id="c1-t">Cases &lt;by&gt; staff</title>' in drawn
    assert "Sam &amp; Co: count 3" in drawn and "<by>" not in drawn
    assert "style=" not in drawn  # the CSP allows no inline style
    assert svg(Chart("empty", [], []), "c2") == ""


def test_claims_within_the_minute_read_in_seconds():
    assert Chart("t", ["a"], [Series("x", [0.5])], "min").value_text(0.5) == "30 s"
