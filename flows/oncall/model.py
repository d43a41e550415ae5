"""The records on-call work is made of: staff, shifts, cases and their timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import Enum

from flows.risk.levels import RiskLevel


class Role(Enum):
    COUNSELLOR = "counsellor"
    SUPERVISOR = "supervisor"


class Availability(Enum):
    """What a staff member said about themselves; `rota` means the shifts decide."""

    ROTA = "rota"
    ON = "on"
    OFF = "off"


class CaseStatus(Enum):
    TRIGGERED = "triggered"  # waiting in the queue, being paged
    CLAIMED = "claimed"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class Outcome(Enum):
    DE_ESCALATED = "de-escalated"
    SAFETY_PLAN = "safety-plan-made"
    REFERRED = "referred"
    EMERGENCY_SERVICES = "emergency-services-contacted"
    PERSON_LEFT = "person-left"
    OTHER = "other"


class Reach(Enum):
    """Who knows of a new (or returned) case, as the person may be told it, truthfully."""

    FREE = "free"  # someone on call with room to take it was paged
    BUSY = "busy"  # nobody free: others (a supervisor, staff off call) were told
    NOBODY = "nobody"  # nobody could be told: it waits in the queue
    NIGHT = "night"  # a moderate case waits unpaged until the night ends


OPEN_STATUSES = (CaseStatus.TRIGGERED, CaseStatus.CLAIMED)


@dataclass
class StaffMember:
    """A registered counsellor or supervisor and what they said about being on call."""

    id: int
    name: str
    role: Role
    telegram_id: int | None = None
    active: bool = True
    availability: Availability = Availability.ROTA
    on_call_since: dt.datetime | None = None
    break_until: dt.datetime | None = None

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR


@dataclass(frozen=True)
class Shift:
    """A weekly recurring shift: weekday 0 is Monday; an end before the start runs past midnight."""

    staff_id: int
    weekday: int
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Override:
    """A one-off change to the rota: someone on (or off) call between two moments."""

    staff_id: int
    starts: dt.datetime
    ends: dt.datetime
    on_call: bool


@dataclass
class Case:
    """One person's escalation to staff, from trigger to resolution."""

    id: int
    user_id: str
    level: RiskLevel
    signals: tuple[str, ...]
    summary: str
    status: CaseStatus = CaseStatus.TRIGGERED
    # Given by whoever opens the case, from the injected clock: the core never reads the machine's clock.
    opened_at: dt.datetime = field(kw_only=True)
    claimed_by: int | None = None
    claimed_at: dt.datetime | None = None
    paging_step: int = 0
    paged_at: dt.datetime | None = None
    last_staff_reply_at: dt.datetime | None = None
    reminders_sent: int = 0
    outcome: Outcome | None = None
    person_waiting: bool = True

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class CaseEvent:
    """One line of a case's timeline."""

    case_id: int
    at: dt.datetime
    kind: str
    actor: str = ""
    detail: str = ""
