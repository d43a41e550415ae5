"""The steps the desk's decisions share: paging, back to the queue, who may act, what staff read.

Every decision of the desk is a method of a `DeskSteps` subclass, one module per concern (the
person's side, staff actions, reports, case timers), all put together as `flows.oncall.desk.DeskRules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from flows.intents import Escalate
from flows.oncall.intents import (
    DeskIntent,
    Notify,
    Record,
    Refuse,
    SaveCase,
    Say,
    SetCaseTimer,
)
from flows.oncall.model import Case, CaseEvent, CaseStatus, StaffMember
from flows.oncall.paging import PagePlan, priority_key
from flows.oncall.policy import Policy
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
class DeskSteps:
    """The escalation policy at one moment, and the steps every part of the rulebook shares: paging
    a case, telling staff, noting it on the case's timeline."""

    policy: Policy
    now: dt.datetime

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

    def waited(self, case: Case) -> str:
        return f"{int((self.now - case.opened_at).total_seconds() // 60)} min"

    def _tell(self, staff_ids: set[int], kind: str, text: str, case: Case) -> Intents:
        return [
            Notify(staff_id, kind, {"text": text, "case": case.id}, case.id) for staff_id in sorted(staff_ids)
        ]

    def _event(self, case: Case, kind: str, actor: str = "", detail: str = "") -> Record:
        return Record(CaseEvent(case.id, self.now, kind, actor, detail))
