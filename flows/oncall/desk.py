"""The desk's decisions as a rulebook: state in, intents out.

Who is paged next, what a claim, release or transfer changes, who may act on a case, when a
caseload is full, when reminders go and to whom, and what every staff member reads: each a method
of `DeskRules`, given the case, the staff and the roster the shell loaded, and returning what the
shell must store, send and tell (`flows.oncall.intents`). Nothing here reads storage or the clock.

The rules are kept one concern a module: the person's side (`person_side`), staff actions
(`staff_actions`), reports (`reports`) and case timers (`case_timers`), on the shared steps of
`steps`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.oncall.case_timers import CaseTimers
from flows.oncall.person_side import PersonSide
from flows.oncall.reports import Reports, median_minutes
from flows.oncall.staff_actions import StaffActions, colleague_and_note
from flows.oncall.steps import (
    SUMMARY_MESSAGES,
    WHILE_WAITING_SHOWN,
    ack_timer,
    as_task,
    held_by,
    may_act_on,
    reply_timer,
    summary_of,
    waiting_cases,
)

__all__ = [
    "SUMMARY_MESSAGES",
    "WHILE_WAITING_SHOWN",
    "DeskRules",
    "ack_timer",
    "as_task",
    "colleague_and_note",
    "held_by",
    "may_act_on",
    "median_minutes",
    "reply_timer",
    "summary_of",
    "waiting_cases",
]


@dataclass(frozen=True)
class DeskRules(PersonSide, StaffActions, Reports, CaseTimers):
    """The escalation policy at one moment: every decision of the desk."""
