"""The desk's rulebook, decided purely: a case, the staff and the roster in; what to store, send and
tell out. No database, no clock: each test reads as one rule of the desk."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TypeVar

import pytest

from flows.events import CaseClosed, CaseOpened, FollowUpRequested, StaffJoined, StaffLeft, StaffMessage
from flows.intents import Escalate
from flows.oncall.desk import DeskRules, as_task, colleague_and_note, held_by, may_act_on, waiting_cases
from flows.oncall.intents import (
    Answer,
    CancelCaseTimer,
    CancelCaseTimers,
    DeskIntent,
    ForgetPerson,
    Notify,
    Record,
    Refuse,
    SaveCase,
    SaveMember,
    Say,
    SetCaseTimer,
    TakeCase,
    TellPerson,
    Unregister,
)
from flows.oncall.model import Availability, Case, CaseEvent, CaseStatus, Outcome, Reach, Role, StaffMember
from flows.oncall.paging import Roster
from flows.oncall.policy import default_policy
from flows.risk.levels import RiskLevel

NOW = dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)  # a Friday afternoon
NIGHT = dt.datetime(2026, 11, 27, 23, 30, tzinfo=dt.UTC)
POLICY = default_policy()
T = TypeVar("T")
RULES = DeskRules(POLICY, NOW)
SAM = StaffMember(1, "Sam Jones", Role.COUNSELLOR, availability=Availability.ON)
ALEX = StaffMember(2, "Alex Lee", Role.COUNSELLOR, availability=Availability.ON)
SUE = StaffMember(3, "Sue Park", Role.SUPERVISOR, availability=Availability.ON)
STAFF = [SAM, ALEX, SUE]


def waiting(level: RiskLevel = RiskLevel.HIGH, number: int = 1, **changes: object) -> Case:
    opened = NOW - dt.timedelta(minutes=4)
    case = Case(number, f"console:p{number}", level, ("intent",), "state=menu", opened_at=opened)
    return replace(case, **changes)


def held(by: StaffMember, number: int = 1, **changes: object) -> Case:
    claim: dict[str, object] = {"status": CaseStatus.CLAIMED, "claimed_by": by.id, "claimed_at": NOW}
    return waiting(number=number, **{**claim, **changes})


def roster(on_call: list[StaffMember] | None = None, caseloads: dict[int, int] | None = None) -> Roster:
    present = STAFF if on_call is None else on_call
    return Roster(STAFF, present, caseloads or {}, POLICY.caseload_cap)


def of(kind: type[T], intents: list[DeskIntent]) -> list[T]:
    return [intent for intent in intents if isinstance(intent, kind)]


def said(intents: list[DeskIntent]) -> str:
    return "\n".join(intent.text for intent in intents if isinstance(intent, Say | Refuse))


def saved(intents: list[DeskIntent]) -> Case:
    """The case as the last save leaves it."""
    return of(SaveCase, intents)[-1].case


def paged(intents: list[DeskIntent]) -> list[int]:
    return [n.staff_id for n in of(Notify, intents) if n.kind == "page"]


def escalation(level: RiskLevel, *signals: str) -> Escalate:
    return Escalate(level, signals, "state=menu", "risk")


# Claiming ----------------------------------------------------------------------------------------


def test_a_claim_takes_the_case_tells_everyone_paged_and_starts_the_reply_reminder():
    intents = RULES.claim(1, waiting(), SAM, held=0, holder=None, paged={1, 2}, written=[])
    assert of(TakeCase, intents) == [TakeCase(1, SAM.id, NOW, POLICY.caseload_cap)]
    assert of(CancelCaseTimer, intents) == [CancelCaseTimer("case:1:ack")]
    taken = [(n.staff_id, n.kind, n.payload["text"]) for n in of(Notify, intents)]
    assert taken == [
        (1, "taken", "Case 1 was claimed by Sam Jones."),
        (2, "taken", "Case 1 was claimed by Sam Jones."),
    ]
    assert of(SetCaseTimer, intents) == [SetCaseTimer("case:1:reply", NOW + POLICY.reply_reminder)]
    assert of(TellPerson, intents) == [TellPerson("console:p1", StaffJoined("Sam"))]
    assert "You have case 1" in said(intents) and "Since the case opened" not in said(intents)


def test_a_claim_shows_what_the_person_wrote_while_they_waited():
    intents = RULES.claim(1, waiting(), SAM, 0, None, {1}, ["are you there?", "please"])
    assert "Since the case opened, they wrote:\n» are you there?\n» please" in said(intents)


def test_the_claim_is_made_before_anything_else_so_a_lost_race_changes_nothing():
    intents = RULES.claim(1, waiting(), SAM, 0, None, {1}, [])
    assert isinstance(intents[0], TakeCase)


def test_a_case_someone_holds_is_not_claimed_again_and_a_holder_who_left_goes_unnamed():
    intents = RULES.claim(1, held(ALEX), SAM, 0, ALEX, set(), [])
    assert said(intents) == "Case 1 is already with Alex Lee."
    assert said(RULES.claim(1, held(ALEX), SAM, 0, None, set(), [])) == "Case 1 is already with a colleague."
    assert not of(TakeCase, intents) and not of(TellPerson, intents)


def test_at_the_caseload_cap_a_counsellor_claims_nothing_more():
    intents = RULES.claim(1, waiting(), SAM, held=POLICY.caseload_cap, holder=None, paged={1}, written=[])
    assert said(intents).startswith(f"You already have {POLICY.caseload_cap} active cases")
    assert not of(TakeCase, intents)


@pytest.mark.parametrize("case", [None, waiting(status=CaseStatus.RESOLVED)])
def test_a_missing_or_closed_case_cannot_be_claimed(case):
    assert RULES.claim(7, case, SAM, 0, None, set(), []) == [Say("There is no open case 7.")]


# Who may act on a case ---------------------------------------------------------------------------


def test_case_actions_belong_to_the_holder_and_to_supervisors():
    assert may_act_on(SAM, held(SAM)) and may_act_on(SUE, held(SAM))
    assert not may_act_on(ALEX, held(SAM)) and not may_act_on(SAM, waiting())


def test_a_colleague_cannot_release_a_case_they_do_not_hold_and_it_is_logged_as_a_refusal():
    intents = RULES.release(1, held(SAM), ALEX, SAM, roster())
    assert intents == [
        Refuse("Case 1 is not yours. Ask a supervisor, or ask Sam Jones to hand it over.", "not_yours")
    ]


def test_a_waiting_case_is_claimed_first_never_closed_from_the_side():
    (refusal,) = RULES.cancel(1, waiting(), ALEX, None, "duplicate")
    assert isinstance(refusal, Refuse) and refusal.why == "not_held"


def test_a_case_cannot_be_released_before_it_is_claimed():
    assert RULES.release(1, waiting(), SUE, None, roster()) == [Say("There is no open case 1.")]


# Release, removal and transfer ---------------------------------------------------------------------


def test_a_released_case_is_paged_afresh_to_anyone_but_who_left_it():
    intents = RULES.release(1, held(SAM), SAM, SAM, roster(caseloads={SAM.id: 1}))
    case = saved(intents)
    assert case.status is CaseStatus.TRIGGERED and case.claimed_by is None and case.paging_step == 0
    assert paged(intents) == [ALEX.id]
    assert CancelCaseTimer("case:1:reply") in intents
    assert of(TellPerson, intents) == [TellPerson("console:p1", StaffLeft(Reach.FREE))]
    assert said(intents) == "Case 1 is back in the queue."


def test_a_supervisor_releasing_a_full_counsellors_case_gives_them_room_again():
    """Sam held two cases (the cap); once a supervisor releases one, Sam has room and is paged for it."""
    intents = RULES.release(1, held(SAM), SUE, SAM, roster(caseloads={SAM.id: 2, ALEX.id: 2}))
    assert paged(intents) == [SAM.id]


def test_someone_removed_from_the_register_loses_their_cases_to_the_queue_and_their_mail():
    cases = [held(SAM, 1), held(SAM, 2)]
    intents = RULES.removed(SAM, cases, roster())
    gone = of(SaveMember, intents)[0].member
    assert not gone.active and gone.availability is Availability.OFF and gone.on_call_since is None
    assert Unregister(SAM.id) in intents
    assert [e.user_id for e in of(TellPerson, intents)] == ["console:p1", "console:p2"]
    assert SAM.id not in paged(intents)
    assert SAM.active, "the member given is left as it was"


def test_a_transfer_hands_over_with_a_note_and_the_person_hears_someone_new_joined():
    intents = RULES.transfer(1, held(SAM), SAM, SAM, ALEX, "alex", "knows about the exams")
    case = saved(intents)
    assert case.claimed_by == ALEX.id and case.last_staff_reply_at == NOW
    (handover,) = of(Notify, intents)
    assert handover.staff_id == ALEX.id and handover.kind == "handover"
    assert "Sam Jones handed case 1 to you.\nHandover note: knows about the exams" in handover.payload["text"]
    assert of(TellPerson, intents) == [TellPerson("console:p1", StaffJoined("Alex", handover=True))]


@pytest.mark.parametrize("colleague", [None, replace(ALEX, active=False)])
def test_a_case_goes_only_to_an_active_colleague(colleague):
    assert RULES.transfer(1, held(SAM), SAM, SAM, colleague, "kim", "") == [
        Say("There is no active staff member called kim.")
    ]


# Closing ------------------------------------------------------------------------------------------


def test_resolving_a_high_case_closes_it_offers_a_debrief_and_can_ask_for_a_follow_up():
    intents = RULES.resolve(1, held(SAM), SAM, SAM, Outcome.SAFETY_PLAN, followup=True)
    case = saved(intents)
    assert case.status is CaseStatus.RESOLVED and case.outcome is Outcome.SAFETY_PLAN
    assert CancelCaseTimers(1) in intents
    assert "That was a hard one" in said(intents)
    assert of(TellPerson, intents) == [
        TellPerson("console:p1", CaseClosed("safety-plan-made")),
        TellPerson("console:p1", FollowUpRequested(1)),
    ]
    (record,) = of(Record, intents)
    assert record.event.detail == "safety-plan-made · follow-up requested"


def test_a_moderate_case_resolved_needs_no_debrief():
    intents = RULES.resolve(1, held(SAM, level=RiskLevel.MODERATE), SAM, SAM, Outcome.OTHER, False)
    assert "hard one" not in said(intents) and len(of(TellPerson, intents)) == 1


def test_a_cancelled_stub_of_a_forgotten_person_tells_nobody():
    intents = RULES.cancel(1, held(SAM, user_id=""), SAM, SAM, "gone")
    assert saved(intents).status is CaseStatus.CANCELLED and not of(TellPerson, intents)


# Writing to the person ----------------------------------------------------------------------------


def test_a_counsellor_with_one_case_writes_to_its_person_and_the_reminder_starts_again():
    case = held(SAM, reminders_sent=1)
    intents = RULES.relay_from_staff([case], None, SAM, "I'm here")
    assert saved(intents).reminders_sent == 0 and saved(intents).last_staff_reply_at == NOW
    assert SetCaseTimer("case:1:reply", NOW + POLICY.reply_reminder) in intents
    assert of(TellPerson, intents) == [TellPerson("console:p1", StaffMessage("Sam", "I'm here"))]


def test_with_two_cases_the_counsellor_names_which_one():
    mine = [held(SAM, 2), held(SAM, 1)]
    assert "You have cases 1, 2" in said(RULES.relay_from_staff(mine, None, SAM, "hi"))
    assert of(TellPerson, RULES.relay_from_staff(mine, 2, SAM, "hi"))[0].user_id == "console:p2"


def test_with_no_case_there_is_nobody_to_write_to():
    assert "no active case" in said(RULES.relay_from_staff([], None, SAM, "hi"))


def test_the_person_is_named_to_staff_by_first_name_or_as_a_counsellor():
    assert RULES.display_name(SAM) == "Sam"
    team = DeskRules(replace(POLICY, counsellor_display="team"), NOW)
    assert team.display_name(SAM) == "A counsellor"


# Paging and the ladder ----------------------------------------------------------------------------


def test_a_new_high_case_is_recorded_paged_and_the_person_told_someone_free_knows():
    case = waiting()
    intents = RULES.opened(case, escalation(RiskLevel.HIGH, "intent"), roster())
    assert of(Record, intents)[0].event.kind == "opened"
    assert paged(intents) == [SAM.id, ALEX.id]
    assert SetCaseTimer("case:1:ack", NOW + POLICY.levels[0].ack_timeout) in intents
    every = POLICY.waiting_update.total_seconds()
    assert intents[-1] == Answer(CaseOpened(1, Reach.FREE, update_seconds=every))


def test_with_nobody_free_the_supervisors_are_alerted_and_the_person_is_not_told_someone_free_knows():
    full = roster(on_call=[SAM], caseloads={SAM.id: POLICY.caseload_cap})
    intents = RULES.opened(waiting(), escalation(RiskLevel.HIGH), full)
    alerts = [n for n in of(Notify, intents) if "supervisors, please find someone" in n.payload["text"]]
    assert [n.staff_id for n in alerts] == [SUE.id]
    assert SUE.id not in [n.staff_id for n in of(Notify, intents) if n not in alerts]
    answer = of(Answer, intents)[0].event
    assert isinstance(answer, CaseOpened) and answer.reach is Reach.BUSY


def test_a_moderate_case_at_night_waits_unpaged_until_morning_and_the_person_is_told_so():
    night = DeskRules(POLICY, NIGHT)
    intents = night.opened(waiting(RiskLevel.MODERATE), escalation(RiskLevel.MODERATE), roster())
    assert paged(intents) == []
    morning = dt.datetime(2026, 11, 28, 7, 0, tzinfo=dt.UTC)
    assert SetCaseTimer("case:1:ack", morning) in intents
    answer = of(Answer, intents)[0].event
    assert isinstance(answer, CaseOpened) and answer.reach is Reach.NIGHT
    assert answer.night_ends == morning.isoformat()


def test_a_staff_task_is_paged_like_a_moderate_case_without_alerting_anyone():
    intent = as_task("follow-up unanswered")
    assert intent.level is RiskLevel.MODERATE and intent.reason == "task"
    assert intent.summary == "follow-up unanswered", "staff read the reason as the case's summary"
    intents = RULES.task_opened(waiting(RiskLevel.MODERATE), intent, roster())
    assert paged(intents) == [SAM.id, ALEX.id] and not of(Answer, intents)


def test_a_new_case_summary_quotes_the_signals_the_words_matched_and_the_last_messages():
    intent = Escalate(RiskLevel.HIGH, ("intent",), "state=menu", "risk", ("intent: kill myself",))
    case = RULES.new_case("console:p", intent, ["first", "second"])
    assert case.summary == "state=menu\nsignals: intent\nmatched: intent: kill myself\n» first\n» second"
    assert case.opened_at == NOW and case.id == 0


def test_an_unacknowledged_page_climbs_the_ladder_and_those_left_behind_hear_it_moved_on():
    intents = RULES.timer_fired("ack", waiting(paging_step=0), {SAM.id, ALEX.id}, None, roster())
    assert paged(intents) == [SUE.id] and saved(intents).paging_step == 1
    moved = [(n.staff_id, n.kind) for n in of(Notify, intents) if n.kind == "notice"]
    assert moved == [(SAM.id, "notice"), (ALEX.id, "notice")]
    assert SetCaseTimer("case:1:ack", NOW + POLICY.levels[1].ack_timeout) in intents


def test_a_timer_of_a_case_that_moved_on_does_nothing():
    assert RULES.timer_fired("ack", held(SAM), {SAM.id}, SAM, roster()) == []
    assert RULES.timer_fired("reply", waiting(), set(), None, roster()) == []
    assert RULES.timer_fired("ack", waiting(status=CaseStatus.CANCELLED), set(), None, roster()) == []


def test_no_reply_for_a_while_reminds_the_holder_first_then_the_supervisors():
    first = RULES.timer_fired("reply", held(SAM), set(), SAM, roster())
    assert [(n.staff_id, n.payload["text"][:6]) for n in of(Notify, first)] == [(SAM.id, "Case 1")]
    later = POLICY.supervisor_reminder - POLICY.reply_reminder
    assert SetCaseTimer("case:1:reply", NOW + later) in first
    assert saved(first).reminders_sent == 1
    second = RULES.timer_fired("reply", held(SAM, reminders_sent=1), set(), SAM, roster())
    (to_supervisor,) = of(Notify, second)
    assert to_supervisor.staff_id == SUE.id and "held by Sam Jones" in to_supervisor.payload["text"]
    assert not of(SetCaseTimer, second) and saved(second).reminders_sent == 2


# New signals on an open case ---------------------------------------------------------------------


def test_high_signals_on_a_claimed_case_reach_its_holder_at_once():
    intents = RULES.updated(held(SAM), escalation(RiskLevel.HIGH, "plan"), [], None)
    (urgent,) = of(Notify, intents)
    assert urgent.staff_id == SAM.id and urgent.kind == "urgent"
    case = saved(intents)
    assert case.signals == ("intent", "plan") and case.person_waiting
    answer = of(Answer, intents)[0].event
    assert isinstance(answer, CaseOpened) and answer.existing and answer.reach is None


@pytest.mark.parametrize(
    ("case", "rise", "repaged"),
    [
        (waiting(RiskLevel.HIGH), RiskLevel.IMMINENT, True),
        (waiting(RiskLevel.HIGH), RiskLevel.HIGH, False),
        (waiting(RiskLevel.MODERATE, paging_step=-1), RiskLevel.HIGH, True),
        (waiting(RiskLevel.MODERATE, paging_step=0), RiskLevel.HIGH, False),
        (held(SAM, level=RiskLevel.MODERATE), RiskLevel.IMMINENT, False),
    ],
)
def test_a_waiting_case_is_paged_afresh_when_it_rises_to_imminent_or_out_of_the_night(case, rise, repaged):
    assert RULES.repages(case, escalation(rise)) is repaged


def test_a_rise_to_imminent_pages_everyone_at_once():
    intents = RULES.updated(waiting(), escalation(RiskLevel.IMMINENT), [], roster())
    assert sorted(paged(intents)) == [SAM.id, ALEX.id, SUE.id]
    answer = of(Answer, intents)[0].event
    assert isinstance(answer, CaseOpened) and answer.reach is Reach.FREE


# The person's side ---------------------------------------------------------------------------------


def test_what_the_person_writes_reaches_only_whoever_holds_their_case():
    assert RULES.relayed_from_person(waiting(), "hello") == []
    assert RULES.relayed_from_person(None, "hello") == []
    (relay,) = RULES.relayed_from_person(held(ALEX), "hello")
    assert relay == Notify(ALEX.id, "relay", {"text": "Case 1 · person: hello", "case": 1}, 1)


def test_a_person_who_stops_waiting_stays_in_the_queue_and_those_paged_are_told():
    intents = RULES.stopped_waiting(waiting(), {SAM.id})
    assert saved(intents).person_waiting is False
    assert [n.staff_id for n in of(Notify, intents)] == [SAM.id]


def test_forgetting_a_person_erases_first_then_tells_staff_the_case_is_closed():
    intents = RULES.forgotten("console:p1", held(SAM), {SAM.id, ALEX.id})
    assert intents[0] == ForgetPerson("console:p1") and CancelCaseTimers(1) in intents
    told = [(n.staff_id, n.kind) for n in of(Notify, intents)]
    assert told == [(ALEX.id, "taken"), (SAM.id, "notice")]
    assert RULES.forgotten("console:p9", None, set()) == [ForgetPerson("console:p9")]


# The queue, reports and the staff member's own state -----------------------------------------------


def test_the_queue_shows_the_most_urgent_first_and_who_stopped_waiting():
    cases = [waiting(RiskLevel.HIGH, 1), waiting(RiskLevel.IMMINENT, 2, person_waiting=False), held(SAM, 3)]
    lines = said(RULES.queue(waiting_cases(cases))).splitlines()
    assert lines == [
        "Waiting cases, most urgent first:",
        "Case 2 · imminent · waiting 4 min · person stopped waiting",
        "Case 1 · high · waiting 4 min",
    ]
    assert said(RULES.queue([])) == "No cases are waiting."


def test_the_load_is_for_supervisors_only():
    (refusal,) = RULES.load(SAM, STAFF, [], set(), [])
    assert isinstance(refusal, Refuse) and refusal.why == "supervisors_only"
    lines = said(RULES.load(SUE, STAFF, [held(SAM), waiting(number=2)], {SAM.id}, [dt.timedelta(minutes=3)]))
    assert (
        "Sam Jones (counsellor): 1 active · on call" in lines and "Alex Lee (counsellor): 0 active" in lines
    )
    assert "Waiting cases: 1" in lines and "Median time to claim today: 3.0 min" in lines


def test_a_call_for_support_reaches_every_supervisor():
    intents = RULES.support(SAM, roster())
    assert [(n.staff_id, n.payload["text"]) for n in of(Notify, intents)] == [
        (SUE.id, "Sam Jones would like some support after a difficult case.")
    ]


def test_going_on_call_starts_the_shift_clock_and_going_off_ends_a_break():
    on = of(SaveMember, RULES.on_call(replace(SAM, availability=Availability.ROTA), True))[0].member
    assert on.availability is Availability.ON and on.on_call_since == NOW
    on_break = replace(SAM, break_until=NOW + dt.timedelta(minutes=5))
    off = of(SaveMember, RULES.on_call(on_break, False))[0].member
    assert off.availability is Availability.OFF and off.on_call_since is None and off.break_until is None


@pytest.mark.parametrize(("minutes", "saved_member"), [(15, True), (0, False), (241, False)])
def test_a_break_lasts_up_to_four_hours(minutes, saved_member):
    assert bool(of(SaveMember, RULES.take_break(SAM, minutes))) is saved_member


def test_a_long_shift_prompts_a_handover():
    assert RULES.shift_warning(replace(SAM, on_call_since=NOW - dt.timedelta(hours=9)))
    assert RULES.shift_warning(replace(SAM, on_call_since=NOW - dt.timedelta(hours=2))) is None


def test_a_member_holds_only_their_own_open_cases():
    cases = [held(SAM, 3), held(ALEX, 2), held(SAM, 1), held(SAM, 4, status=CaseStatus.RESOLVED)]
    assert [c.id for c in held_by(SAM, cases)] == [1, 3]


def test_a_timeline_is_read_by_its_holder_and_supervisors_only():
    events = [CaseEvent(1, NOW, "opened", "", "high · risk"), CaseEvent(1, NOW, "claimed", "Sam Jones")]
    assert said(RULES.timeline(1, held(SAM), SAM, events)).splitlines() == [
        "Timeline of case 1:",
        "14:00:00 · opened · high · risk",
        "14:00:00 · claimed · Sam Jones",
    ]
    assert said(RULES.timeline(1, held(SAM), SUE, events)).startswith("Timeline of case 1:")
    (refusal,) = RULES.timeline(1, held(SAM), ALEX, events)
    assert isinstance(refusal, Refuse) and refusal.why == "supervisors_only"


@pytest.mark.parametrize(
    ("typed", "colleague", "note"),
    [
        ("alex lee knows about the exams", "alex lee", "knows about the exams"),
        ("ALEX LEE", "ALEX LEE", ""),
        ("alex knows about the exams", "Alex Lee", "knows about the exams"),
        ("kim is new", "kim", "is new"),
    ],
)
def test_a_transfer_names_the_longest_colleague_name_typed_then_a_first_name(typed, colleague, note):
    assert colleague_and_note(typed.split(), STAFF) == (colleague, note)


def test_a_first_name_means_an_active_colleague_only():
    assert colleague_and_note(["alex", "hi"], [replace(ALEX, active=False)]) == ("alex", "hi")
