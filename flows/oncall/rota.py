"""Who is on call at a moment: weekly shifts, one-off overrides, and what staff said themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from flows.oncall.model import Availability, Case, Override, Role, Shift, StaffMember


def in_shift(shift: Shift, moment: dt.datetime) -> bool:
    """Whether `moment` falls in this weekly shift (a shift ending before it starts runs overnight)."""
    day, now = moment.weekday(), moment.time()
    if shift.start <= shift.end:
        return shift.weekday == day and shift.start <= now < shift.end
    started_today = shift.weekday == day and now >= shift.start
    started_yesterday = (shift.weekday + 1) % 7 == day and now < shift.end
    return started_today or started_yesterday


def is_on_call(
    member: StaffMember, shifts: Iterable[Shift], overrides: Iterable[Override], moment: dt.datetime
) -> bool:
    """Active, not on a break, and on call by their own word, an override or the rota, in that order."""
    if not member.active or (member.break_until is not None and member.break_until > moment):
        return False
    if member.availability is not Availability.ROTA:
        return member.availability is Availability.ON
    for override in overrides:
        if override.staff_id == member.id and override.starts <= moment < override.ends:
            return override.on_call
    return any(shift.staff_id == member.id and in_shift(shift, moment) for shift in shifts)


def on_call(
    staff: Iterable[StaffMember], shifts: Iterable[Shift], overrides: Iterable[Override], moment: dt.datetime
) -> list[StaffMember]:
    shifts, overrides = list(shifts), list(overrides)
    return [member for member in staff if is_on_call(member, shifts, overrides, moment)]


def with_role(staff: Iterable[StaffMember], role: Role) -> list[StaffMember]:
    return [member for member in staff if member.role is role]


def caseload(member: StaffMember, cases: Iterable[Case]) -> int:
    return sum(1 for case in cases if case.is_open and case.claimed_by == member.id)


def caseloads_of(cases: Iterable[Case]) -> dict[int, int]:
    """Open cases held, by staff id: what `Cases.caseloads` reads from the database."""
    held: dict[int, int] = {}
    for case in cases:
        if case.is_open and case.claimed_by is not None:
            held[case.claimed_by] = held.get(case.claimed_by, 0) + 1
    return held


def has_capacity(member: StaffMember, caseloads: Mapping[int, int], cap: int) -> bool:
    return caseloads.get(member.id, 0) < cap


def over_shift_limit(member: StaffMember, limit: dt.timedelta, moment: dt.datetime) -> bool:
    return member.on_call_since is not None and moment - member.on_call_since > limit
