"""What the staff desk in a browser keeps and reads: sign-in links, sessions, the audit log, the
staff's label on a case, the chat of a case, and the rows the figures are drawn from.

Tokens are never stored, only their SHA-256; messages stay ciphertext until read here for a signed-in
member. Like the other repositories this takes a connection and never commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from flows.ports import Clock
from storage.encryption import Cipher
from storage.models import AUDIT, CASES, EVENTS, LOGIN_LINKS, MESSAGES, OUTCOMES, STAFF_SESSIONS, as_utc

# The case event that keeps what a counsellor wrote to the person from the browser (encrypted).
STAFF_MESSAGE = "message sent"


@dataclass(frozen=True)
class SessionRow:
    id: int
    staff_id: int
    last_seen_at: dt.datetime
    expires_at: dt.datetime
    ended: bool


@dataclass(frozen=True)
class ChatLine:
    """One line of a case's chat: `key` orders and de-duplicates lines from both tables."""

    key: str
    at: dt.datetime
    from_person: bool
    author: str
    text: str


@dataclass(frozen=True)
class ClosedCase:
    """A case as the figures need it: no summary, no person."""

    id: int
    level: str
    signals: str
    status: str
    opened_at: dt.datetime
    claimed_at: dt.datetime | None
    claimed_by: int | None
    outcome: str | None
    risk_label: str | None


@dataclass(frozen=True)
class AuditLine:
    at: dt.datetime
    staff_id: int | None
    action: str
    case_id: int | None
    result: str


class SqlAlchemyDeskRecords:
    def __init__(self, connection: Connection, cipher: Cipher, clock: Clock):
        self._connection = connection
        self._cipher = cipher
        self._clock = clock

    # Sign-in -----------------------------------------------------------------------------------

    def add_link(self, token_hash: str, staff_id: int, expires_at: dt.datetime) -> None:
        row = {"token_hash": token_hash, "staff_id": staff_id, "expires_at": expires_at}
        self._connection.execute(insert(LOGIN_LINKS).values(**row))

    def use_link(self, token_hash: str) -> int | None:
        """The staff id behind an unused, unexpired link, which is used up by this call: one
        conditional UPDATE, so of two browsers racing with the same link exactly one gets in."""
        now = self._clock()
        unused = (
            (LOGIN_LINKS.c.token_hash == token_hash)
            & LOGIN_LINKS.c.used_at.is_(None)
            & (LOGIN_LINKS.c.expires_at > now)
        )
        if self._connection.execute(update(LOGIN_LINKS).where(unused).values(used_at=now)).rowcount != 1:
            return None
        query = select(LOGIN_LINKS.c.staff_id).where(LOGIN_LINKS.c.token_hash == token_hash)
        return int(self._connection.execute(query).scalar_one())

    def start_session(self, token_hash: str, staff_id: int, expires_at: dt.datetime) -> None:
        now = self._clock()
        row = {
            "token_hash": token_hash,
            "staff_id": staff_id,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": expires_at,
        }
        self._connection.execute(insert(STAFF_SESSIONS).values(**row))

    def session(self, token_hash: str) -> SessionRow | None:
        query = select(STAFF_SESSIONS).where(STAFF_SESSIONS.c.token_hash == token_hash)
        row = self._connection.execute(query).mappings().one_or_none()
        if row is None:
            return None
        return SessionRow(
            row["id"],
            row["staff_id"],
            as_utc(row["last_seen_at"]),
            as_utc(row["expires_at"]),
            row["ended_at"] is not None,
        )

    def touch(self, session_id: int) -> None:
        statement = update(STAFF_SESSIONS).where(STAFF_SESSIONS.c.id == session_id)
        self._connection.execute(statement.values(last_seen_at=self._clock()))

    def end_session(self, session_id: int) -> None:
        open_one = (STAFF_SESSIONS.c.id == session_id) & STAFF_SESSIONS.c.ended_at.is_(None)
        self._connection.execute(update(STAFF_SESSIONS).where(open_one).values(ended_at=self._clock()))

    def end_sessions_of(self, staff_id: int) -> int:
        theirs = (STAFF_SESSIONS.c.staff_id == staff_id) & STAFF_SESSIONS.c.ended_at.is_(None)
        statement = update(STAFF_SESSIONS).where(theirs).values(ended_at=self._clock())
        return int(self._connection.execute(statement).rowcount or 0)

    # Audit -------------------------------------------------------------------------------------

    def audit(self, staff_id: int | None, action: str, result: str, case_id: int | None = None) -> None:
        row = {
            "at": self._clock(),
            "staff_id": staff_id,
            "action": action,
            "case_id": case_id,
            "result": result,
            "channel": "web",
        }
        self._connection.execute(insert(AUDIT).values(**row))

    def audit_trail(self, limit: int = 200) -> list[AuditLine]:
        query = select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit)
        return [
            AuditLine(as_utc(r["at"]), r["staff_id"], r["action"], r["case_id"], r["result"])
            for r in self._connection.execute(query).mappings()
        ]

    # Cases -------------------------------------------------------------------------------------

    def label(self, case_id: int, label: str) -> None:
        self._connection.execute(update(CASES).where(CASES.c.id == case_id).values(risk_label=label))

    def events_by(self, case_id: int, actor: str) -> int:
        """How many timeline events of a case this member is the actor of (a done action adds one)."""
        query = select(func.count()).where(EVENTS.c.case_id == case_id, EVENTS.c.actor == actor)
        return int(self._connection.execute(query).scalar_one())

    def chat(self, case_id: int, user_id: str, since: dt.datetime) -> list[ChatLine]:
        """The person's messages since `since` and what staff wrote them from the browser, in order."""
        lines = self._person_lines(user_id, since) if user_id else []
        lines += self._staff_lines(case_id)
        return sorted(lines, key=lambda line: (line.at, line.key))

    def _person_lines(self, user_id: str, since: dt.datetime) -> list[ChatLine]:
        query = (
            select(MESSAGES.c.id, MESSAGES.c.created_at, MESSAGES.c.body)
            .where(MESSAGES.c.user_id == user_id, MESSAGES.c.created_at >= since)
            .order_by(MESSAGES.c.id)
        )
        return [
            ChatLine(f"m{row.id}", as_utc(row.created_at), True, "", self._cipher.decrypt_or_mark(row.body))
            for row in self._connection.execute(query)
        ]

    def _staff_lines(self, case_id: int) -> list[ChatLine]:
        query = (
            select(EVENTS.c.id, EVENTS.c.at, EVENTS.c.actor, EVENTS.c.detail)
            .where(EVENTS.c.case_id == case_id, EVENTS.c.kind == STAFF_MESSAGE)
            .order_by(EVENTS.c.id)
        )
        return [
            ChatLine(f"e{row.id}", as_utc(row.at), False, row.actor, self._cipher.decrypt_or_mark(row.detail))
            for row in self._connection.execute(query)
        ]

    def flagged_message(self, user_id: str, opened_at: dt.datetime) -> str | None:
        """The last thing the person wrote up to the moment their case opened: what was flagged."""
        query = (
            select(MESSAGES.c.body)
            .where(MESSAGES.c.user_id == user_id, MESSAGES.c.created_at <= opened_at)
            .order_by(MESSAGES.c.id.desc())
            .limit(1)
        )
        body = self._connection.execute(query).scalar_one_or_none()
        return None if body is None else self._cipher.decrypt_or_mark(body)

    # Figures -----------------------------------------------------------------------------------

    def cases_since(self, since: dt.datetime) -> list[ClosedCase]:
        query = select(CASES).where(CASES.c.opened_at >= since).order_by(CASES.c.id)
        return [
            ClosedCase(
                r["id"],
                r["level"],
                r["signals"],
                r["status"],
                as_utc(r["opened_at"]),
                None if r["claimed_at"] is None else as_utc(r["claimed_at"]),
                r["claimed_by"],
                r["outcome"],
                r["risk_label"],
            )
            for r in self._connection.execute(query).mappings()
        ]

    def labelled_cases(self) -> list[tuple[int, str, str, str, dt.datetime]]:
        """(case id, person, level, label, opened) of every case the detector flagged (it has signals)
        and staff labelled, the person still known."""
        query = (
            select(CASES.c.id, CASES.c.user_id, CASES.c.level, CASES.c.risk_label, CASES.c.opened_at)
            .where(CASES.c.risk_label.is_not(None), CASES.c.user_id.is_not(None), CASES.c.signals != "")
            .order_by(CASES.c.id)
        )
        return [(r[0], r[1], r[2], r[3], as_utc(r[4])) for r in self._connection.execute(query)]

    def events_since(self, kind: str, since: dt.datetime) -> list[tuple[int, dt.datetime, str, str]]:
        """(case id, at, actor, detail) of the timeline events of one kind."""
        query = select(EVENTS).where(EVENTS.c.kind == kind, EVENTS.c.at >= since).order_by(EVENTS.c.id)
        return [
            (r["case_id"], as_utc(r["at"]), r["actor"], self._cipher.decrypt_or_mark(r["detail"]))
            for r in self._connection.execute(query).mappings()
        ]

    def distress_since(self, since: dt.date) -> list[tuple[dt.date, int, int]]:
        query = select(OUTCOMES).where(OUTCOMES.c.recorded_on >= since).order_by(OUTCOMES.c.id)
        return [
            (r["recorded_on"], r["distress_before"], r["distress_after"])
            for r in self._connection.execute(query).mappings()
        ]
