"""What the engine asks the outside world to do: its only output.

Channels render replies; the service layer carries out the rest. The engine never learns which
channel it talks to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flows.risk.levels import RiskLevel


@dataclass(frozen=True)
class Option:
    """A choice offered to the person: a stable id and the label shown in their language."""

    id: str
    label: str


@dataclass(frozen=True)
class Phase:
    """One part of a breath: what to do and for how many seconds."""

    label: str
    seconds: int


@dataclass(frozen=True)
class Pacing:
    """A breathing rhythm that a channel shows in time (a console counts it out)."""

    phases: tuple[Phase, ...]
    rounds: int = 1


@dataclass(frozen=True)
class Reply:
    """A message for the person, with the options they can pick from."""

    text: str
    options: tuple[Option, ...] = ()
    pacing: Pacing | None = None
    attachment: tuple[str, str] | None = None  # (file name, text) a channel may also send as a file


@dataclass(frozen=True)
class SetTimer:
    """Fire `TimerFired(name)` into this conversation after `seconds`, replacing one of that name."""

    name: str
    seconds: float


@dataclass(frozen=True)
class CancelTimer:
    name: str


@dataclass(frozen=True)
class ScheduleTimer:
    """Fire `TimerFired(name)` into this conversation at a moment (UTC), as for a check-in."""

    name: str
    at: dt.datetime


@dataclass(frozen=True)
class StaffTask:
    """Put a task in the staff queue, such as a follow-up nobody answered."""

    case_id: int | None
    reason: str


@dataclass(frozen=True)
class Escalate:
    """Ask for a human: open (or update) this person's case for on-call staff."""

    level: RiskLevel
    signals: tuple[str, ...]
    summary: str
    reason: str
    evidence: tuple[str, ...] = ()  # the matched words, for staff only: never shown to the person


@dataclass(frozen=True)
class RecordOutcome:
    """Keep the before and after distress ratings of a session, with no text attached."""

    before: int
    after: int


@dataclass(frozen=True)
class EraseUser:
    """Delete everything kept about this person."""


@dataclass(frozen=True)
class RelayToStaff:
    """Pass what the person wrote to the staff member who has their case."""

    text: str


@dataclass(frozen=True)
class CancelWait:
    """The person no longer wants to wait for a person; the case stays for staff to see."""


Intent = (
    Reply
    | SetTimer
    | CancelTimer
    | ScheduleTimer
    | Escalate
    | RecordOutcome
    | EraseUser
    | RelayToStaff
    | CancelWait
    | StaffTask
)
