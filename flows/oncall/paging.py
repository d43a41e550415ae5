"""Whom to page for a case, and when the next level is due: the escalation ladder, decided purely."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flows.oncall.model import Case, Reach, Role, StaffMember
from flows.oncall.policy import Policy, PolicyLevel
from flows.oncall.rota import has_capacity, with_role
from flows.oncall.text import staff_text
from flows.risk.levels import RiskLevel


@dataclass(frozen=True)
class Roster:
    """Everyone the policy can reach at one moment, with how many open cases each holds (counts,
    not the cases: a page must not read, let alone decrypt, every open case)."""

    staff: Sequence[StaffMember]
    on_call: Sequence[StaffMember]
    caseloads: Mapping[int, int]
    cap: int

    def available(self) -> list[StaffMember]:
        """On call and below their caseload cap: people who could take a case now."""
        return [member for member in self.on_call if has_capacity(member, self.caseloads, self.cap)]

    def supervisors(self) -> list[StaffMember]:
        return [member for member in with_role(self.staff, Role.SUPERVISOR) if member.active]

    def released(self, staff_id: int | None) -> Roster:
        """The roster once `staff_id` holds one case fewer (it was just released from them)."""
        if staff_id is None:
            return self
        caseloads = {**self.caseloads, staff_id: max(self.caseloads.get(staff_id, 0) - 1, 0)}
        return Roster(self.staff, self.on_call, caseloads, self.cap)

    def without(self, leaving: StaffMember) -> Roster:
        """The roster less someone who just left a case: it is not paged straight back to them."""
        return Roster(
            [m for m in self.staff if m.id != leaving.id],
            [m for m in self.on_call if m.id != leaving.id],
            self.caseloads,
            self.cap,
        )


@dataclass(frozen=True)
class PagePlan:
    """Who to page now, at which step of the ladder, and when to look again (None: no timer)."""

    step: int
    recipients: tuple[StaffMember, ...]
    level_name: str
    next_check: dt.datetime | None


def plan_first_page(case: Case, policy: Policy, roster: Roster, now: dt.datetime) -> PagePlan:
    """The first page: everyone for an imminent case, nobody at night for a moderate one, else level 0."""
    if case.level >= RiskLevel.IMMINENT:
        everyone = _unique(member for level in policy.levels for member in targets_of(level, roster))
        return PagePlan(0, everyone, staff_text("level.everyone"), now + policy.levels[0].ack_timeout)
    if case.level <= RiskLevel.MODERATE and policy.is_night(now) and not policy.page_moderate_at_night:
        return PagePlan(-1, (), staff_text("level.night_queue"), policy.night_ends_after(now))
    return plan_step(0, policy, roster, now)


def plan_step(step: int, policy: Policy, roster: Roster, now: dt.datetime) -> PagePlan:
    """Page the level at `step` of the ladder; past the repeats, the last level is paged again and again.

    A level with nobody to page (no counsellor on call, say) is skipped for the next at once: waiting
    out its timeout would page nobody while the person is told the team knows. When every level is
    empty the plan pages nobody, and the timer tries again later.
    """
    for candidate in range(step, step + len(policy.levels)):
        plan = _plan_at(candidate, policy, roster, now)
        if plan.recipients:
            return plan
    return _plan_at(step, policy, roster, now)


def _plan_at(step: int, policy: Policy, roster: Roster, now: dt.datetime) -> PagePlan:
    ladder = len(policy.levels) * policy.repeat
    level = policy.levels[-1] if step >= ladder else policy.levels[step % len(policy.levels)]
    recipients = tuple(targets_of(level, roster))
    return PagePlan(step, recipients, level.name, now + level.ack_timeout)


def reach_of(plan: PagePlan, told: Iterable[StaffMember], roster: Roster) -> Reach:
    """What can truthfully be said about who knows of a new case: `told` is everyone paged or alerted."""
    if plan.step < 0:
        return Reach.NIGHT
    told_ids = {member.id for member in told}
    if told_ids & {member.id for member in roster.available()}:
        return Reach.FREE
    return Reach.BUSY if told_ids else Reach.NOBODY


def targets_of(level: PolicyLevel, roster: Roster) -> list[StaffMember]:
    if level.targets == "on_call_counsellors":
        return [m for m in roster.available() if m.role is Role.COUNSELLOR]
    if level.targets == "on_call_supervisors":
        return [m for m in roster.on_call if m.role is Role.SUPERVISOR]
    return [m for m in roster.staff if m.active]


def priority_key(case: Case) -> tuple[int, dt.datetime, int]:
    """Imminent before high before moderate, then whoever has waited longest."""
    return (-case.level.rank, case.opened_at, case.id)


def _unique(members: Iterable[StaffMember]) -> tuple[StaffMember, ...]:
    seen: dict[int, StaffMember] = {}
    for member in members:
        seen.setdefault(member.id, member)
    return tuple(seen.values())
