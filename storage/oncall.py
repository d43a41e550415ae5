"""Staff, rota and cases in SQLAlchemy Core. Claiming is one conditional UPDATE: exactly one wins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, func, insert, select, update

from flows.oncall.model import (
    OPEN_STATUSES,
    Availability,
    Case,
    CaseEvent,
    CaseStatus,
    Outcome,
    Override,
    Role,
    Shift,
    StaffMember,
)
from flows.ports import Cases, Clock, Rota, StaffDirectory
from flows.risk.levels import RiskLevel
from storage.encryption import UNREADABLE, Cipher
from storage.models import CASES, EVENTS, OUTBOX, OVERRIDES, SHIFTS, STAFF, as_utc

OPEN = [status.value for status in OPEN_STATUSES]


class SqlAlchemyStaff(StaffDirectory):
    def __init__(self, connection: Connection):
        self._connection = connection

    def add(self, name: str, role: Role, telegram_id: int | None = None) -> StaffMember:
        row = {"name": name, "role": role.value, "telegram_id": telegram_id, "active": True}
        new_id = self._connection.execute(
            insert(STAFF).values(**row, availability="rota")
        ).inserted_primary_key
        assert new_id is not None
        return StaffMember(int(new_id[0]), name, role, telegram_id)

    def get(self, staff_id: int) -> StaffMember | None:
        return self._one(STAFF.c.id == staff_id)

    def by_name(self, name: str) -> StaffMember | None:
        return self._one(func.lower(STAFF.c.name) == name.strip().lower())

    def by_telegram_id(self, telegram_id: int) -> StaffMember | None:
        return self._one(STAFF.c.telegram_id == telegram_id)

    def hold(self, staff_id: int) -> StaffMember | None:
        # FOR UPDATE: on PostgreSQL a removal and a claim by the same member wait for each other
        # (SQLite units of work already run one at a time).
        statement = select(STAFF).where(STAFF.c.id == staff_id).with_for_update()
        row = self._connection.execute(statement).mappings().one_or_none()
        return None if row is None else _member(row)

    def all(self) -> list[StaffMember]:
        rows = self._connection.execute(select(STAFF).order_by(STAFF.c.name)).mappings()
        return [_member(row) for row in rows]

    def save(self, member: StaffMember) -> None:
        values = {
            "active": member.active,
            "availability": member.availability.value,
            "on_call_since": member.on_call_since,
            "break_until": member.break_until,
            "telegram_id": member.telegram_id,
        }
        self._connection.execute(update(STAFF).where(STAFF.c.id == member.id).values(**values))

    def _one(self, condition: Any) -> StaffMember | None:
        row = self._connection.execute(select(STAFF).where(condition)).mappings().one_or_none()
        return None if row is None else _member(row)


class SqlAlchemyRota(Rota):
    def __init__(self, connection: Connection):
        self._connection = connection

    def shifts(self) -> list[Shift]:
        rows = self._connection.execute(select(SHIFTS)).mappings()
        return [Shift(r["staff_id"], r["weekday"], _time(r["starts"]), _time(r["ends"])) for r in rows]

    def add_shift(self, shift: Shift) -> None:
        row = {
            "staff_id": shift.staff_id,
            "weekday": shift.weekday,
            "starts": shift.start.strftime("%H:%M"),
            "ends": shift.end.strftime("%H:%M"),
        }
        self._connection.execute(insert(SHIFTS).values(**row))

    def clear(self, staff_id: int | None = None) -> None:
        for table in (SHIFTS, OVERRIDES):
            statement = delete(table)
            if staff_id is not None:
                statement = statement.where(table.c.staff_id == staff_id)
            self._connection.execute(statement)

    def overrides(self, around: dt.datetime) -> list[Override]:
        rows = self._connection.execute(select(OVERRIDES).where(OVERRIDES.c.ends > around)).mappings()
        return [Override(r["staff_id"], as_utc(r["starts"]), as_utc(r["ends"]), r["on_call"]) for r in rows]

    def add_override(self, override: Override) -> None:
        row = {
            "staff_id": override.staff_id,
            "starts": override.starts,
            "ends": override.ends,
            "on_call": override.on_call,
        }
        self._connection.execute(insert(OVERRIDES).values(**row))


class SqlAlchemyCases(Cases):
    def __init__(self, connection: Connection, cipher: Cipher, clock: Clock):
        self._connection = connection
        self._cipher = cipher
        self._clock = clock

    def open_for(self, user_id: str) -> Case | None:
        return self._one((CASES.c.user_id == user_id) & CASES.c.status.in_(OPEN))

    def get(self, case_id: int) -> Case | None:
        return self._one(CASES.c.id == case_id)

    def add(self, case: Case) -> Case:
        values = {**self._values(case), "user_id": case.user_id, "opened_at": case.opened_at}
        new_id = self._connection.execute(insert(CASES).values(**values)).inserted_primary_key
        assert new_id is not None
        case.id = int(new_id[0])
        return case

    def save(self, case: Case) -> None:
        self._connection.execute(update(CASES).where(CASES.c.id == case.id).values(**self._values(case)))

    def claim(self, case_id: int, staff_id: int, now: dt.datetime, cap: int) -> bool:
        held = (
            select(func.count())
            .select_from(CASES)
            .where(CASES.c.claimed_by == staff_id, CASES.c.status == CaseStatus.CLAIMED.value)
            .scalar_subquery()
        )
        statement = (
            update(CASES)
            .where(CASES.c.id == case_id, CASES.c.status == CaseStatus.TRIGGERED.value, held < cap)
            .values(
                status=CaseStatus.CLAIMED.value,
                claimed_by=staff_id,
                claimed_at=now,
                last_staff_reply_at=now,
                reminders_sent=0,
            )
        )
        return bool(self._connection.execute(statement).rowcount == 1)

    def open_cases(self) -> list[Case]:
        rows = self._connection.execute(select(CASES).where(CASES.c.status.in_(OPEN))).mappings()
        return [self._case(row) for row in rows]

    def caseloads(self) -> dict[int, int]:
        # Counted by the database: paging needs only these, and decrypting every open case's summary
        # made each page cost more the more cases were open.
        query = (
            select(CASES.c.claimed_by, func.count())
            .where(CASES.c.status.in_(OPEN), CASES.c.claimed_by.is_not(None))
            .group_by(CASES.c.claimed_by)
        )
        return {int(staff_id): int(count) for staff_id, count in self._connection.execute(query)}

    def record(self, event: CaseEvent) -> None:
        row = {
            "case_id": event.case_id,
            "at": event.at,
            "kind": event.kind,
            "actor": event.actor,
            "detail": self._cipher.encrypt(event.detail),
        }
        self._connection.execute(insert(EVENTS).values(**row))

    def timeline(self, case_id: int) -> list[CaseEvent]:
        query = select(EVENTS).where(EVENTS.c.case_id == case_id).order_by(EVENTS.c.id)
        rows = self._connection.execute(query).mappings()
        return [
            CaseEvent(
                case_id, as_utc(r["at"]), r["kind"], r["actor"], self._cipher.decrypt_or_mark(r["detail"])
            )
            for r in rows
        ]

    def paged(self, case_id: int) -> set[int]:
        query = select(OUTBOX.c.recipient).where(OUTBOX.c.case_id == case_id, OUTBOX.c.kind == "page")
        recipients = self._connection.execute(query).scalars()
        return {int(recipient.removeprefix("staff:")) for recipient in recipients}

    def claim_waits(self, since: dt.datetime) -> list[dt.timedelta]:
        query = select(CASES.c.opened_at, CASES.c.claimed_at).where(CASES.c.claimed_at >= since)
        return [as_utc(claimed) - as_utc(opened) for opened, claimed in self._connection.execute(query)]

    def forget_person(self, user_id: str) -> None:
        # Pages, relays, handovers and urgent notices of their cases hold their words: all go,
        # delivered or not, whoever they were addressed to.
        theirs = select(CASES.c.id).where(CASES.c.user_id == user_id)
        self._connection.execute(delete(OUTBOX).where(OUTBOX.c.case_id.in_(theirs)))
        still_open = (CASES.c.user_id == user_id) & CASES.c.status.in_(OPEN)
        closing = {"status": CaseStatus.CANCELLED.value, "outcome": Outcome.PERSON_LEFT.value}
        self._connection.execute(update(CASES).where(still_open).values(**closing))
        stub = {"user_id": None, "summary": self._cipher.encrypt(""), "signals": ""}
        self._connection.execute(update(CASES).where(CASES.c.user_id == user_id).values(**stub))
        forgotten = select(CASES.c.id).where(CASES.c.user_id.is_(None))
        notes = update(EVENTS).where(EVENTS.c.case_id.in_(forgotten)).values(detail=self._cipher.encrypt(""))
        self._connection.execute(notes)

    def _one(self, condition: Any) -> Case | None:
        row = self._connection.execute(select(CASES).where(condition)).mappings().one_or_none()
        return None if row is None else self._case(row)

    def _values(self, case: Case) -> dict[str, Any]:
        # A summary read as unreadable is left as it is in the database, not overwritten by the marker.
        summary = {} if case.summary == UNREADABLE else {"summary": self._cipher.encrypt(case.summary)}
        return {
            **summary,
            "level": case.level.value,
            "signals": ",".join(case.signals),
            "status": case.status.value,
            "claimed_by": case.claimed_by,
            "claimed_at": case.claimed_at,
            "paging_step": case.paging_step,
            "paged_at": case.paged_at,
            "last_staff_reply_at": case.last_staff_reply_at,
            "reminders_sent": case.reminders_sent,
            "person_waiting": case.person_waiting,
            "outcome": case.outcome.value if case.outcome else None,
            "closed_at": None if case.is_open else self._clock(),
        }

    def _case(self, row: RowMapping) -> Case:
        return Case(
            id=row["id"],
            user_id=row["user_id"] or "",
            level=RiskLevel(row["level"]),
            signals=tuple(signal for signal in row["signals"].split(",") if signal),
            summary=self._cipher.decrypt_or_mark(row["summary"]),
            status=CaseStatus(row["status"]),
            opened_at=as_utc(row["opened_at"]),
            claimed_by=row["claimed_by"],
            claimed_at=_maybe_utc(row["claimed_at"]),
            paging_step=row["paging_step"],
            paged_at=_maybe_utc(row["paged_at"]),
            last_staff_reply_at=_maybe_utc(row["last_staff_reply_at"]),
            reminders_sent=row["reminders_sent"],
            outcome=Outcome(row["outcome"]) if row["outcome"] else None,
            person_waiting=row["person_waiting"],
        )


def _member(row: RowMapping) -> StaffMember:
    return StaffMember(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        telegram_id=row["telegram_id"],
        active=row["active"],
        availability=Availability(row["availability"]),
        on_call_since=_maybe_utc(row["on_call_since"]),
        break_until=_maybe_utc(row["break_until"]),
    )


def _time(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _maybe_utc(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else as_utc(moment)
