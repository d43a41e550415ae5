"""The person's side of escalation: a case opened or updated by new signals, their words relayed,
waiting stopped, being forgotten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from flows.events import CaseOpened
from flows.intents import Escalate
from flows.oncall.intents import Answer, CancelCaseTimers, ForgetPerson, Notify, Record, SaveCase
from flows.oncall.model import Case, CaseStatus, Reach, StaffMember
from flows.oncall.paging import Roster, plan_first_page, reach_of
from flows.oncall.steps import DeskSteps, Intents, summary_of
from flows.oncall.text import staff_text
from flows.risk.levels import RiskLevel


class PersonSide(DeskSteps):
    """What the person's conversation asks of the desk."""

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

    def _urgent(self, case: Case, intent: Escalate) -> Notify:
        signals = ", ".join(intent.signals)
        text = staff_text("urgent", case=case.id, level=intent.level.value, signals=signals)
        assert case.claimed_by is not None
        return Notify(case.claimed_by, "urgent", {"text": text, "case": case.id}, case.id)

    def _opened_event(self, case: Case, intent: Escalate) -> Record:
        detail = staff_text("detail.opened", level=intent.level.value, reason=intent.reason)
        return self._event(case, "opened", "", detail)

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
