"""A case's timers: an unacknowledged page climbs the ladder; no staff reply reminds the holder,
then their supervisors.
"""

from __future__ import annotations

from dataclasses import replace

from flows.oncall.intents import Notify, SaveCase, SetCaseTimer
from flows.oncall.model import Case, CaseStatus, StaffMember
from flows.oncall.paging import Roster, plan_step
from flows.oncall.steps import DeskSteps, Intents, reply_timer
from flows.oncall.text import staff_text


class CaseTimers(DeskSteps):
    """What a case timer coming due does."""

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
            text = staff_text(
                "reminder_supervisor",
                case=case.id,
                name=holder.name if holder else staff_text("unknown_holder"),
            )
            intents = self._tell({m.id for m in roster.supervisors()}, "notice", text, case)
        case = replace(case, reminders_sent=case.reminders_sent + 1)
        return [*intents, SaveCase(case), self._event(case, "timer fired", "", staff_text("detail.no_reply"))]
