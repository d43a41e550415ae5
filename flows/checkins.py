"""Follow-up check-ins: when they happen, in the person's own time zone, outside their quiet hours."""

from __future__ import annotations

import datetime as dt
import tomllib
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from flows.content import Content

QUIET_START, QUIET_END = dt.time(22, 0), dt.time(8, 0)
EVENING = dt.time(19, 0)
# How each choice turns into a local time: days ahead, and a time of day (None: the same time as now).
WHEN: dict[str, tuple[int, dt.time | None]] = {
    "tomorrow_evening": (1, EVENING),
    "tomorrow_morning": (1, dt.time(9, 0)),
    "in_three_days": (3, None),
    "in_a_week": (7, None),
}
STAFF_OUTREACH_DELAY = (1, None)


@cache
def zones() -> dict[str, list[str]]:
    raw = (resources.files("flows") / "data" / "timezones.toml").read_text(encoding="utf-8")
    return dict(tomllib.loads(raw)["zones"])


def zones_for(country: str | None) -> list[str]:
    return zones().get(country or "", zones()["INTL"])


def local_now(now: dt.datetime, zone: str) -> dt.datetime:
    return now.astimezone(ZoneInfo(zone))


def check_in_time(
    choice: tuple[int, dt.time | None], now: dt.datetime, zone: str, night_ok: bool
) -> dt.datetime:
    """The UTC moment for a check-in chosen as (days ahead, time of day), moved out of quiet hours."""
    days, time_of_day = choice
    local = local_now(now, zone) + dt.timedelta(days=days)
    if time_of_day is not None:
        local = local.replace(hour=time_of_day.hour, minute=time_of_day.minute, second=0, microsecond=0)
    if not night_ok and is_quiet(local.time()):
        local = _after_quiet_hours(local)
    return local.astimezone(dt.UTC)


def is_quiet(moment: dt.time) -> bool:
    return moment >= QUIET_START or moment < QUIET_END


def _after_quiet_hours(local: dt.datetime) -> dt.datetime:
    morning = local.replace(hour=QUIET_END.hour, minute=0, second=0, microsecond=0)
    return morning if local.time() < QUIET_END else morning + dt.timedelta(days=1)


def scheduled(profile: dict[str, Any]) -> list[dict[str, Any]]:
    checkins: list[dict[str, Any]] = profile.setdefault("checkins", [])
    return checkins


def new_check_in(profile: dict[str, Any], at: dt.datetime, about: str, case_id: int | None = None) -> str:
    """Record a check-in and return its timer name."""
    number = int(profile.get("next_checkin", 1))
    profile["next_checkin"] = number + 1
    entry = {"id": number, "at": at.isoformat(), "about": about, "case": case_id}
    scheduled(profile).append(entry)
    return f"checkin:{number}"


def take_check_in(profile: dict[str, Any], number: int) -> dict[str, Any] | None:
    """Remove a check-in from the schedule (it fired, or was cancelled) and return it."""
    for entry in scheduled(profile):
        if entry["id"] == number:
            scheduled(profile).remove(entry)
            return entry
    return None


def describe(at_iso: str, zone: str, content: Content) -> str:
    """A check-in's time as the person would say it, in their language: "Saturday 19:00"."""
    local = dt.datetime.fromisoformat(at_iso).astimezone(ZoneInfo(zone))
    return f"{content.words('checkins.weekdays')[local.weekday()]} {local:%H:%M}"
