"""What the desk's pages show, read from storage as plain data for the templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flows.oncall.model import Case, CaseEvent, CaseStatus, Override, Shift, StaffMember
from flows.oncall.paging import priority_key
from flows.oncall.policy import Policy
from flows.oncall.rota import in_shift, is_on_call, over_shift_limit
from storage.unit_of_work import SqlAlchemyUnitOfWork
from storage.web import ChatLine

# How far ahead the board looks for someone's next shift.
LOOK_AHEAD = dt.timedelta(days=7)
STEP = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class CaseCard:
    """One case as the queue and the case page show it: what the page to staff says, split up."""

    id: int
    level: str
    status: str
    waited_minutes: int
    signals: tuple[str, ...]
    reason: str
    matched: str
    messages: tuple[str, ...]
    holder: str
    person_waiting: bool
    mine: bool

    @property
    def fingerprint(self) -> tuple[object, ...]:
        return (self.id, self.level, self.status, self.waited_minutes, self.signals, self.holder)


def case_card(case: Case, names: dict[int, str], member: StaffMember, now: dt.datetime) -> CaseCard:
    lines = case.summary.splitlines()
    matched = next((line.removeprefix("matched: ") for line in lines if line.startswith("matched: ")), "")
    messages = tuple(line.removeprefix("» ") for line in lines if line.startswith("» "))
    return CaseCard(
        id=case.id,
        level=case.level.value,
        status=case.status.value,
        waited_minutes=int((now - case.opened_at).total_seconds() // 60),
        signals=case.signals,
        reason=lines[0] if lines else "",
        matched=matched,
        messages=messages,
        holder=names.get(case.claimed_by or 0, ""),
        person_waiting=case.person_waiting,
        mine=case.claimed_by == member.id,
    )


@dataclass(frozen=True)
class QueueView:
    waiting: list[CaseCard]
    held: list[CaseCard]

    @property
    def fingerprint(self) -> tuple[object, ...]:
        return tuple(card.fingerprint for card in [*self.waiting, *self.held])


def queue_view(uow: SqlAlchemyUnitOfWork, member: StaffMember, now: dt.datetime) -> QueueView:
    """Open cases: those waiting, most urgent and longest waiting first, then those held."""
    names = {person.id: person.name for person in uow.staff.all()}
    cases = uow.cases.open_cases()
    waiting = sorted((c for c in cases if c.status is CaseStatus.TRIGGERED), key=priority_key)
    held = sorted((c for c in cases if c.status is CaseStatus.CLAIMED), key=lambda c: c.id)
    return QueueView(
        [case_card(c, names, member, now) for c in waiting], [case_card(c, names, member, now) for c in held]
    )


def may_see_everything(member: StaffMember, case: Case) -> bool:
    """The timeline, the chat and the actions of a case are its holder's and the supervisors'."""
    return case.claimed_by == member.id or member.is_supervisor


@dataclass(frozen=True)
class CasePage:
    card: CaseCard
    open: bool
    outcome: str
    timeline: list[CaseEvent]
    chat: list[ChatLine]


def case_page(uow: SqlAlchemyUnitOfWork, member: StaffMember, case: Case, now: dt.datetime) -> CasePage:
    names = {person.id: person.name for person in uow.staff.all()}
    full = may_see_everything(member, case)
    timeline = uow.cases.timeline(case.id) if full else []
    chat = uow.desk_records.chat(case.id, case.user_id, case.opened_at) if full else []
    return CasePage(
        case_card(case, names, member, now),
        case.is_open,
        case.outcome.value if case.outcome else "",
        [event for event in timeline if event.kind != "message sent"],
        chat,
    )


@dataclass(frozen=True)
class BoardRow:
    id: int
    name: str
    role: str
    on_call: bool
    on_break_until: str
    availability: str
    load: int
    next_on_call: str
    long_shift: bool


def board(uow: SqlAlchemyUnitOfWork, policy: Policy, now: dt.datetime) -> list[BoardRow]:
    """Who is on call now and next, on a break, how loaded, and who is past the shift limit."""
    shifts, overrides = uow.rota.shifts(), uow.rota.overrides(now)
    loads = uow.cases.caseloads()
    rows = []
    for member in (m for m in uow.staff.all() if m.active):
        on = is_on_call(member, shifts, overrides, now)
        resting = member.break_until is not None and member.break_until > now
        rows.append(
            BoardRow(
                member.id,
                member.name,
                member.role.value,
                on,
                f"{member.break_until:%H:%M} UTC" if resting and member.break_until else "",
                member.availability.value,
                loads.get(member.id, 0),
                "" if on else _next_on_call(member, shifts, overrides, now),
                on and over_shift_limit(member, policy.shift_limit, now),
            )
        )
    return rows


def _next_on_call(
    member: StaffMember, shifts: list[Shift], overrides: list[Override], now: dt.datetime
) -> str:
    """When they are next on call: an override putting them on call, or their next weekly shift
    (in the coming week; their own word aside)."""
    starts = [o.starts for o in overrides if o.staff_id == member.id and o.on_call and o.starts > now]
    shift = _next_shift([s for s in shifts if s.staff_id == member.id], now)
    soonest = min([*starts, *([shift] if shift else [])], default=None)
    return "" if soonest is None else f"{soonest:%a %d %b %H:%M} UTC"


def _next_shift(theirs: list[Shift], now: dt.datetime) -> dt.datetime | None:
    moment = now.replace(second=0, microsecond=0)
    while theirs and moment < now + LOOK_AHEAD:
        moment += STEP
        if any(in_shift(shift, moment) for shift in theirs):
            return moment
    return None
