"""What staff do to cases: claim within the caseload cap, release, hand over, close, write to the
person; and to themselves: on call, off call, a break.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace

from flows.events import CaseClosed, FollowUpRequested, StaffJoined, StaffLeft, StaffMessage
from flows.oncall.intents import (
    CancelCaseTimer,
    CancelCaseTimers,
    Notify,
    Refuse,
    SaveCase,
    SaveMember,
    SetCaseTimer,
    TakeCase,
    TellPerson,
    Unregister,
)
from flows.oncall.lifecycle import after, allowed
from flows.oncall.model import Availability, Case, CaseStatus, Outcome, StaffMember
from flows.oncall.paging import Roster, plan_step, reach_of
from flows.oncall.rota import over_shift_limit
from flows.oncall.steps import (
    DeskSteps,
    Intents,
    ack_timer,
    may_act_on,
    name_of,
    quoted,
    refuse,
    reply_timer,
    say,
)
from flows.oncall.text import staff_text
from flows.risk.levels import RiskLevel


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


class StaffActions(DeskSteps):
    """Staff actions on cases, each refused when the member may not do it."""

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

    def display_name(self, member: StaffMember) -> str:
        """How staff are named to the person: their first name, or "a counsellor"."""
        if self.policy.counsellor_display == "first_name":
            return member.name.split()[0]
        return staff_text("display_team")

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
