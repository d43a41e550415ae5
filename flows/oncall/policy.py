"""The escalation policy: ordered paging levels with acknowledge timeouts, and staff protection limits.

Defaults live in `flows/data/escalation_policy.toml`; an organisation's own file overrides them.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

TARGETS = ("on_call_counsellors", "on_call_supervisors", "all_staff")


@dataclass(frozen=True)
class PolicyLevel:
    name: str
    targets: str
    ack_timeout: dt.timedelta


@dataclass(frozen=True)
class Policy:
    """Paging levels, repeats, night hours and the limits that protect staff."""

    levels: tuple[PolicyLevel, ...]
    repeat: int
    night_start: dt.time
    night_end: dt.time
    page_moderate_at_night: bool
    caseload_cap: int
    reply_reminder: dt.timedelta
    supervisor_reminder: dt.timedelta
    waiting_update: dt.timedelta
    shift_limit: dt.timedelta
    counsellor_display: str  # "team" or "first_name": how staff are named to the person

    def is_night(self, moment: dt.datetime) -> bool:
        """Whether `moment` (in the policy's clock, UTC unless configured) falls in the night window."""
        now = moment.time()
        if self.night_start <= self.night_end:
            return self.night_start <= now < self.night_end
        return now >= self.night_start or now < self.night_end

    def night_ends_after(self, moment: dt.datetime) -> dt.datetime:
        end = moment.replace(hour=self.night_end.hour, minute=self.night_end.minute, second=0, microsecond=0)
        return end if end > moment else end + dt.timedelta(days=1)


def default_policy_data() -> dict[str, Any]:
    raw = (resources.files("flows") / "data" / "escalation_policy.toml").read_text(encoding="utf-8")
    return tomllib.loads(raw)


def default_policy() -> Policy:
    return policy_from(default_policy_data())


def policy_from(data: dict[str, Any], base: dict[str, Any] | None = None) -> Policy:
    """A policy from parsed TOML, with anything missing taken from `base` (the defaults)."""
    merged = {**(base or {}), **data}
    levels = tuple(_level(entry) for entry in merged["levels"])
    if not levels:
        raise ValueError("an escalation policy needs at least one level")
    return Policy(
        levels=levels,
        repeat=int(merged.get("repeat", 1)),
        night_start=dt.time.fromisoformat(str(merged["night_start"])),
        night_end=dt.time.fromisoformat(str(merged["night_end"])),
        page_moderate_at_night=bool(merged["page_moderate_at_night"]),
        caseload_cap=int(merged["caseload_cap"]),
        reply_reminder=_minutes(merged["reply_reminder_minutes"]),
        supervisor_reminder=_minutes(merged["supervisor_reminder_minutes"]),
        waiting_update=_minutes(merged["waiting_update_minutes"]),
        shift_limit=dt.timedelta(hours=float(merged["shift_limit_hours"])),
        counsellor_display=str(merged.get("counsellor_display", "team")),
    )


def _level(entry: dict[str, Any]) -> PolicyLevel:
    targets = str(entry["targets"])
    if targets not in TARGETS:
        raise ValueError(f"unknown paging targets {targets!r}; use one of {', '.join(TARGETS)}")
    return PolicyLevel(str(entry["name"]), targets, _minutes(entry["ack_timeout_minutes"]))


def _minutes(value: object) -> dt.timedelta:
    return dt.timedelta(minutes=float(str(value)))
