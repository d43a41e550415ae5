"""The on-call rulebook, decided purely: rota, paging ladder, priorities and the case lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest

from flows.oncall.lifecycle import after, allowed
from flows.oncall.model import Availability, Case, CaseStatus, Override, Reach, Role, Shift, StaffMember
from flows.oncall.paging import Roster, plan_first_page, plan_step, priority_key, reach_of
from flows.oncall.policy import default_policy
from flows.oncall.rota import caseloads_of, in_shift, is_on_call, over_shift_limit
from flows.risk.levels import RiskLevel

FRIDAY_AFTERNOON = dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)
FRIDAY_NIGHT = dt.datetime(2026, 11, 27, 23, 30, tzinfo=dt.UTC)
POLICY = default_policy()
SAM = StaffMember(1, "Sam", Role.COUNSELLOR, availability=Availability.ON)
ALEX = StaffMember(2, "Alex", Role.COUNSELLOR, availability=Availability.ON)
SUE = StaffMember(3, "Sue", Role.SUPERVISOR, availability=Availability.ON)
OFF = StaffMember(4, "Off", Role.COUNSELLOR, availability=Availability.OFF)
EVERYONE = [SAM, ALEX, SUE, OFF]


def case(level: RiskLevel, opened: dt.datetime = FRIDAY_AFTERNOON, number: int = 1) -> Case:
    return Case(number, f"p{number}", level, (), "", opened_at=opened)


def roster(open_cases: list[Case] | None = None) -> Roster:
    return Roster(EVERYONE, [SAM, ALEX, SUE], caseloads_of(open_cases or []), POLICY.caseload_cap)


def test_a_weekday_shift_and_an_overnight_shift():
    day = Shift(1, 4, dt.time(9), dt.time(17))
    night = Shift(1, 4, dt.time(22), dt.time(6))
    assert in_shift(day, FRIDAY_AFTERNOON) and not in_shift(day, FRIDAY_NIGHT)
    assert in_shift(night, FRIDAY_NIGHT)
    assert in_shift(night, dt.datetime(2026, 11, 28, 5, 0, tzinfo=dt.UTC))  # Saturday morning
    assert not in_shift(night, dt.datetime(2026, 11, 28, 7, 0, tzinfo=dt.UTC))


def test_own_word_beats_overrides_which_beat_the_rota_and_breaks_beat_all():
    member = StaffMember(9, "Kim", Role.COUNSELLOR)
    shifts = [Shift(9, 4, dt.time(9), dt.time(17))]
    assert is_on_call(member, shifts, [], FRIDAY_AFTERNOON)
    off = Override(
        9, FRIDAY_AFTERNOON - dt.timedelta(hours=1), FRIDAY_AFTERNOON + dt.timedelta(hours=1), False
    )
    assert not is_on_call(member, shifts, [off], FRIDAY_AFTERNOON)
    member.availability = Availability.ON
    assert is_on_call(member, shifts, [off], FRIDAY_AFTERNOON)
    member.break_until = FRIDAY_AFTERNOON + dt.timedelta(minutes=15)
    assert not is_on_call(member, shifts, [], FRIDAY_AFTERNOON)
    member.active, member.break_until = False, None
    assert not is_on_call(member, shifts, [], FRIDAY_AFTERNOON)


def test_a_high_case_pages_the_on_call_counsellors_first():
    plan = plan_first_page(case(RiskLevel.HIGH), POLICY, roster(), FRIDAY_AFTERNOON)
    assert {m.name for m in plan.recipients} == {"Sam", "Alex"}
    assert plan.next_check == FRIDAY_AFTERNOON + POLICY.levels[0].ack_timeout


def test_an_imminent_case_pages_every_level_at_once():
    plan = plan_first_page(case(RiskLevel.IMMINENT), POLICY, roster(), FRIDAY_AFTERNOON)
    assert {m.name for m in plan.recipients} == {"Sam", "Alex", "Sue", "Off"}


def test_a_moderate_case_waits_unpaged_at_night_until_morning():
    plan = plan_first_page(case(RiskLevel.MODERATE, FRIDAY_NIGHT), POLICY, roster(), FRIDAY_NIGHT)
    assert plan.recipients == ()
    assert plan.next_check == dt.datetime(2026, 11, 28, 7, 0, tzinfo=dt.UTC)
    high = plan_first_page(case(RiskLevel.HIGH, FRIDAY_NIGHT), POLICY, roster(), FRIDAY_NIGHT)
    assert high.recipients


def test_the_ladder_climbs_repeats_and_then_keeps_paging_everyone():
    names = [plan_step(step, POLICY, roster(), FRIDAY_AFTERNOON).level_name for step in range(8)]
    ladder = [level.name for level in POLICY.levels]
    assert names[:6] == ladder * 2
    assert names[6:] == [ladder[-1], ladder[-1]]


def test_counsellors_at_their_cap_are_not_paged():
    full = [case(RiskLevel.HIGH, number=n) for n in (7, 8)]
    for held in full:
        held.status, held.claimed_by = CaseStatus.CLAIMED, SAM.id
    plan = plan_first_page(case(RiskLevel.HIGH), POLICY, roster(full), FRIDAY_AFTERNOON)
    assert [m.name for m in plan.recipients] == ["Alex"]


def test_priority_is_level_then_waiting_time():
    old_high = case(RiskLevel.HIGH, FRIDAY_AFTERNOON, 1)
    new_imminent = case(RiskLevel.IMMINENT, FRIDAY_AFTERNOON + dt.timedelta(minutes=5), 2)
    new_high = case(RiskLevel.HIGH, FRIDAY_AFTERNOON + dt.timedelta(minutes=1), 3)
    ordered = sorted([new_high, old_high, new_imminent], key=priority_key)
    assert [c.id for c in ordered] == [2, 1, 3]


@pytest.mark.parametrize(
    ("status", "action", "result"),
    [
        (CaseStatus.TRIGGERED, "claim", CaseStatus.CLAIMED),
        (CaseStatus.CLAIMED, "release", CaseStatus.TRIGGERED),
        (CaseStatus.CLAIMED, "transfer", CaseStatus.CLAIMED),
        (CaseStatus.CLAIMED, "resolve", CaseStatus.RESOLVED),
        (CaseStatus.TRIGGERED, "cancel", CaseStatus.CANCELLED),
    ],
)
def test_the_lifecycle_allows_its_steps(status, action, result):
    assert after(status, action) is result


@pytest.mark.parametrize(
    ("status", "action"),
    [(CaseStatus.RESOLVED, "claim"), (CaseStatus.TRIGGERED, "resolve"), (CaseStatus.CANCELLED, "release")],
)
def test_the_lifecycle_refuses_what_makes_no_sense(status, action):
    assert not allowed(status, action)
    with pytest.raises(ValueError):
        after(status, action)


def test_a_long_shift_is_noticed():
    member = StaffMember(5, "Lee", Role.COUNSELLOR, on_call_since=FRIDAY_AFTERNOON - dt.timedelta(hours=9))
    assert over_shift_limit(member, POLICY.shift_limit, FRIDAY_AFTERNOON)
    member.on_call_since = FRIDAY_AFTERNOON - dt.timedelta(hours=2)
    assert not over_shift_limit(member, POLICY.shift_limit, FRIDAY_AFTERNOON)


def test_a_level_with_nobody_to_page_is_skipped_at_once_not_waited_out():
    only_sue = Roster(EVERYONE, [SUE], {}, POLICY.caseload_cap)
    plan = plan_first_page(case(RiskLevel.HIGH), POLICY, only_sue, FRIDAY_AFTERNOON)
    assert [m.name for m in plan.recipients] == ["Sue"] and plan.level_name == "on-call supervisor"
    assert plan.next_check == FRIDAY_AFTERNOON + POLICY.levels[1].ack_timeout
    assert reach_of(plan, plan.recipients, only_sue) is Reach.FREE


def test_with_nobody_on_call_staff_off_call_are_paged_and_nobody_is_called_free():
    nobody_on_call = Roster(EVERYONE, [], {}, POLICY.caseload_cap)
    plan = plan_first_page(case(RiskLevel.HIGH), POLICY, nobody_on_call, FRIDAY_AFTERNOON)
    assert plan.level_name == "all staff" and {m.name for m in plan.recipients} == {
        "Sam",
        "Alex",
        "Sue",
        "Off",
    }
    assert reach_of(plan, plan.recipients, nobody_on_call) is Reach.BUSY


def test_with_nobody_registered_nobody_is_paged_and_the_timer_tries_again():
    empty = Roster([], [], {}, POLICY.caseload_cap)
    plan = plan_first_page(case(RiskLevel.HIGH), POLICY, empty, FRIDAY_AFTERNOON)
    assert plan.recipients == () and plan.step == 0 and plan.next_check is not None
    assert reach_of(plan, (), empty) is Reach.NOBODY


def test_a_moderate_case_queued_at_night_is_said_to_wait_for_the_morning():
    plan = plan_first_page(case(RiskLevel.MODERATE, FRIDAY_NIGHT), POLICY, roster(), FRIDAY_NIGHT)
    assert reach_of(plan, plan.recipients, roster()) is Reach.NIGHT
