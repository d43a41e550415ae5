"""The on-call desk's shell: load what a decision needs, ask the rulebook, carry out its intents.

The decisions (who is paged, what a claim or transfer changes, caps, reminders, every text staff
read) are in `flows.oncall.desk`; this reads their state from storage and writes what they return,
all inside the caller's unit of work, so a case and its pages are written in one transaction. Each
entry point goes one way: load, decide, carry out. It returns what the people involved must hear:
replies for the staff member who acted, and events for people's conversations.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.failpoints import failpoint
from flows.conversation import Conversation
from flows.events import Event
from flows.intents import Escalate
from flows.oncall.desk import (
    SUMMARY_MESSAGES,
    WHILE_WAITING_SHOWN,
    DeskRules,
    as_task,
    held_by,
    waiting_cases,
)
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
from flows.oncall.model import Case, CaseStatus, Outcome, StaffMember
from flows.oncall.paging import Roster
from flows.oncall.policy import Policy
from flows.oncall.rota import on_call
from flows.oncall.text import staff_text
from flows.ports import UnitOfWork, WriteConflict

__all__ = ["Desk", "DeskResult", "staff_address", "staff_text"]
log = logging.getLogger(__name__)


def staff_address(member: StaffMember) -> str:
    return f"staff:{member.id}"


@dataclass
class DeskResult:
    """What one desk action produced: replies to the actor, events for people's conversations (and
    for the conversation that asked), and the staff members it changed."""

    replies: list[str] = field(default_factory=list)
    person_events: list[tuple[str, Event]] = field(default_factory=list)
    answers: list[Event] = field(default_factory=list)
    members: dict[int, StaffMember] = field(default_factory=dict)

    def say(self, key: str, **values: object) -> DeskResult:
        self.replies.append(staff_text(key, **values))
        return self


class Desk:
    """The on-call desk against storage: cases, pages, claims and relays, in the caller's transaction."""

    def __init__(self, policy: Policy, clock: Callable[[], dt.datetime]):
        self.policy = policy
        self.now = clock

    def rules(self) -> DeskRules:
        """The rulebook at this moment: one time for the whole of an action."""
        return DeskRules(self.policy, self.now())

    # The person's side -------------------------------------------------------------------------

    def escalate(self, uow: UnitOfWork, conversation: Conversation, intent: Escalate) -> list[Event]:
        """Open the person's case, or update their open one with new signals; returns what their
        conversation hears (the case opened, and who knows)."""
        rules, user_id = self.rules(), conversation.user_id
        existing = uow.cases.open_for(user_id)
        recent = uow.messages.recent(user_id, SUMMARY_MESSAGES)
        if existing is not None:
            roster = self.roster(uow, rules.now) if rules.repages(existing, intent) else None
            return self.carry_out(uow, rules.updated(existing, intent, recent, roster)).answers
        case = uow.cases.add(rules.new_case(user_id, intent, recent))
        answers = self.carry_out(uow, rules.opened(case, intent, self.roster(uow, rules.now))).answers
        failpoint("case_opened")
        return answers

    def task(self, uow: UnitOfWork, conversation: Conversation, reason: str) -> None:
        """A task for the staff queue about this person (a follow-up nobody answered)."""
        if uow.cases.open_for(conversation.user_id) is not None:
            return
        rules, intent = self.rules(), as_task(reason)
        recent = uow.messages.recent(conversation.user_id, SUMMARY_MESSAGES)
        case = uow.cases.add(rules.new_case(conversation.user_id, intent, recent))
        self.carry_out(uow, rules.task_opened(case, intent, self.roster(uow, rules.now)))

    def relay_from_person(self, uow: UnitOfWork, conversation: Conversation, text: str) -> None:
        case = uow.cases.open_for(conversation.user_id)
        self.carry_out(uow, self.rules().relayed_from_person(case, text))

    def person_stopped_waiting(self, uow: UnitOfWork, conversation: Conversation) -> None:
        case = uow.cases.open_for(conversation.user_id)
        paged = uow.cases.paged(case.id) if case is not None else set()
        self.carry_out(uow, self.rules().stopped_waiting(case, paged))

    def forget_person(self, uow: UnitOfWork, user_id: str) -> None:
        case = uow.cases.open_for(user_id)
        paged = uow.cases.paged(case.id) if case is not None else set()
        self.carry_out(uow, self.rules().forgotten(user_id, case, paged))

    # Staff actions -----------------------------------------------------------------------------

    def queue(self, uow: UnitOfWork) -> DeskResult:
        return self.carry_out(uow, self.rules().queue(waiting_cases(uow.cases.open_cases())))

    def next(self, uow: UnitOfWork, member: StaffMember) -> DeskResult:
        """Claim the most urgent waiting case."""
        waiting = waiting_cases(uow.cases.open_cases())
        if not waiting:
            return DeskResult().say("queue_empty")
        return self.claim(uow, member, waiting[0].id)

    def claim(self, uow: UnitOfWork, member: StaffMember, case_id: int) -> DeskResult:
        case = uow.cases.get(case_id)
        waiting = case is not None and case.status is CaseStatus.TRIGGERED
        paged = uow.cases.paged(case_id) if waiting else set()
        written = (
            uow.messages.since(case.user_id, case.opened_at, WHILE_WAITING_SHOWN) if case and waiting else []
        )
        held = uow.cases.caseloads().get(member.id, 0)
        holder = self._holder(uow, case, member)
        return self.carry_out(uow, self.rules().claim(case_id, case, member, held, holder, paged, written))

    def release(self, uow: UnitOfWork, member: StaffMember, case_id: int) -> DeskResult:
        rules, case = self.rules(), uow.cases.get(case_id)
        holder = self._holder(uow, case, member)
        return self.carry_out(uow, rules.release(case_id, case, member, holder, self.roster(uow, rules.now)))

    def remove_member(self, uow: UnitOfWork, member: StaffMember) -> list[tuple[str, Event]]:
        """Take someone off the register at once; returns the events for the people whose case they held."""
        rules, held = self.rules(), held_by(member, uow.cases.open_cases())
        return self.carry_out(uow, rules.removed(member, held, self.roster(uow, rules.now))).person_events

    def transfer(self, uow: UnitOfWork, member: StaffMember, case_id: int, to: str, note: str) -> DeskResult:
        case, colleague = uow.cases.get(case_id), uow.staff.by_name(to)
        holder = self._holder(uow, case, member)
        return self.carry_out(uow, self.rules().transfer(case_id, case, member, holder, colleague, to, note))

    def note(self, uow: UnitOfWork, member: StaffMember, case_id: int, text: str) -> DeskResult:
        case = uow.cases.get(case_id)
        holder = self._holder(uow, case, member)
        return self.carry_out(uow, self.rules().note(case_id, case, member, holder, text))

    def resolve(
        self, uow: UnitOfWork, member: StaffMember, case_id: int, outcome: Outcome, followup: bool
    ) -> DeskResult:
        case = uow.cases.get(case_id)
        holder = self._holder(uow, case, member)
        return self.carry_out(uow, self.rules().resolve(case_id, case, member, holder, outcome, followup))

    def cancel(self, uow: UnitOfWork, member: StaffMember, case_id: int, reason: str) -> DeskResult:
        case = uow.cases.get(case_id)
        holder = self._holder(uow, case, member)
        return self.carry_out(uow, self.rules().cancel(case_id, case, member, holder, reason))

    def relay_from_staff(
        self, uow: UnitOfWork, member: StaffMember, case_id: int | None, text: str
    ) -> DeskResult:
        mine = held_by(member, uow.cases.open_cases())
        return self.carry_out(uow, self.rules().relay_from_staff(mine, case_id, member, text))

    def timeline(self, uow: UnitOfWork, member: StaffMember, case_id: int) -> DeskResult:
        case = uow.cases.get(case_id)
        events = uow.cases.timeline(case_id) if case is not None else []
        return self.carry_out(uow, self.rules().timeline(case_id, case, member, events))

    def load(self, uow: UnitOfWork, member: StaffMember) -> DeskResult:
        rules = self.rules()
        if not member.is_supervisor:  # nothing read for a refusal
            return self.carry_out(uow, rules.load(member, [], [], set(), []))
        staff, cases = uow.staff.all(), uow.cases.open_cases()
        present = {m.id for m in on_call(staff, uow.rota.shifts(), uow.rota.overrides(rules.now), rules.now)}
        waits = uow.cases.claim_waits(rules.day_start())
        return self.carry_out(uow, rules.load(member, staff, cases, present, waits))

    def support(self, uow: UnitOfWork, member: StaffMember) -> DeskResult:
        rules = self.rules()
        return self.carry_out(uow, rules.support(member, self.roster(uow, rules.now)))

    def on_call(self, uow: UnitOfWork, member: StaffMember, on: bool) -> DeskResult:
        return self.carry_out(uow, self.rules().on_call(member, on))

    def take_break(self, uow: UnitOfWork, member: StaffMember, minutes: int) -> DeskResult:
        return self.carry_out(uow, self.rules().take_break(member, minutes))

    # Timers ------------------------------------------------------------------------------------

    def on_timer(self, uow: UnitOfWork, key: str) -> DeskResult:
        """A case timer (case:<id>:ack or case:<id>:reply) came due."""
        _, case_id, kind = key.split(":")
        rules, case = self.rules(), uow.cases.get(int(case_id))
        if case is None:
            return DeskResult()
        paged = uow.cases.paged(case.id)
        holder = uow.staff.get(case.claimed_by) if case.claimed_by is not None else None
        return self.carry_out(uow, rules.timer_fired(kind, case, paged, holder, self.roster(uow, rules.now)))

    # Loading -----------------------------------------------------------------------------------

    def roster(self, uow: UnitOfWork, now: dt.datetime) -> Roster:
        staff = uow.staff.all()
        present = on_call(staff, uow.rota.shifts(), uow.rota.overrides(now), now)
        return Roster(staff, present, uow.cases.caseloads(), self.policy.caseload_cap)

    def _holder(self, uow: UnitOfWork, case: Case | None, member: StaffMember) -> StaffMember | None:
        """Whoever holds `case` (read only when it is someone else than the member acting)."""
        if case is None or case.claimed_by is None:
            return None
        return member if case.claimed_by == member.id else uow.staff.get(case.claimed_by)

    # Carrying out ------------------------------------------------------------------------------

    def carry_out(self, uow: UnitOfWork, intents: list[DeskIntent]) -> DeskResult:
        """Do what the rulebook asked, in its order; the person's events are left for the caller to
        deliver once the desk's own writes are done."""
        result = DeskResult()
        for intent in intents:
            CARRY_OUT[type(intent)](uow, intent, result)
        return result


def _say(uow: UnitOfWork, intent: Say, result: DeskResult) -> None:
    result.replies.append(intent.text)


def _refuse(uow: UnitOfWork, intent: Refuse, result: DeskResult) -> None:
    log.warning("refused a staff action", extra={"event_kind": intent.why})
    result.replies.append(intent.text)


def _notify(uow: UnitOfWork, intent: Notify, result: DeskResult) -> None:
    uow.outbox.add(f"staff:{intent.staff_id}", intent.kind, intent.payload, intent.case_id)


def _save_case(uow: UnitOfWork, intent: SaveCase, result: DeskResult) -> None:
    uow.cases.save(intent.case)


def _take_case(uow: UnitOfWork, intent: TakeCase, result: DeskResult) -> None:
    if not uow.cases.claim(intent.case_id, intent.staff_id, intent.at, intent.cap):
        # Someone claimed it (or this member reached the cap) since it was read: decide again.
        raise WriteConflict(f"case {intent.case_id} was claimed first by another")


def _record(uow: UnitOfWork, intent: Record, result: DeskResult) -> None:
    uow.cases.record(intent.event)


def _set_timer(uow: UnitOfWork, intent: SetCaseTimer, result: DeskResult) -> None:
    uow.timers.set(intent.key, intent.due)


def _cancel_timer(uow: UnitOfWork, intent: CancelCaseTimer, result: DeskResult) -> None:
    uow.timers.cancel(intent.key)


def _cancel_timers(uow: UnitOfWork, intent: CancelCaseTimers, result: DeskResult) -> None:
    uow.timers.cancel_prefix(f"case:{intent.case_id}:")


def _tell_person(uow: UnitOfWork, intent: TellPerson, result: DeskResult) -> None:
    result.person_events.append((intent.user_id, intent.event))


def _answer(uow: UnitOfWork, intent: Answer, result: DeskResult) -> None:
    result.answers.append(intent.event)


def _save_member(uow: UnitOfWork, intent: SaveMember, result: DeskResult) -> None:
    uow.staff.save(intent.member)
    result.members[intent.member.id] = intent.member


def _unregister(uow: UnitOfWork, intent: Unregister, result: DeskResult) -> None:
    uow.rota.clear(intent.staff_id)
    uow.outbox.forget_recipient(f"staff:{intent.staff_id}")


def _forget_person(uow: UnitOfWork, intent: ForgetPerson, result: DeskResult) -> None:
    uow.cases.forget_person(intent.user_id)


# One way to carry out each kind of intent: looked up by its type, never by a chain of checks.
CARRY_OUT: dict[type[Any], Callable[[UnitOfWork, Any, DeskResult], None]] = {
    Say: _say,
    Refuse: _refuse,
    Notify: _notify,
    SaveCase: _save_case,
    TakeCase: _take_case,
    Record: _record,
    SetCaseTimer: _set_timer,
    CancelCaseTimer: _cancel_timer,
    CancelCaseTimers: _cancel_timers,
    TellPerson: _tell_person,
    Answer: _answer,
    SaveMember: _save_member,
    Unregister: _unregister,
    ForgetPerson: _forget_person,
}
