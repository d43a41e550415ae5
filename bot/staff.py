"""Staff commands, the same on every channel: who may act, what they asked for, what it did.

A channel identifies the staff member (by console name or Telegram id) and passes the text; this
checks they are registered and active, runs the desk action in one transaction, and returns the
lines to show them. Refusals are logged without any message text.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.desk import Desk, DeskResult, staff_address, staff_text
from bot.outbox import OutboxService
from bot.retry import retry_on_conflict
from bot.service import ConversationService, DeskService
from flows.oncall.desk import colleague_and_note
from flows.oncall.model import Outcome, StaffMember
from flows.ports import Delivery, UnitOfWork

log = logging.getLogger(__name__)
CASE_PREFIX = re.compile(r"^#(\d+)\s+(.*)$", re.DOTALL)
OUTCOMES = {outcome.value: outcome for outcome in Outcome}
# What one staff action did: who acted, the desk's result, and the timers it set or cancelled.
StaffAction = tuple[StaffMember, DeskResult, list[tuple[str, dt.datetime | None]]]


class SessionEnded(Exception):
    """The staff member was removed from the register: their session is over."""


@dataclass(frozen=True)
class StaffIdentity:
    """How a channel knows a staff member: by the name typed at the console, or by Telegram id."""

    name: str | None = None
    telegram_id: int | None = None


class StaffService(DeskService):
    """Staff commands and relayed messages, checked against the staff register."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        conversations: ConversationService,
        desk: Desk,
        clock: Callable[[], dt.datetime],
        outbox: OutboxService,
    ):
        super().__init__(unit_of_work, conversations, desk, clock)
        self._outbox = outbox

    def member(self, identity: StaffIdentity) -> StaffMember | None:
        """The registered, active staff member behind an identity, or None."""
        with self._unit_of_work() as uow:
            return _lookup(uow, identity)

    def handle(self, identity: StaffIdentity, text: str) -> list[str]:
        """Carry out one staff command or relayed message; return what to show the staff member."""
        done = retry_on_conflict(lambda: self._handle_once(identity, text.strip()))
        if done is None:
            log.warning("refused a staff command from someone not registered and active")
            return [staff_text("not_staff")]
        member, result, timer_changes = done
        self._conversations.scheduler.apply(timer_changes)
        warning = self._desk.rules().shift_warning(result.members.get(member.id, member))
        return [line for line in [*result.replies, warning] if line]

    def _handle_once(self, identity: StaffIdentity, text: str) -> StaffAction | None:
        """One attempt, in one transaction; None when the identity is not active staff."""
        with self._unit_of_work() as uow:
            member = _lookup(uow, identity)
            if member is None:
                return None
            result = self._dispatch(uow, member, text)
            for user_id, event in result.person_events:
                self._conversations.deliver(uow, user_id, event)
            uow.commit()
        return member, result, uow.timers.changes

    def remove(self, name: str) -> bool:
        """Take a staff member off the register, in one transaction: their held cases go back to the
        queue (the people are told), their sessions end; False when no active member has that name."""
        changes = retry_on_conflict(lambda: self._remove_once(name))
        if changes is None:
            return False
        self._conversations.scheduler.apply(changes)
        return True

    def _remove_once(self, name: str) -> list[tuple[str, dt.datetime | None]] | None:
        with self._unit_of_work() as uow:
            found = uow.staff.by_name(name)
            member = uow.staff.hold(found.id) if found is not None else None
            if member is None or not member.active:
                return None
            for user_id, event in self._desk.remove_member(uow, member):
                self._conversations.deliver(uow, user_id, event)
            uow.commit()
        return uow.timers.changes

    def members(self) -> list[StaffMember]:
        with self._unit_of_work() as uow:
            return [member for member in uow.staff.all() if member.active]

    def telegram_ids(self) -> dict[int, int]:
        """Staff id to Telegram user id, for the active staff who have one."""
        return {m.id: m.telegram_id for m in self.members() if m.telegram_id is not None}

    def inbox(self, member: StaffMember) -> list[Delivery]:
        """Messages waiting for this staff member (pages, relays, notices), marked as delivered;
        raises SessionEnded once they are no longer active staff."""
        with self._unit_of_work() as uow:
            current = uow.staff.get(member.id)
        if current is None or not current.active:
            raise SessionEnded(member.name)
        return self._outbox.take_deliveries([staff_address(member)])

    def _dispatch(self, uow: UnitOfWork, member: StaffMember, text: str) -> DeskResult:
        if not text.startswith("/"):
            return self._relay(uow, member, text)
        name, _, rest = text[1:].partition(" ")
        handler = COMMANDS.get(name.split("@", 1)[0].lower())
        if handler is None:
            return DeskResult().say("unknown")
        return handler(self, uow, member, rest.strip())

    def _relay(self, uow: UnitOfWork, member: StaffMember, text: str) -> DeskResult:
        chosen = CASE_PREFIX.match(text)
        if chosen:
            return self._desk.relay_from_staff(uow, member, int(chosen.group(1)), chosen.group(2))
        return self._desk.relay_from_staff(uow, member, None, text)

    def _queue(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        return self._desk.queue(uow)

    def _next(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        return self._desk.next(uow, member)

    def _claim(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        case_id = _case_number(rest)
        return self._desk.claim(uow, member, case_id) if case_id else DeskResult().say("unknown")

    def _release(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        case_id = _case_number(rest)
        return self._desk.release(uow, member, case_id) if case_id else DeskResult().say("unknown")

    def _transfer(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        number, _, after = rest.partition(" ")
        if not number.isdigit() or not after.strip():
            return DeskResult().say("unknown")
        name, note = colleague_and_note(after.split(), uow.staff.all())
        return self._desk.transfer(uow, member, int(number), name, note)

    def _note(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        number, _, note = rest.partition(" ")
        if not number.isdigit() or not note.strip():
            return DeskResult().say("unknown")
        return self._desk.note(uow, member, int(number), note.strip())

    def _resolve(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        parts = rest.split()
        if len(parts) < 2 or not parts[0].isdigit():
            return DeskResult().say("unknown")
        outcome = OUTCOMES.get(parts[1].lower())
        if outcome is None:
            return DeskResult().say("bad_outcome", outcomes=", ".join(OUTCOMES))
        followup = any(word.lower() in ("followup", "follow-up") for word in parts[2:])
        return self._desk.resolve(uow, member, int(parts[0]), outcome, followup)

    def _cancel(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        number, _, reason = rest.partition(" ")
        if not number.isdigit():
            return DeskResult().say("unknown")
        return self._desk.cancel(uow, member, int(number), reason.strip())

    def _case(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        case_id = _case_number(rest)
        return self._desk.timeline(uow, member, case_id) if case_id else DeskResult().say("unknown")

    def _oncall(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        switch = rest.lower()
        if switch not in ("on", "off"):
            return DeskResult().say("unknown")
        return self._desk.on_call(uow, member, switch == "on")

    def _break(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        if not rest.isdigit():
            return DeskResult().say("bad_break")
        return self._desk.take_break(uow, member, int(rest))

    def _load(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        return self._desk.load(uow, member)

    def _support(self, uow: UnitOfWork, member: StaffMember, rest: str) -> DeskResult:
        return self._desk.support(uow, member)


def _lookup(uow: UnitOfWork, identity: StaffIdentity) -> StaffMember | None:
    """The active member behind `identity`, held for the rest of the unit of work (a removal
    running at the same time goes wholly before or wholly after what they do)."""
    if identity.telegram_id is not None:
        found = uow.staff.by_telegram_id(identity.telegram_id)
    else:
        found = uow.staff.by_name(identity.name or "")
    member = uow.staff.hold(found.id) if found is not None else None
    return member if member is not None and member.active else None


def _case_number(text: str) -> int | None:
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return int(first.lstrip("#")) if first.lstrip("#").isdigit() else None


COMMANDS: dict[str, Callable[[StaffService, UnitOfWork, StaffMember, str], DeskResult]] = {
    "queue": StaffService._queue,
    "next": StaffService._next,
    "claim": StaffService._claim,
    "release": StaffService._release,
    "transfer": StaffService._transfer,
    "note": StaffService._note,
    "resolve": StaffService._resolve,
    "cancel": StaffService._cancel,
    "case": StaffService._case,
    "oncall": StaffService._oncall,
    "break": StaffService._break,
    "load": StaffService._load,
    "support": StaffService._support,
}
