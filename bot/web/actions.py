"""What a signed-in member does from the browser, through the same StaffService as the console and
Telegram (so caps, one winner and rights are the same), each action written to the audit log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum

from bot.staff import StaffIdentity, StaffService
from flows.oncall.model import Availability, CaseEvent, Outcome, StaffMember
from storage.unit_of_work import SqlAlchemyUnitOfWork
from storage.web import STAFF_MESSAGE

NOT_ALLOWED = "Only supervisors can do that."
NOT_YOURS = "You can write only in a case you hold."


class RiskLabel(Enum):
    """Whether the detector was right about a case, in the view of whoever resolved it."""

    CONFIRMED = "confirmed"
    LOWER = "lower"  # a false alarm: the risk was lower than flagged
    HIGHER = "higher"  # the risk was higher than flagged


LABELS = {label.value: label for label in RiskLabel}
OUTCOMES = {outcome.value: outcome for outcome in Outcome}


class BrowserDesk:
    """Case actions as staff commands, and who did what in the audit log (never any text)."""

    def __init__(
        self,
        staff: StaffService,
        unit_of_work: Callable[[], SqlAlchemyUnitOfWork],
        clock: Callable[[], dt.datetime],
    ):
        self._staff = staff
        self._unit_of_work = unit_of_work
        self._clock = clock

    def claim(self, member: StaffMember, case_id: int) -> list[str]:
        return self._act(member, "claim", case_id, f"/claim {case_id}")

    def release(self, member: StaffMember, case_id: int) -> list[str]:
        return self._act(member, "release", case_id, f"/release {case_id}")

    def transfer(self, member: StaffMember, case_id: int, to: str, note: str) -> list[str]:
        return self._act(member, "transfer", case_id, f"/transfer {case_id} {to.strip()} {note.strip()}")

    def note(self, member: StaffMember, case_id: int, text: str) -> list[str]:
        return self._act(member, "note", case_id, f"/note {case_id} {text.strip()}")

    def resolve(
        self, member: StaffMember, case_id: int, outcome: Outcome, followup: bool, label: RiskLabel | None
    ) -> list[str]:
        command = f"/resolve {case_id} {outcome.value}" + (" followup" if followup else "")
        replies, done = self._acted(member, "resolve", case_id, command)
        if done and label is not None:
            self._label(member, case_id, label)
        return replies

    def _label(self, member: StaffMember, case_id: int, label: RiskLabel) -> None:
        """Keep the label of a case the detector flagged (one a person asked for has no signals)."""
        with self._unit_of_work() as uow:
            case = uow.cases.get(case_id)
            flagged = case is not None and bool(case.signals)
            if flagged:
                uow.desk_records.label(case_id, label.value)
            result = "done" if flagged else "refused"
            uow.desk_records.audit(member.id, f"label {label.value}", result, case_id)
            uow.commit()

    def message(self, member: StaffMember, case_id: int, text: str) -> list[str]:
        """Relay a message to the person of a case this member holds, and keep it for the chat."""
        with self._unit_of_work() as uow:
            case = uow.cases.get(case_id)
            held = case is not None and case.is_open and case.claimed_by == member.id
        if not held or not text.strip():
            self._audit(member, "message", "refused", case_id)
            return [NOT_YOURS] if not held else []
        replies = self._staff.handle(StaffIdentity(name=member.name), f"#{case_id} {text.strip()}")
        with self._unit_of_work() as uow:
            case = uow.cases.get(case_id)
            # Kept for the chat only if it went: the case could have left them between the two steps.
            sent = case is not None and case.is_open and case.claimed_by == member.id
            if sent:
                uow.cases.record(CaseEvent(case_id, self._clock(), STAFF_MESSAGE, member.name, text.strip()))
            uow.desk_records.audit(member.id, "message", "done" if sent else "refused", case_id)
            uow.commit()
        return replies

    def take_break(self, member: StaffMember, minutes: int) -> list[str]:
        replies = self._staff.handle(StaffIdentity(name=member.name), f"/break {minutes}")
        self._audit(member, "break", "done")
        return replies

    def set_on_call(self, actor: StaffMember, staff_id: int, on: bool) -> list[str]:
        """Put a member on or off call: anyone for themselves, supervisors for anyone."""
        if staff_id != actor.id and not actor.is_supervisor:
            self._audit(actor, "on-call change", "refused")
            return [NOT_ALLOWED]
        with self._unit_of_work() as uow:
            member = uow.staff.hold(staff_id)
            if member is None or not member.active:
                return ["No such staff member."]
            member.availability = Availability.ON if on else Availability.OFF
            member.on_call_since = self._clock() if on else None
            member.break_until = None
            uow.staff.save(member)
            uow.desk_records.audit(actor.id, f"on call {'on' if on else 'off'}: staff {staff_id}", "done")
            uow.commit()
        return [f"{member.name} is now {'on' if on else 'off'} call."]

    def _act(self, member: StaffMember, action: str, case_id: int, command: str) -> list[str]:
        return self._acted(member, action, case_id, command)[0]

    def _acted(self, member: StaffMember, action: str, case_id: int, command: str) -> tuple[list[str], bool]:
        """Run one staff command; it was done when the case's timeline gained an event by this member
        (a refusal writes none), which is what the audit log records."""
        before = self._events_by(member, case_id)
        replies = self._staff.handle(StaffIdentity(name=member.name), command)
        done = self._events_by(member, case_id) > before
        self._audit(member, action, "done" if done else "refused", case_id)
        return replies, done

    def _events_by(self, member: StaffMember, case_id: int) -> int:
        with self._unit_of_work() as uow:
            return uow.desk_records.events_by(case_id, member.name)

    def _audit(self, member: StaffMember, action: str, result: str, case_id: int | None = None) -> None:
        with self._unit_of_work() as uow:
            uow.desk_records.audit(member.id, action, result, case_id)
            uow.commit()
