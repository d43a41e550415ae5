"""What the desk's decisions ask the shell to do: their only output, like `flows.intents` for a
conversation.

A decision (in `flows.oncall.desk`) reads a case, a staff member, the roster and the time, and
returns a list of these; the shell carries them out in order, in the one transaction it loaded the
state in, and delivers the person's events once they are all done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flows.events import Event
from flows.oncall.model import Case, CaseEvent, StaffMember


@dataclass(frozen=True)
class Say:
    """A line for the staff member who acted."""

    text: str


@dataclass(frozen=True)
class Refuse:
    """A staff action refused for lack of rights: said to them, and logged by `why` (never who, never
    which text)."""

    text: str
    why: str


@dataclass(frozen=True)
class Notify:
    """A message waiting in the outbox for one staff member: a page, a notice, a relayed message."""

    staff_id: int
    kind: str  # page, taken, notice, relay, handover, urgent: how a channel shows it
    payload: dict[str, Any]
    case_id: int | None = None


@dataclass(frozen=True)
class SaveCase:
    """Store the case as it now stands (everything but a claim, which `TakeCase` makes)."""

    case: Case


@dataclass(frozen=True)
class TakeCase:
    """Give a waiting case to a staff member below the cap, atomically. When someone else won, the
    shell reads again and decides again (the case is no longer waiting, or they are at the cap)."""

    case_id: int
    staff_id: int
    at: dt.datetime
    cap: int


@dataclass(frozen=True)
class Record:
    """A line of the case's timeline."""

    event: CaseEvent


@dataclass(frozen=True)
class SetCaseTimer:
    key: str
    due: dt.datetime


@dataclass(frozen=True)
class CancelCaseTimer:
    key: str


@dataclass(frozen=True)
class CancelCaseTimers:
    """Every timer of the case: it is closed."""

    case_id: int


@dataclass(frozen=True)
class TellPerson:
    """An event for the person's conversation (a counsellor joined, wrote, left), delivered after
    the desk's own work."""

    user_id: str
    event: Event


@dataclass(frozen=True)
class Answer:
    """An event for the conversation that asked (the case its escalation opened or updated)."""

    event: Event


@dataclass(frozen=True)
class SaveMember:
    """Store a staff member's availability, breaks and whether they are active."""

    member: StaffMember


@dataclass(frozen=True)
class Unregister:
    """Nothing more reaches a staff member who left the register: their shifts, overrides and
    undelivered messages go."""

    staff_id: int


@dataclass(frozen=True)
class ForgetPerson:
    """The person's cases become anonymous stubs, and every staff-bound message holding their words goes."""

    user_id: str


DeskIntent = (
    Say
    | Refuse
    | Notify
    | SaveCase
    | TakeCase
    | Record
    | SetCaseTimer
    | CancelCaseTimer
    | CancelCaseTimers
    | TellPerson
    | Answer
    | SaveMember
    | Unregister
    | ForgetPerson
)
