"""What staff read about the desk: the queue, a case's timeline, the load; and a call for support."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence

from flows.oncall.intents import Notify
from flows.oncall.model import Case, CaseEvent, CaseStatus, StaffMember
from flows.oncall.paging import Roster
from flows.oncall.rota import caseload
from flows.oncall.steps import DeskSteps, Intents, may_act_on, refuse, say
from flows.oncall.text import staff_text


def median_minutes(waits: Sequence[dt.timedelta]) -> str:
    return f"{statistics.median(w.total_seconds() / 60 for w in waits):.1f} min" if waits else "-"


class Reports(DeskSteps):
    """The desk's reports, and asking a supervisor for support."""

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
