"""The figures a clinical supervisor watches, over the last weeks: how fast cases are claimed, how far
paging had to go, how cases ended, whether people felt better, who carried the work, whether
follow-ups were kept, and how often the detector's flags were right by the staff's word."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

from bot.web.charts import Chart, Series
from storage.unit_of_work import SqlAlchemyUnitOfWork
from storage.web import ClosedCase

WINDOW = dt.timedelta(days=28)
LEVELS = ("imminent", "high", "moderate", "low", "none")
FOLLOW_UP_ASKED = "follow-up requested"
FOLLOW_UP_UNANSWERED = "no reply to the follow-up"


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def compute(unit_of_work: Callable[[], SqlAlchemyUnitOfWork], now: dt.datetime) -> list[Chart]:
    since = now - WINDOW
    with unit_of_work() as uow:
        cases = uow.desk_records.cases_since(since)
        pages = uow.desk_records.events_since("paged", since)
        resolved = uow.desk_records.events_since("resolved", since)
        opened = uow.desk_records.events_since("opened", since)
        distress = uow.desk_records.distress_since(since.date())
        names = {member.id: member.name for member in uow.staff.all()}
    return [
        claim_times(cases, lambda c: c.level, "Page to claim by level (minutes)", LEVELS),
        claim_times(cases, lambda c: f"{c.opened_at:%H}:00", "Page to claim by hour opened, UTC (minutes)"),
        counted("Pages sent, by escalation level", (detail.split(":")[0] for *_, detail in pages)),
        counted("How cases ended", (c.outcome for c in cases if c.outcome)),
        distress_chart(distress),
        counted(
            "Cases claimed, by staff member", (names.get(c.claimed_by, "?") for c in cases if c.claimed_by)
        ),
        follow_ups(resolved, opened),
        precision(cases),
    ]


def claim_times(
    cases: Iterable[ClosedCase],
    key: Callable[[ClosedCase], str],
    title: str,
    order: Sequence[str] = (),
) -> Chart:
    waits: dict[str, list[float]] = defaultdict(list)
    for case in cases:
        if case.claimed_at is not None:
            waits[key(case)].append((case.claimed_at - case.opened_at).total_seconds() / 60)
    categories = [k for k in order if k in waits] or sorted(waits)
    return Chart(
        title,
        categories,
        [
            Series("median", [percentile(waits[k], 0.5) for k in categories]),
            Series("90th percentile", [percentile(waits[k], 0.9) for k in categories]),
        ],
        "min",
    )


def counted(title: str, items: Iterable[str | None]) -> Chart:
    counts = Counter(item for item in items if item)
    categories = sorted(counts, key=lambda k: (-counts[k], k))
    return Chart(title, categories, [Series("count", [counts[k] for k in categories])])


def distress_chart(ratings: list[tuple[dt.date, int, int]]) -> Chart:
    by_week: dict[dt.date, list[tuple[int, int]]] = defaultdict(list)
    for day, before, after in ratings:
        by_week[day - dt.timedelta(days=day.weekday())].append((before, after))
    weeks = sorted(by_week)
    return Chart(
        "Distress before and after (0-10, mean)",
        [f"week of {week:%d %b}" for week in weeks],
        [
            Series("before", [sum(b for b, _ in by_week[w]) / len(by_week[w]) for w in weeks]),
            Series("after", [sum(a for _, a in by_week[w]) / len(by_week[w]) for w in weeks]),
        ],
    )


def follow_ups(
    resolved: list[tuple[int, dt.datetime, str, str]], opened: list[tuple[int, dt.datetime, str, str]]
) -> Chart:
    asked = sum(FOLLOW_UP_ASKED in detail for *_, detail in resolved)
    missed = sum(FOLLOW_UP_UNANSWERED in detail for *_, detail in opened)
    if not asked and not missed:
        return Chart("Follow-ups", [], [])
    categories = ["requested", "unanswered (back to the queue)", "answered or still due"]
    return Chart("Follow-ups", categories, [Series("count", [asked, missed, max(0, asked - missed)])])


def precision(cases: Iterable[ClosedCase]) -> Chart:
    """Per week: of the cases staff labelled, the share where the risk was real (as flagged or higher)."""
    weeks: dict[dt.date, list[bool]] = defaultdict(list)
    for case in cases:
        if case.risk_label and case.signals:  # a person asking for someone is no detector flag
            start = case.opened_at.date() - dt.timedelta(days=case.opened_at.weekday())
            weeks[start].append(case.risk_label in ("confirmed", "higher"))
    ordered = sorted(weeks)
    return Chart(
        "Detector flags confirmed by staff (precision, %)",
        [f"week of {week:%d %b}" for week in ordered],
        [Series("confirmed", [100 * sum(weeks[w]) / len(weeks[w]) for w in ordered])],
        "%",
    )
