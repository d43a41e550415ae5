"""The on-call desk: opens cases and pages staff, claims, relays, resolves, and fires case timers.

Every method runs inside the caller's unit of work, so a case and its pages are written in one
transaction, and it returns what the people involved must hear: replies for the staff member who
acted, and events for the person's conversation.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from bot.failpoints import failpoint
from flows.content import content_for
from flows.conversation import Conversation
from flows.events import (
    CaseClosed,
    CaseOpened,
    Event,
    FollowUpRequested,
    StaffJoined,
    StaffLeft,
    StaffMessage,
)
from flows.intents import Escalate
from flows.oncall.lifecycle import after, allowed
from flows.oncall.model import Availability, Case, CaseEvent, CaseStatus, Outcome, Reach, StaffMember
from flows.oncall.paging import PagePlan, Roster, plan_first_page, plan_step, priority_key, reach_of
from flows.oncall.policy import Policy
from flows.oncall.rota import caseload, on_call, over_shift_limit
from flows.ports import UnitOfWork
from flows.risk.levels import RiskLevel

STAFF_TEXT = content_for("en")
# How many of the person's messages since their case opened a claim shows (the latest ones).
WHILE_WAITING_SHOWN = 20
log = logging.getLogger(__name__)


def staff_text(key: str, **values: object) -> str:
    return STAFF_TEXT.text(f"staff.{key}", **values)


def staff_address(member: StaffMember) -> str:
    return f"staff:{member.id}"


@dataclass
class DeskResult:
    """What one staff action produced: replies to the actor, events for people's conversations."""

    replies: list[str] = field(default_factory=list)
    person_events: list[tuple[str, Event]] = field(default_factory=list)

    def say(self, key: str, **values: object) -> DeskResult:
        self.replies.append(staff_text(key, **values))
        return self


class Desk:
    """The on-call desk: cases, pages, claims and relays, inside the caller's transaction."""

    def __init__(self, policy: Policy, clock: Callable[[], dt.datetime]):
        self.policy = policy
        self.now = clock

    # The person's side -------------------------------------------------------------------------

    def escalate(self, uow: UnitOfWork, conversation: Conversation, intent: Escalate) -> CaseOpened:
        """Open the person's case, or update their open one with new signals."""
        every = self.policy.waiting_update.total_seconds()
        existing = uow.cases.open_for(conversation.user_id)
        if existing is not None:
            repaged = self._update(uow, existing, intent)
            reach, night_ends = repaged if repaged else (None, "")
            return CaseOpened(existing.id, reach, existing=True, update_seconds=every, night_ends=night_ends)
        case = self._open(uow, conversation, intent)
        reach, night_ends = self._first_page(uow, case)
        failpoint("case_opened")
        return CaseOpened(case.id, reach, update_seconds=every, night_ends=night_ends)

    def _first_page(self, uow: UnitOfWork, case: Case) -> tuple[Reach, str]:
        """Page a new case; with nobody free, alert the supervisors too (not at night for a case that
        waits till morning). Returns who knows, as the person may be told, and when a night ends."""
        roster = self.roster(uow)
        plan = plan_first_page(case, self.policy, roster, self.now())
        told: list[StaffMember] = []
        if plan.step >= 0 and not roster.available():
            told = self._alert_supervisors(uow, case, roster)
            alerted = {member.id for member in told}
            plan = replace(plan, recipients=tuple(m for m in plan.recipients if m.id not in alerted))
        self._page(uow, case, plan)
        told += plan.recipients
        night_ends = plan.next_check.isoformat() if plan.step < 0 and plan.next_check else ""
        return reach_of(plan, told, roster), night_ends

    def task(self, uow: UnitOfWork, conversation: Conversation, reason: str) -> None:
        """A task for the staff queue about this person (a follow-up nobody answered)."""
        if uow.cases.open_for(conversation.user_id) is not None:
            return
        intent = Escalate(RiskLevel.MODERATE, (), reason, "task")
        case = self._open(uow, conversation, intent)
        self._page(uow, case, plan_first_page(case, self.policy, self.roster(uow), self.now()))

    def relay_from_person(self, uow: UnitOfWork, conversation: Conversation, text: str) -> None:
        case = uow.cases.open_for(conversation.user_id)
        if case is None or case.claimed_by is None:
            return
        payload = {"text": staff_text("from_person", case=case.id, text=text), "case": case.id}
        uow.outbox.add(f"staff:{case.claimed_by}", "relay", payload, case.id)

    def person_stopped_waiting(self, uow: UnitOfWork, conversation: Conversation) -> None:
        case = uow.cases.open_for(conversation.user_id)
        if case is None:
            return
        case.person_waiting = False
        uow.cases.save(case)
        self._event(uow, case, "person stopped waiting")
        self._tell(
            uow, uow.cases.paged(case.id), "notice", staff_text("person_stopped_waiting", case=case.id), case
        )

    def forget_person(self, uow: UnitOfWork, user_id: str) -> None:
        """The person asked to be forgotten: their cases become anonymous stubs, every staff-bound
        message holding their words goes, and staff on an open case hear that it is closed."""
        case = uow.cases.open_for(user_id)
        paged = uow.cases.paged(case.id) if case is not None else set()
        uow.cases.forget_person(user_id)
        if case is None:
            return
        uow.timers.cancel_prefix(f"case:{case.id}:")
        self._event(uow, case, "person asked to be forgotten")
        closed = staff_text("forgotten", case=case.id)
        # "taken" lets a channel edit the page it posted, so the summary leaves the staff group too.
        self._tell(uow, paged - {case.claimed_by or 0}, "taken", closed, case)
        if case.claimed_by is not None:
            self._tell(uow, {case.claimed_by}, "notice", closed, case)

    # Staff actions -----------------------------------------------------------------------------

    def queue(self, uow: UnitOfWork) -> DeskResult:
        waiting = waiting_cases(uow)
        if not waiting:
            return DeskResult().say("queue_empty")
        result = DeskResult().say("queue_heading")
        for case in waiting:
            note = "" if case.person_waiting else " · person stopped waiting"
            result.say(
                "queue_line", case=case.id, level=case.level.value, waited=self._waited(case), note=note
            )
        return result

    def next(self, uow: UnitOfWork, member: StaffMember) -> DeskResult:
        waiting = waiting_cases(uow)
        if not waiting:
            return DeskResult().say("queue_empty")
        return self.claim(uow, member, waiting[0].id)

    def claim(self, uow: UnitOfWork, member: StaffMember, case_id: int) -> DeskResult:
        case = uow.cases.get(case_id)
        if case is None or not case.is_open:
            return DeskResult().say("not_found", case=case_id)
        if case.status is not CaseStatus.TRIGGERED:
            return DeskResult().say("lost_race", case=case_id, name=self._name_of(uow, case.claimed_by))
        held = uow.cases.caseloads().get(member.id, 0)
        if held >= self.policy.caseload_cap:
            return DeskResult().say("at_cap", count=held, cap=self.policy.caseload_cap)
        if not uow.cases.claim(case_id, member.id, self.now(), self.policy.caseload_cap):
            winner = uow.cases.get(case_id)
            holder = winner.claimed_by if winner else None
            return DeskResult().say("lost_race", case=case_id, name=self._name_of(uow, holder))
        return self._claimed(uow, member, case)

    def release(self, uow: UnitOfWork, member: StaffMember, case_id: int) -> DeskResult:
        case, refusal = self._held(uow, member, case_id, "release")
        if case is None:
            return refusal
        result = DeskResult().say("released", case=case_id)
        result.person_events.append(self._back_to_queue(uow, case, member))
        return result

    def remove_member(self, uow: UnitOfWork, member: StaffMember) -> list[tuple[str, Event]]:
        """Take someone off the register at once: their cases go back to the queue and are paged
        afresh, and nothing more reaches them (what waited for them, people's words among it, is
        dropped). Returns the events for the people whose case they held."""
        member.active, member.availability = False, Availability.OFF
        member.on_call_since = member.break_until = None
        uow.staff.save(member)
        uow.rota.clear(member.id)
        uow.outbox.forget_recipient(staff_address(member))
        held = sorted((c for c in uow.cases.open_cases() if c.claimed_by == member.id), key=lambda c: c.id)
        why = "removed from the staff register"
        return [self._back_to_queue(uow, case, member, why) for case in held]

    def transfer(self, uow: UnitOfWork, member: StaffMember, case_id: int, to: str, note: str) -> DeskResult:
        case, refusal = self._held(uow, member, case_id, "transfer")
        if case is None:
            return refusal
        colleague = uow.staff.by_name(to)
        if colleague is None or not colleague.active:
            return DeskResult().say("no_colleague", name=to)
        case.claimed_by = colleague.id
        case.last_staff_reply_at = self.now()
        uow.cases.save(case)
        self._event(uow, case, "transferred", member.name, f"to {colleague.name}: {note}")
        handover = staff_text(
            "handed_to_you", from_name=member.name, case=case.id, note=note or "-", summary=case.summary
        )
        uow.outbox.add(staff_address(colleague), "handover", {"text": handover, "case": case.id}, case.id)
        result = DeskResult().say("transferred", case=case_id, name=colleague.name)
        result.person_events.append((case.user_id, StaffJoined(self.display_name(colleague), handover=True)))
        return result

    def note(self, uow: UnitOfWork, member: StaffMember, case_id: int, text: str) -> DeskResult:
        case = uow.cases.get(case_id)
        if case is None:
            return DeskResult().say("not_found", case=case_id)
        if not may_act_on(member, case):
            return self._not_theirs(uow, case)
        self._event(uow, case, "note added", member.name, text)
        return DeskResult().say("note_added", case=case_id)

    def resolve(
        self, uow: UnitOfWork, member: StaffMember, case_id: int, outcome: Outcome, followup: bool
    ) -> DeskResult:
        case, refusal = self._held(uow, member, case_id, "resolve")
        if case is None:
            return refusal
        case.status, case.outcome = after(case.status, "resolve"), outcome
        uow.cases.save(case)
        uow.timers.cancel_prefix(f"case:{case.id}:")
        detail = outcome.value + (" · follow-up requested" if followup else "")
        self._event(uow, case, "resolved", member.name, detail)
        result = DeskResult().say("resolved", case=case_id, outcome=outcome.value)
        if case.level >= RiskLevel.HIGH:
            result.say("debrief")
        result.person_events.append((case.user_id, CaseClosed(outcome.value)))
        if followup:
            result.person_events.append((case.user_id, FollowUpRequested(case.id)))
        return result

    def cancel(self, uow: UnitOfWork, member: StaffMember, case_id: int, reason: str) -> DeskResult:
        case, refusal = self._held(uow, member, case_id, "cancel")
        if case is None:
            return refusal
        case.status = after(case.status, "cancel")
        uow.cases.save(case)
        uow.timers.cancel_prefix(f"case:{case.id}:")
        self._event(uow, case, "cancelled", member.name, reason)
        result = DeskResult().say("cancelled", case=case_id)
        if case.user_id:
            result.person_events.append((case.user_id, CaseClosed("cancelled")))
        return result

    def relay_from_staff(
        self, uow: UnitOfWork, member: StaffMember, case_id: int | None, text: str
    ) -> DeskResult:
        mine = [c for c in uow.cases.open_cases() if c.claimed_by == member.id]
        case = (
            next((c for c in mine if c.id == case_id), None)
            if case_id
            else (mine[0] if len(mine) == 1 else None)
        )
        if case is None and not mine:
            return DeskResult().say("no_active_case")
        if case is None:
            ids = ", ".join(str(c.id) for c in sorted(mine, key=lambda c: c.id))
            return DeskResult().say("which_case", cases=ids, first=min(c.id for c in mine))
        case.last_staff_reply_at = self.now()
        case.reminders_sent = 0
        uow.cases.save(case)
        result = DeskResult()
        uow.timers.set(reply_timer(case), self.now() + self.policy.reply_reminder)
        result.person_events.append((case.user_id, StaffMessage(self.display_name(member), text)))
        return result

    def timeline(self, uow: UnitOfWork, member: StaffMember, case_id: int) -> DeskResult:
        case = uow.cases.get(case_id)
        if case is None:
            return DeskResult().say("not_found", case=case_id)
        if not may_act_on(member, case):
            return refused("supervisors_only")
        result = DeskResult().say("timeline_heading", case=case_id)
        for event in uow.cases.timeline(case_id):
            actor = f" · {event.actor}" if event.actor else ""
            detail = f" · {event.detail}" if event.detail else ""
            result.say(
                "timeline_line", at=event.at.strftime("%H:%M:%S"), kind=event.kind, actor=actor, detail=detail
            )
        return result

    def load(self, uow: UnitOfWork, member: StaffMember) -> DeskResult:
        if not member.is_supervisor:
            return refused("supervisors_only")
        now = self.now()
        cases = uow.cases.open_cases()
        available = {m.id for m in on_call(uow.staff.all(), uow.rota.shifts(), uow.rota.overrides(now), now)}
        result = DeskResult().say("load_heading")
        for person in (m for m in uow.staff.all() if m.active):
            flag = " · on call" if person.id in available else ""
            result.say(
                "load_staff",
                name=person.name,
                role=person.role.value,
                active=caseload(person, cases),
                on_call=flag,
            )
        result.say("load_waiting", count=sum(1 for c in cases if c.status is CaseStatus.TRIGGERED))
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        result.say("load_claim_time", minutes=median_minutes(uow.cases.claim_waits(day_start)))
        return result

    def support(self, uow: UnitOfWork, member: StaffMember) -> DeskResult:
        text = staff_text("support_request", name=member.name)
        for supervisor in self.roster(uow).supervisors():
            uow.outbox.add(staff_address(supervisor), "notice", {"text": text})
        return DeskResult().say("support_sent")

    # Timers ------------------------------------------------------------------------------------

    def on_timer(self, uow: UnitOfWork, key: str) -> DeskResult:
        _, case_id, kind = key.split(":")
        case = uow.cases.get(int(case_id))
        if case is None or not case.is_open:
            return DeskResult()
        if kind == "ack" and case.status is CaseStatus.TRIGGERED:
            return self._next_level(uow, case)
        if kind == "reply" and case.status is CaseStatus.CLAIMED:
            return self._remind(uow, case)
        return DeskResult()

    # Helpers -----------------------------------------------------------------------------------

    def roster(self, uow: UnitOfWork) -> Roster:
        now = self.now()
        staff = uow.staff.all()
        present = on_call(staff, uow.rota.shifts(), uow.rota.overrides(now), now)
        return Roster(staff, present, uow.cases.caseloads(), self.policy.caseload_cap)

    def display_name(self, member: StaffMember) -> str:
        if self.policy.counsellor_display == "first_name":
            return member.name.split()[0]
        return staff_text("display_team")

    def shift_warning(self, member: StaffMember) -> str | None:
        if over_shift_limit(member, self.policy.shift_limit, self.now()):
            return staff_text("long_shift", hours=round(self.policy.shift_limit.total_seconds() / 3600))
        return None

    def _open(self, uow: UnitOfWork, conversation: Conversation, intent: Escalate) -> Case:
        summary = self._summary(uow, conversation.user_id, intent)
        case = Case(0, conversation.user_id, intent.level, intent.signals, summary, opened_at=self.now())
        uow.cases.add(case)
        self._event(uow, case, "opened", "", f"{intent.level.value} · {intent.reason}")
        return case

    def _update(self, uow: UnitOfWork, case: Case, intent: Escalate) -> tuple[Reach, str] | None:
        """New signals on an open case; when they call for paging it afresh (a rise to imminent, or
        past moderate for a case waiting out the night), who knows now."""
        raised = intent.level > case.level
        case.level = RiskLevel.highest(case.level, intent.level)
        case.signals = tuple(sorted({*case.signals, *intent.signals}))
        case.summary = self._summary(uow, case.user_id, intent)
        case.person_waiting = True
        uow.cases.save(case)
        self._event(uow, case, "signals updated", "", f"{intent.level.value}: {', '.join(intent.signals)}")
        if case.claimed_by is not None and intent.level >= RiskLevel.HIGH:
            text = staff_text(
                "urgent", case=case.id, level=intent.level.value, signals=", ".join(intent.signals)
            )
            uow.outbox.add(f"staff:{case.claimed_by}", "urgent", {"text": text, "case": case.id}, case.id)
        elif raised and case.status is CaseStatus.TRIGGERED:
            waiting_out_the_night = case.paging_step < 0 and case.level > RiskLevel.MODERATE
            if case.level >= RiskLevel.IMMINENT or waiting_out_the_night:
                return self._first_page(uow, case)
        return None

    def _summary(self, uow: UnitOfWork, user_id: str, intent: Escalate) -> str:
        recent = uow.messages.recent(user_id, 5)
        lines = [intent.summary, f"signals: {', '.join(intent.signals) or '-'}"]
        if intent.evidence:
            lines.append(f"matched: {'; '.join(intent.evidence)}")
        lines += [f"» {message}" for message in recent]
        return "\n".join(lines)

    def _page(self, uow: UnitOfWork, case: Case, plan: PagePlan) -> None:
        now = self.now()
        case.paging_step, case.paged_at = plan.step, now
        uow.cases.save(case)
        text = staff_text(
            "page", case=case.id, level=case.level.value, waited=self._waited(case), summary=case.summary
        )
        payload = {
            "text": text,
            "options": [f"/claim {case.id}"],
            "case": case.id,
            "level_name": plan.level_name,
        }
        for member in plan.recipients:
            uow.outbox.add(staff_address(member), "page", payload, case.id)
        names = ", ".join(m.name for m in plan.recipients) or "nobody"
        self._event(uow, case, "paged", "", f"{plan.level_name}: {names}")
        if plan.next_check is not None:
            uow.timers.set(ack_timer(case), plan.next_check)

    def _next_level(self, uow: UnitOfWork, case: Case) -> DeskResult:
        before = uow.cases.paged(case.id)
        self._event(uow, case, "timer fired", "", "not acknowledged in time")
        plan = plan_step(max(case.paging_step + 1, 0), self.policy, self.roster(uow), self.now())
        self._page(uow, case, plan)
        moved = staff_text("moved", case=case.id, level=plan.level_name)
        self._tell(uow, before - {m.id for m in plan.recipients}, "notice", moved, case)
        return DeskResult()

    def _remind(self, uow: UnitOfWork, case: Case) -> DeskResult:
        holder = uow.staff.get(case.claimed_by or 0)
        if case.reminders_sent == 0 and holder is not None:
            uow.outbox.add(
                staff_address(holder), "notice", {"text": staff_text("reminder", case=case.id)}, case.id
            )
            later = self.policy.supervisor_reminder - self.policy.reply_reminder
            uow.timers.set(reply_timer(case), self.now() + later)
        else:
            text = staff_text("reminder_supervisor", case=case.id, name=holder.name if holder else "?")
            self._tell(uow, {m.id for m in self.roster(uow).supervisors()}, "notice", text, case)
        case.reminders_sent += 1
        uow.cases.save(case)
        self._event(uow, case, "timer fired", "", "reminder: no staff reply")
        return DeskResult()

    def _claimed(self, uow: UnitOfWork, member: StaffMember, case: Case) -> DeskResult:
        uow.timers.cancel(ack_timer(case))
        self._event(uow, case, "claimed", member.name)
        # Everyone paged hears who took it (channels that posted the page edit it instead).
        paged = uow.cases.paged(case.id)
        self._tell(uow, paged, "taken", staff_text("taken", case=case.id, name=member.name), case)
        display = self.display_name(member)
        result = DeskResult().say("claimed", case=case.id, display=display, summary=case.summary)
        # The person was told that what they wrote while waiting is kept for whoever joins them.
        written = uow.messages.since(case.user_id, case.opened_at, WHILE_WAITING_SHOWN)
        if written:
            result.say("while_waiting", lines="\n".join(f"» {message}" for message in written))
        uow.timers.set(reply_timer(case), self.now() + self.policy.reply_reminder)
        result.person_events.append((case.user_id, StaffJoined(display)))
        return result

    def _back_to_queue(
        self, uow: UnitOfWork, case: Case, leaving: StaffMember, why: str = ""
    ) -> tuple[str, Event]:
        """The case goes back to the queue and is paged afresh, to anyone but the one who left it."""
        actor = leaving.name
        case.status = after(case.status, "release")
        case.claimed_by, case.claimed_at, case.paging_step = None, None, 0
        uow.cases.save(case)
        uow.timers.cancel(reply_timer(case))
        self._event(uow, case, "released", actor, why)
        roster = self.roster(uow).without(leaving)
        plan = plan_step(0, self.policy, roster, self.now())
        self._page(uow, case, plan)
        return case.user_id, StaffLeft(reach_of(plan, plan.recipients, roster))

    def _held(
        self, uow: UnitOfWork, member: StaffMember, case_id: int, action: str
    ) -> tuple[Case | None, DeskResult]:
        """The case if this member may `action` it: they hold it, or they are a supervisor."""
        case = uow.cases.get(case_id)
        if case is None or not allowed(case.status, action):
            return None, DeskResult().say("not_found", case=case_id)
        if not may_act_on(member, case):
            return None, self._not_theirs(uow, case)
        return case, DeskResult()

    def _not_theirs(self, uow: UnitOfWork, case: Case) -> DeskResult:
        if case.claimed_by is None:
            return refused("not_held", case=case.id)
        return refused("not_yours", case=case.id, name=self._name_of(uow, case.claimed_by))

    def _tell(self, uow: UnitOfWork, staff_ids: set[int], kind: str, text: str, case: Case) -> None:
        for staff_id in sorted(staff_ids):
            uow.outbox.add(f"staff:{staff_id}", kind, {"text": text, "case": case.id}, case.id)

    def _event(self, uow: UnitOfWork, case: Case, kind: str, actor: str = "", detail: str = "") -> None:
        uow.cases.record(CaseEvent(case.id, self.now(), kind, actor, detail))

    def _name_of(self, uow: UnitOfWork, staff_id: int | None) -> str:
        member = uow.staff.get(staff_id) if staff_id is not None else None
        return member.name if member else "a colleague"

    def _waited(self, case: Case) -> str:
        return f"{int((self.now() - case.opened_at).total_seconds() // 60)} min"

    def _alert_supervisors(self, uow: UnitOfWork, case: Case, roster: Roster) -> list[StaffMember]:
        """Nobody on call has room: every supervisor is asked to find someone (instead of a plain page)."""
        supervisors = roster.supervisors()
        text = staff_text("page_nobody", case=case.id)
        self._tell(uow, {member.id for member in supervisors}, "page", text, case)
        return supervisors


def may_act_on(member: StaffMember, case: Case) -> bool:
    """Case actions (release, transfer, note, resolve, cancel) belong to its holder and to supervisors:
    a case nobody holds yet is claimed first, never closed or annotated from the side."""
    return case.claimed_by == member.id or member.is_supervisor


def waiting_cases(uow: UnitOfWork) -> list[Case]:
    """Cases waiting for someone to claim them, most urgent first."""
    triggered = (case for case in uow.cases.open_cases() if case.status is CaseStatus.TRIGGERED)
    return sorted(triggered, key=priority_key)


def median_minutes(waits: list[dt.timedelta]) -> str:
    return f"{statistics.median(w.total_seconds() / 60 for w in waits):.1f} min" if waits else "-"


def refused(key: str, **values: object) -> DeskResult:
    """A staff action refused for lack of rights: said to them, and logged (what, never who or which text)."""
    log.warning("refused a staff action", extra={"event_kind": key})
    return DeskResult().say(key, **values)


def ack_timer(case: Case) -> str:
    return f"case:{case.id}:ack"


def reply_timer(case: Case) -> str:
    return f"case:{case.id}:reply"
