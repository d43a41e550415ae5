"""The desk's decisions as a rulebook: state in, intents out.

Who is paged next, what a claim, release or transfer changes, who may act on a case, when a
caseload is full, when reminders go and to whom, and what every staff member reads: each a method
of `DeskRules`, given the case, the staff and the roster the shell loaded, and returning what the
shell must store, send and tell (`flows.oncall.intents`). Nothing here reads storage or the clock.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flows.events import (
    CaseClosed,
    CaseOpened,
    FollowUpRequested,
    StaffJoined,
    StaffLeft,
    StaffMessage,
)
from flows.intents import Escalate
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
from flows.oncall.lifecycle import after, allowed
from flows.oncall.model import (
    Availability,
    Case,
    CaseEvent,
    CaseStatus,
    Outcome,
    Reach,
    StaffMember,
)
from flows.oncall.paging import PagePlan, Roster, plan_first_page, plan_step, priority_key, reach_of
from flows.oncall.policy import Policy
from flows.oncall.rota import caseload, over_shift_limit
from flows.oncall.text import staff_text
from flows.risk.levels import RiskLevel

# How many of the person's messages since their case opened a claim shows (the latest ones).
WHILE_WAITING_SHOWN = 20
# What the summary of a new case quotes of the person's last messages.
SUMMARY_MESSAGES = 5
Intents = list[DeskIntent]


def ack_timer(case: Case) -> str:
    return f"case:{case.id}:ack"


def reply_timer(case: Case) -> str:
    return f"case:{case.id}:reply"


def may_act_on(member: StaffMember, case: Case) -> bool:
    """Case actions (release, transfer, note, resolve, cancel) belong to its holder and to supervisors:
    a case nobody holds yet is claimed first, never closed or annotated from the side."""
    return case.claimed_by == member.id or member.is_supervisor


def waiting_cases(cases: Iterable[Case]) -> list[Case]:
    """Cases waiting for someone to claim them, most urgent first."""
    return sorted((case for case in cases if case.status is CaseStatus.TRIGGERED), key=priority_key)


def held_by(member: StaffMember, cases: Iterable[Case]) -> list[Case]:
    """The open cases a member holds, oldest first."""
    return sorted((c for c in cases if c.is_open and c.claimed_by == member.id), key=lambda c: c.id)


def colleague_and_note(words: Sequence[str], staff: Iterable[StaffMember]) -> tuple[str, str]:
    """Split "alex lee knows about the exams" into the longest staff name it starts with (any case),
    and the note; else an active member's first name; else the first word."""
    staff = list(staff)
    names = {member.name.lower() for member in staff}
    for length in range(len(words), 0, -1):
        if " ".join(words[:length]).lower() in names:
            return " ".join(words[:length]), " ".join(words[length:])
    first_names = {m.name.split()[0].lower(): m.name for m in staff if m.active}
    if words[0].lower() in first_names:
        return first_names[words[0].lower()], " ".join(words[1:])
    return words[0], " ".join(words[1:])


def median_minutes(waits: Sequence[dt.timedelta]) -> str:
    return f"{statistics.median(w.total_seconds() / 60 for w in waits):.1f} min" if waits else "-"


def summary_of(intent: Escalate, recent: Sequence[str]) -> str:
    """What staff read of a case: the engine's summary, the signals, the words matched and the
    person's last messages."""
    lines = [intent.summary, staff_text("summary_signals", signals=", ".join(intent.signals) or "-")]
    if intent.evidence:
        lines.append(staff_text("summary_matched", evidence="; ".join(intent.evidence)))
    return "\n".join([*lines, quoted(recent)]) if recent else "\n".join(lines)


def quoted(messages: Sequence[str]) -> str:
    """The person's own words, one a line, marked as theirs."""
    return "\n".join(staff_text("quoted", message=message) for message in messages)


def name_of(holder: StaffMember | None) -> str:
    """Who holds a case, as a colleague is told it (someone no longer on the register: unnamed)."""
    return holder.name if holder is not None else staff_text("a_colleague")


def as_task(reason: str) -> Escalate:
    """A task for the staff queue (a follow-up nobody answered) opens a case like a moderate escalation."""
    return Escalate(RiskLevel.MODERATE, (), reason, "task")


def say(key: str, **values: object) -> Say:
    return Say(staff_text(key, **values))


def refuse(key: str, **values: object) -> Refuse:
    return Refuse(staff_text(key, **values), key)


@dataclass(frozen=True)
class DeskRules:
    """The escalation policy at one moment: every decision of the desk."""

    policy: Policy
    now: dt.datetime

    # The person's side -------------------------------------------------------------------------

    def new_case(self, user_id: str, intent: Escalate, recent: Sequence[str]) -> Case:
        """The case an escalation opens (the shell stores it, which gives it its number)."""
        return Case(0, user_id, intent.level, intent.signals, summary_of(intent, recent), opened_at=self.now)

    def opened(self, case: Case, intent: Escalate, roster: Roster) -> Intents:
        """A case just opened: paged, and the person told who knows of it."""
        first, reach, night_ends = self.first_page(case, roster)
        every = self.policy.waiting_update.total_seconds()
        answer = CaseOpened(case.id, reach, update_seconds=every, night_ends=night_ends)
        return [self._opened_event(case, intent), *first, Answer(answer)]

    def task_opened(self, case: Case, intent: Escalate, roster: Roster) -> Intents:
        """A task for the staff queue (a follow-up nobody answered): paged like any case, no alerts."""
        plan = plan_first_page(case, self.policy, roster, self.now)
        return [self._opened_event(case, intent), *self.page(case, plan)]

    def repages(self, case: Case, intent: Escalate) -> bool:
        """Whether new signals page a waiting case afresh: a rise to imminent, or past moderate for
        a case waiting out the night."""
        if case.status is not CaseStatus.TRIGGERED or intent.level <= case.level:
            return False
        level = RiskLevel.highest(case.level, intent.level)
        return level >= RiskLevel.IMMINENT or (case.paging_step < 0 and level > RiskLevel.MODERATE)

    def updated(self, case: Case, intent: Escalate, recent: Sequence[str], roster: Roster | None) -> Intents:
        """New signals on an open case: its holder hears at once when they are high; a waiting case
        is paged afresh when `repages` says so (`roster` is needed only then)."""
        repage = self.repages(case, intent)
        level = RiskLevel.highest(case.level, intent.level)
        signals = tuple(sorted({*case.signals, *intent.signals}))
        summary = summary_of(intent, recent)
        case = replace(case, level=level, signals=signals, summary=summary, person_waiting=True)
        detail = staff_text("detail.signals", level=intent.level.value, signals=", ".join(intent.signals))
        intents: Intents = [SaveCase(case), self._event(case, "signals updated", "", detail)]
        reach: Reach | None = None
        night_ends = ""
        if case.claimed_by is not None and intent.level >= RiskLevel.HIGH:
            intents.append(self._urgent(case, intent))
        elif repage and roster is not None:
            paging, reach, night_ends = self.first_page(case, roster)
            intents += paging
        every = self.policy.waiting_update.total_seconds()
        answer = CaseOpened(case.id, reach, existing=True, update_seconds=every, night_ends=night_ends)
        return [*intents, Answer(answer)]

    def first_page(self, case: Case, roster: Roster) -> tuple[Intents, Reach, str]:
        """Page a new case; with nobody free, alert the supervisors too (not at night for a case that
        waits till morning). Also returns who knows, as the person may be told, and when a night ends."""
        plan = plan_first_page(case, self.policy, roster, self.now)
        told: list[StaffMember] = []
        intents: Intents = []
        if plan.step >= 0 and not roster.available():
            told = roster.supervisors()
            text = staff_text("page_nobody", case=case.id)
            intents += self._tell({m.id for m in told}, "page", text, case)
            alerted = {member.id for member in told}
            plan = replace(plan, recipients=tuple(m for m in plan.recipients if m.id not in alerted))
        intents += self.page(case, plan)
        told += plan.recipients
        night_ends = plan.next_check.isoformat() if plan.step < 0 and plan.next_check else ""
        return intents, reach_of(plan, told, roster), night_ends

    def relayed_from_person(self, case: Case | None, text: str) -> Intents:
        """What the person writes goes to whoever holds their case (nobody yet: it waits for them)."""
        if case is None or case.claimed_by is None:
            return []
        payload = {"text": staff_text("from_person", case=case.id, text=text), "case": case.id}
        return [Notify(case.claimed_by, "relay", payload, case.id)]

    def stopped_waiting(self, case: Case | None, paged: set[int]) -> Intents:
        if case is None:
            return []
        case = replace(case, person_waiting=False)
        text = staff_text("person_stopped_waiting", case=case.id)
        return [
            SaveCase(case),
            self._event(case, "person stopped waiting"),
            *self._tell(paged, "notice", text, case),
        ]

    def forgotten(self, user_id: str, case: Case | None, paged: set[int]) -> Intents:
        """The person asked to be forgotten: their cases become anonymous stubs, every staff-bound
        message holding their words goes, and staff on an open case hear that it is closed."""
        if case is None:
            return [ForgetPerson(user_id)]
        closed = staff_text("forgotten", case=case.id)
        intents: Intents = [
            ForgetPerson(user_id),
            CancelCaseTimers(case.id),
            self._event(case, "person asked to be forgotten"),
            # "taken" lets a channel edit the page it posted, so the summary leaves the staff group too.
            *self._tell(paged - {case.claimed_by or 0}, "taken", closed, case),
        ]
        if case.claimed_by is not None:
            intents += self._tell({case.claimed_by}, "notice", closed, case)
        return intents

    # Staff actions -----------------------------------------------------------------------------

    def queue(self, waiting: Sequence[Case]) -> Intents:
        if not waiting:
            return [say("queue_empty")]
        lines: Intents = [say("queue_heading")]
        for case in waiting:
            note = "" if case.person_waiting else staff_text("queue_stopped_waiting")
            lines.append(
                say("queue_line", case=case.id, level=case.level.value, waited=self.waited(case), note=note)
            )
        return lines

    def claim(
        self,
        case_id: int,
        case: Case | None,
        member: StaffMember,
        held: int,
        holder: StaffMember | None,
        paged: set[int],
        written: Sequence[str],
    ) -> Intents:
        """Take a waiting case, below the caseload cap: the others paged hear who took it, the person
        is told someone joined, and the reply reminder starts."""
        if case is None or not case.is_open:
            return [say("not_found", case=case_id)]
        if case.status is not CaseStatus.TRIGGERED:
            return [say("lost_race", case=case_id, name=name_of(holder))]
        if held >= self.policy.caseload_cap:
            return [say("at_cap", count=held, cap=self.policy.caseload_cap)]
        display = self.display_name(member)
        intents: Intents = [
            TakeCase(case.id, member.id, self.now, self.policy.caseload_cap),
            CancelCaseTimer(ack_timer(case)),
            self._event(case, "claimed", member.name),
            # Everyone paged hears who took it (channels that posted the page edit it instead).
            *self._tell(paged, "taken", staff_text("taken", case=case.id, name=member.name), case),
            say("claimed", case=case.id, display=display, summary=case.summary),
        ]
        # The person was told that what they wrote while waiting is kept for whoever joins them.
        if written:
            intents.append(say("while_waiting", lines=quoted(written)))
        intents.append(SetCaseTimer(reply_timer(case), self.now + self.policy.reply_reminder))
        intents.append(TellPerson(case.user_id, StaffJoined(display)))
        return intents

    def release(
        self, case_id: int, case: Case | None, member: StaffMember, holder: StaffMember | None, roster: Roster
    ) -> Intents:
        refusal = self._refusal(case_id, case, member, holder, "release")
        if refusal or case is None:
            return refusal
        return [say("released", case=case_id), *self.back_to_queue(case, member, roster)]

    def removed(self, member: StaffMember, held: Sequence[Case], roster: Roster) -> Intents:
        """Someone taken off the register at once: their cases go back to the queue and are paged
        afresh, and nothing more reaches them (what waited for them, people's words among it, is
        dropped)."""
        gone = replace(
            member, active=False, availability=Availability.OFF, on_call_since=None, break_until=None
        )
        intents: Intents = [SaveMember(gone), Unregister(member.id)]
        for case in held:
            intents += self.back_to_queue(case, member, roster, staff_text("detail.removed"))
        return intents

    def transfer(
        self,
        case_id: int,
        case: Case | None,
        member: StaffMember,
        holder: StaffMember | None,
        colleague: StaffMember | None,
        to: str,
        note: str,
    ) -> Intents:
        """Hand a case to a colleague: they get it with a note, and the person hears someone new joined."""
        refusal = self._refusal(case_id, case, member, holder, "transfer")
        if refusal or case is None:
            return refusal
        if colleague is None or not colleague.active:
            return [say("no_colleague", name=to)]
        case = replace(case, claimed_by=colleague.id, last_staff_reply_at=self.now)
        detail = staff_text("detail.transferred", name=colleague.name, note=note)
        handover = staff_text(
            "handed_to_you", from_name=member.name, case=case.id, note=note or "-", summary=case.summary
        )
        return [
            SaveCase(case),
            self._event(case, "transferred", member.name, detail),
            Notify(colleague.id, "handover", {"text": handover, "case": case.id}, case.id),
            say("transferred", case=case_id, name=colleague.name),
            TellPerson(case.user_id, StaffJoined(self.display_name(colleague), handover=True)),
        ]

    def note(
        self, case_id: int, case: Case | None, member: StaffMember, holder: StaffMember | None, text: str
    ) -> Intents:
        if case is None:
            return [say("not_found", case=case_id)]
        if not may_act_on(member, case):
            return [self._not_theirs(case, holder)]
        return [self._event(case, "note added", member.name, text), say("note_added", case=case_id)]

    def resolve(
        self,
        case_id: int,
        case: Case | None,
        member: StaffMember,
        holder: StaffMember | None,
        outcome: Outcome,
        followup: bool,
    ) -> Intents:
        """Close a case with its outcome; after a high one its counsellor is offered a debrief."""
        refusal = self._refusal(case_id, case, member, holder, "resolve")
        if refusal or case is None:
            return refusal
        case = replace(case, status=after(case.status, "resolve"), outcome=outcome)
        detail = outcome.value + (staff_text("detail.follow_up") if followup else "")
        intents: Intents = [
            SaveCase(case),
            CancelCaseTimers(case.id),
            self._event(case, "resolved", member.name, detail),
            say("resolved", case=case_id, outcome=outcome.value),
        ]
        if case.level >= RiskLevel.HIGH:
            intents.append(say("debrief"))
        intents.append(TellPerson(case.user_id, CaseClosed(outcome.value)))
        if followup:
            intents.append(TellPerson(case.user_id, FollowUpRequested(case.id)))
        return intents

    def cancel(
        self, case_id: int, case: Case | None, member: StaffMember, holder: StaffMember | None, reason: str
    ) -> Intents:
        refusal = self._refusal(case_id, case, member, holder, "cancel")
        if refusal or case is None:
            return refusal
        case = replace(case, status=after(case.status, "cancel"))
        intents: Intents = [
            SaveCase(case),
            CancelCaseTimers(case.id),
            self._event(case, "cancelled", member.name, reason),
            say("cancelled", case=case_id),
        ]
        if case.user_id:
            intents.append(TellPerson(case.user_id, CaseClosed("cancelled")))
        return intents

    def relay_from_staff(
        self, mine: Sequence[Case], case_id: int | None, member: StaffMember, text: str
    ) -> Intents:
        """A staff member's message goes to the person of their one case, or of the case they name;
        writing restarts the reply reminder."""
        if case_id:
            case = next((c for c in mine if c.id == case_id), None)
        else:
            case = mine[0] if len(mine) == 1 else None
        if case is None and not mine:
            return [say("no_active_case")]
        if case is None:
            ids = ", ".join(str(c.id) for c in sorted(mine, key=lambda c: c.id))
            return [say("which_case", cases=ids, first=min(c.id for c in mine))]
        case = replace(case, last_staff_reply_at=self.now, reminders_sent=0)
        return [
            SaveCase(case),
            SetCaseTimer(reply_timer(case), self.now + self.policy.reply_reminder),
            TellPerson(case.user_id, StaffMessage(self.display_name(member), text)),
        ]

    def timeline(
        self, case_id: int, case: Case | None, member: StaffMember, events: Sequence[CaseEvent]
    ) -> Intents:
        if case is None:
            return [say("not_found", case=case_id)]
        if not may_act_on(member, case):
            return [refuse("supervisors_only")]
        lines: Intents = [say("timeline_heading", case=case_id)]
        for event in events:
            actor = staff_text("timeline_part", part=event.actor) if event.actor else ""
            detail = staff_text("timeline_part", part=event.detail) if event.detail else ""
            at = event.at.strftime("%H:%M:%S")
            lines.append(say("timeline_line", at=at, kind=event.kind, actor=actor, detail=detail))
        return lines

    def day_start(self) -> dt.datetime:
        return self.now.replace(hour=0, minute=0, second=0, microsecond=0)

    def load(
        self,
        member: StaffMember,
        staff: Sequence[StaffMember],
        cases: Sequence[Case],
        on_call_ids: set[int],
        claim_waits: Sequence[dt.timedelta],
    ) -> Intents:
        """For supervisors: each active member's caseload and whether they are on call, the cases
        waiting, and the median time to claim since `day_start`."""
        if not member.is_supervisor:
            return [refuse("supervisors_only")]
        lines: Intents = [say("load_heading")]
        for person in (m for m in staff if m.active):
            flag = staff_text("load_on_call") if person.id in on_call_ids else ""
            active = caseload(person, cases)
            lines.append(
                say("load_staff", name=person.name, role=person.role.value, active=active, on_call=flag)
            )
        lines.append(say("load_waiting", count=sum(1 for c in cases if c.status is CaseStatus.TRIGGERED)))
        lines.append(say("load_claim_time", minutes=median_minutes(claim_waits)))
        return lines

    def support(self, member: StaffMember, roster: Roster) -> Intents:
        text = staff_text("support_request", name=member.name)
        notices: Intents = [
            Notify(supervisor.id, "notice", {"text": text}) for supervisor in roster.supervisors()
        ]
        return [*notices, say("support_sent")]

    def on_call(self, member: StaffMember, on: bool) -> Intents:
        since = self.now if on else None
        member = replace(
            member, availability=Availability.ON if on else Availability.OFF, on_call_since=since
        )
        return [SaveMember(replace(member, break_until=None)), say("on_call_on" if on else "on_call_off")]

    def take_break(self, member: StaffMember, minutes: int) -> Intents:
        if not 0 < minutes <= 240:
            return [say("bad_break")]
        until = self.now + dt.timedelta(minutes=minutes)
        return [
            SaveMember(replace(member, break_until=until)),
            say("on_break", until=until.strftime("%H:%M UTC")),
        ]

    def shift_warning(self, member: StaffMember) -> str | None:
        if over_shift_limit(member, self.policy.shift_limit, self.now):
            return staff_text("long_shift", hours=round(self.policy.shift_limit.total_seconds() / 3600))
        return None

    def display_name(self, member: StaffMember) -> str:
        """How staff are named to the person: their first name, or "a counsellor"."""
        if self.policy.counsellor_display == "first_name":
            return member.name.split()[0]
        return staff_text("display_team")

    # Timers ------------------------------------------------------------------------------------

    def timer_fired(
        self, kind: str, case: Case | None, paged: set[int], holder: StaffMember | None, roster: Roster
    ) -> Intents:
        """An acknowledge timeout moves a waiting case up the ladder; a reply timeout reminds the
        holder, then their supervisors. A timer of a case that moved on does nothing."""
        if case is None or not case.is_open:
            return []
        if kind == "ack" and case.status is CaseStatus.TRIGGERED:
            return self.next_level(case, paged, roster)
        if kind == "reply" and case.status is CaseStatus.CLAIMED:
            return self.remind(case, holder, roster)
        return []

    def next_level(self, case: Case, paged: set[int], roster: Roster) -> Intents:
        """Not acknowledged in time: the next level of the ladder is paged, and those paged before who
        are not paged now hear that it moved on."""
        plan = plan_step(max(case.paging_step + 1, 0), self.policy, roster, self.now)
        moved = staff_text("moved", case=case.id, level=plan.level_name)
        return [
            self._event(case, "timer fired", "", staff_text("detail.not_acknowledged")),
            *self.page(case, plan),
            *self._tell(paged - {m.id for m in plan.recipients}, "notice", moved, case),
        ]

    def remind(self, case: Case, holder: StaffMember | None, roster: Roster) -> Intents:
        """No staff reply for a while: the holder is reminded first, their supervisors after."""
        intents: Intents
        if case.reminders_sent == 0 and holder is not None:
            later = self.policy.supervisor_reminder - self.policy.reply_reminder
            intents = [
                Notify(holder.id, "notice", {"text": staff_text("reminder", case=case.id)}, case.id),
                SetCaseTimer(reply_timer(case), self.now + later),
            ]
        else:
            text = staff_text("reminder_supervisor", case=case.id, name=holder.name if holder else "?")
            intents = self._tell({m.id for m in roster.supervisors()}, "notice", text, case)
        case = replace(case, reminders_sent=case.reminders_sent + 1)
        return [*intents, SaveCase(case), self._event(case, "timer fired", "", staff_text("detail.no_reply"))]

    # Shared steps ------------------------------------------------------------------------------

    def page(self, case: Case, plan: PagePlan) -> Intents:
        """Page the plan's recipients, note it on the timeline, and look again at its next check."""
        case = replace(case, paging_step=plan.step, paged_at=self.now)
        text = staff_text(
            "page", case=case.id, level=case.level.value, waited=self.waited(case), summary=case.summary
        )
        payload: dict[str, Any] = {
            "text": text,
            "options": [f"/claim {case.id}"],
            "case": case.id,
            "level_name": plan.level_name,
        }
        names = ", ".join(m.name for m in plan.recipients) or staff_text("detail.nobody")
        intents: Intents = [
            SaveCase(case),
            *(Notify(member.id, "page", payload, case.id) for member in plan.recipients),
            self._event(case, "paged", "", staff_text("detail.paged", level=plan.level_name, names=names)),
        ]
        if plan.next_check is not None:
            intents.append(SetCaseTimer(ack_timer(case), plan.next_check))
        return intents

    def back_to_queue(self, case: Case, leaving: StaffMember, roster: Roster, why: str = "") -> Intents:
        """The case goes back to the queue and is paged afresh, to anyone but the one who left it."""
        holder = case.claimed_by
        case = replace(
            case, status=after(case.status, "release"), claimed_by=None, claimed_at=None, paging_step=0
        )
        roster = roster.released(holder).without(leaving)
        plan = plan_step(0, self.policy, roster, self.now)
        return [
            SaveCase(case),
            CancelCaseTimer(reply_timer(case)),
            self._event(case, "released", leaving.name, why),
            *self.page(case, plan),
            TellPerson(case.user_id, StaffLeft(reach_of(plan, plan.recipients, roster))),
        ]

    def waited(self, case: Case) -> str:
        return f"{int((self.now - case.opened_at).total_seconds() // 60)} min"

    def _refusal(
        self, case_id: int, case: Case | None, member: StaffMember, holder: StaffMember | None, action: str
    ) -> Intents:
        """Why this member may not `action` the case (empty when they may): it is not open for it,
        or they neither hold it nor supervise."""
        if case is None or not allowed(case.status, action):
            return [say("not_found", case=case_id)]
        if not may_act_on(member, case):
            return [self._not_theirs(case, holder)]
        return []

    def _not_theirs(self, case: Case, holder: StaffMember | None) -> Refuse:
        if case.claimed_by is None:
            return refuse("not_held", case=case.id)
        return refuse("not_yours", case=case.id, name=name_of(holder))

    def _urgent(self, case: Case, intent: Escalate) -> Notify:
        signals = ", ".join(intent.signals)
        text = staff_text("urgent", case=case.id, level=intent.level.value, signals=signals)
        assert case.claimed_by is not None
        return Notify(case.claimed_by, "urgent", {"text": text, "case": case.id}, case.id)

    def _opened_event(self, case: Case, intent: Escalate) -> Record:
        detail = staff_text("detail.opened", level=intent.level.value, reason=intent.reason)
        return self._event(case, "opened", "", detail)

    def _tell(self, staff_ids: set[int], kind: str, text: str, case: Case) -> Intents:
        return [
            Notify(staff_id, kind, {"text": text, "case": case.id}, case.id) for staff_id in sorted(staff_ids)
        ]

    def _event(self, case: Case, kind: str, actor: str = "", detail: str = "") -> Record:
        return Record(CaseEvent(case.id, self.now, kind, actor, detail))
