"""Signing staff in to the desk in a browser: one-time links, server-side sessions, CSRF tokens.

A link's token and a session's token are random and shown once (in the link, in the cookie); the
database keeps only their SHA-256, so a copy of the database signs nobody in. A session lasts
while its member stays active on the register, checked on every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from bot.admin import AdminError
from flows.oncall.model import StaffMember
from storage.unit_of_work import SqlAlchemyUnitOfWork

# A session ends after this long without a request, and in any case after a long shift.
IDLE_LIMIT = dt.timedelta(hours=2)
LIFETIME = dt.timedelta(hours=14)
# last_seen_at is written at most this often, not on every request of a live page.
TOUCH_EVERY = dt.timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: derived from the cookie's secret, so it needs no storage, and a
    page from another site can neither read it nor compute it."""
    return hmac.new(session_token.encode(), b"desk csrf", hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, given: str) -> bool:
    return hmac.compare_digest(csrf_token(session_token), given)


@dataclass(frozen=True)
class Signed:
    """A signed-in member and their session's row id."""

    member: StaffMember
    session_id: int


class DeskSessions:
    """Links and sessions, in their own short transactions."""

    def __init__(self, unit_of_work: Callable[[], SqlAlchemyUnitOfWork], clock: Callable[[], dt.datetime]):
        self._unit_of_work = unit_of_work
        self._clock = clock

    def issue_link(self, name: str, minutes: int) -> str:
        """A new one-time sign-in token for an active member, valid for `minutes`."""
        if not 0 < minutes <= 24 * 60:
            raise AdminError("a sign-in link lasts between 1 and 1440 minutes")
        token = secrets.token_urlsafe(32)
        with self._unit_of_work() as uow:
            member = uow.staff.by_name(name)
            if member is None or not member.active:
                raise AdminError(f"no active staff member called {name}")
            expires = self._clock() + dt.timedelta(minutes=minutes)
            uow.desk_records.add_link(token_hash(token), member.id, expires)
            uow.desk_records.audit(member.id, "sign-in link issued", "done")
            uow.commit()
        return token

    def redeem(self, link_token: str) -> str | None:
        """Use up a link and start a session: the session's token, or None for a used, expired or
        unknown link (or a member no longer active)."""
        session = secrets.token_urlsafe(32)
        with self._unit_of_work() as uow:
            staff_id = uow.desk_records.use_link(token_hash(link_token))
            member = uow.staff.get(staff_id) if staff_id is not None else None
            if member is None or not member.active:
                uow.desk_records.audit(None, "sign-in", "refused")
                uow.commit()
                return None
            uow.desk_records.start_session(token_hash(session), member.id, self._clock() + LIFETIME)
            uow.desk_records.audit(member.id, "sign-in", "done")
            uow.commit()
        return session

    def current(self, session_token: str) -> Signed | None:
        """The member signed in by this session token, if the session is live and they are active;
        a session whose member was removed, or that ran out, is ended here and then."""
        now = self._clock()
        with self._unit_of_work() as uow:
            row = uow.desk_records.session(token_hash(session_token))
            if row is None or row.ended:
                return None
            member = uow.staff.get(row.staff_id)
            alive = row.expires_at > now and now - row.last_seen_at < IDLE_LIMIT
            if member is None or not member.active:
                uow.desk_records.end_sessions_of(row.staff_id)  # every browser they are signed in on
            if member is None or not member.active or not alive:
                uow.desk_records.end_session(row.id)
                uow.desk_records.audit(row.staff_id, "session ended", "removed" if alive else "expired")
                uow.commit()
                return None
            if now - row.last_seen_at >= TOUCH_EVERY:
                uow.desk_records.touch(row.id)
                uow.commit()
        return Signed(member, row.id)

    def sign_out(self, signed: Signed) -> None:
        with self._unit_of_work() as uow:
            uow.desk_records.end_session(signed.session_id)
            uow.desk_records.audit(signed.member.id, "sign-out", "done")
            uow.commit()
