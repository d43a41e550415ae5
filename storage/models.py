"""The database tables. Free text is stored only as ciphertext (see storage.encryption)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# Times are written by the repositories from the clock they are given, never by column defaults:
# a default would read the machine's clock, which a test cannot move.


class ConversationRecord(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32), default="")
    pending: Mapped[str] = mapped_column(String(32), default="")
    language: Mapped[str] = mapped_column(String(8))
    country: Mapped[str | None] = mapped_column(String(8), nullable=True)
    consented: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    risk_level: Mapped[str] = mapped_column(String(16), default="none")
    distress_before: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    distress_after: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    answers: Mapped[bytes] = mapped_column(LargeBinary)
    profile: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    case_status: Mapped[str] = mapped_column(String(16), default="")
    staff_name: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class MessageRecord(Base):
    """What a person wrote, kept for the staff summary and so that no message is lost on a failure."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    position: Mapped[str] = mapped_column(String(64))
    handled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class OutcomeRecord(Base):
    """Before and after distress ratings of one session: no text, no link to the person."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    distress_before: Mapped[int] = mapped_column(SmallInteger)
    distress_after: Mapped[int] = mapped_column(SmallInteger)
    # The day only: a time of day next to a rating could help single a person out.
    recorded_on: Mapped[dt.date] = mapped_column(Date)


class StaffRecord(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    availability: Mapped[str] = mapped_column(String(8), default="rota")
    on_call_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    break_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ShiftRecord(Base):
    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts: Mapped[str] = mapped_column(String(5))
    ends: Mapped[str] = mapped_column(String(5))


class OverrideRecord(Base):
    __tablename__ = "rota_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    starts: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ends: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    on_call: Mapped[bool] = mapped_column(Boolean)


class CaseRecord(Base):
    """An escalation. `user_id` is emptied when the person asks us to forget them: a stub remains."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    level: Mapped[str] = mapped_column(String(16))
    signals: Mapped[str] = mapped_column(String(400), default="")
    summary: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    paging_step: Mapped[int] = mapped_column(Integer, default=0)
    paged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_staff_reply_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    person_waiting: Mapped[bool] = mapped_column(Boolean, default=True)
    outcome: Mapped[str | None] = mapped_column(String(40), nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Whether the detector was right, in the words of whoever resolved it: confirmed, lower, higher.
    risk_label: Mapped[str | None] = mapped_column(String(16), nullable=True)

    __table_args__ = (
        # One open case per person, enforced by the database itself.
        Index(
            "uq_cases_open_user",
            "user_id",
            unique=True,
            sqlite_where=text("status IN ('triggered', 'claimed')"),
            postgresql_where=text("status IN ('triggered', 'claimed')"),
        ),
    )


class CaseEventRecord(Base):
    """The case timeline; `detail` may hold a note's free text, so it is encrypted."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[bytes] = mapped_column(LargeBinary)


class TimerRecord(Base):
    """A timer: the one truth of when it is due and whether it fired (every process sweeps it)."""

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    fired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OutboxRecord(Base):
    """A message for someone other than the sender of the current update, until a channel takes it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True, index=True
    )
    # Until when one worker holds the row to send it; after that, any worker may take it over.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class ProcessedUpdateRecord(Base):
    """Update ids a channel has handled: an update delivered twice is handled once."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class ChannelPageRecord(Base):
    """Where a page was posted in a channel, so that it can be edited once the case is claimed."""

    __tablename__ = "channel_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)


class KeyCheckRecord(Base):
    """A check value of each encryption key this database's data is under (an HMAC made with the
    key, never the key): a process holding none of them is refused before it writes anything."""

    __tablename__ = "key_checks"

    check_value: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LoginLinkRecord(Base):
    """A one-time sign-in link for the desk in a browser: only a hash of its token is kept."""

    __tablename__ = "login_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class StaffSessionRecord(Base):
    """A signed-in browser: the cookie holds a random token, the database only its hash."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditRecord(Base):
    """Who did what at the desk, and whether it was allowed: never a message's text."""

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), nullable=True, index=True
    )
    action: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    result: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16), default="web")


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model: repositories speak SQLAlchemy Core on the hot path."""
    return cast(Table, model.__table__)


CONVERSATIONS = table_of(ConversationRecord)
MESSAGES = table_of(MessageRecord)
OUTCOMES = table_of(OutcomeRecord)
STAFF = table_of(StaffRecord)
SHIFTS = table_of(ShiftRecord)
OVERRIDES = table_of(OverrideRecord)
CASES = table_of(CaseRecord)
EVENTS = table_of(CaseEventRecord)
TIMERS = table_of(TimerRecord)
OUTBOX = table_of(OutboxRecord)
UPDATES = table_of(ProcessedUpdateRecord)
PAGES = table_of(ChannelPageRecord)
KEY_CHECKS = table_of(KeyCheckRecord)
LOGIN_LINKS = table_of(LoginLinkRecord)
STAFF_SESSIONS = table_of(StaffSessionRecord)
AUDIT = table_of(AuditRecord)
