"""Timers and the outbox: what must happen later, and what must reach someone else."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import ColumnElement, Connection, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from flows.ports import ChannelRecords, Clock, Delivery, Outbox, Retention, Timers
from storage.encryption import UNREADABLE, Cipher
from storage.models import CONVERSATIONS, MESSAGES, OUTBOX, PAGES, TIMERS, UPDATES, as_utc


class SqlAlchemyTimers(Timers):
    def __init__(self, connection: Connection):
        self._connection = connection
        self.changes: list[tuple[str, dt.datetime | None]] = []

    def set(self, key: str, due: dt.datetime) -> None:
        moved = update(TIMERS).where(TIMERS.c.key == key).values(due_at=due, fired_at=None)
        if self._connection.execute(moved).rowcount == 0:
            self._connection.execute(insert(TIMERS).values(key=key, due_at=due))
        self.changes.append((key, due))

    def cancel(self, key: str) -> None:
        self._connection.execute(delete(TIMERS).where(TIMERS.c.key == key))
        self.changes.append((key, None))

    def cancel_prefix(self, prefix: str) -> None:
        matching = TIMERS.c.key.startswith(prefix, autoescape=True)
        keys = list(self._connection.execute(select(TIMERS.c.key).where(matching)).scalars())
        self._connection.execute(delete(TIMERS).where(matching))
        self.changes += [(key, None) for key in keys]

    def pending(self) -> list[tuple[str, dt.datetime]]:
        query = (
            select(TIMERS.c.key, TIMERS.c.due_at).where(TIMERS.c.fired_at.is_(None)).order_by(TIMERS.c.due_at)
        )
        return [(key, as_utc(due)) for key, due in self._connection.execute(query)]

    def due(self, now: dt.datetime) -> list[str]:
        unfired = TIMERS.c.fired_at.is_(None)
        query = select(TIMERS.c.key).where(unfired, TIMERS.c.due_at <= now).order_by(TIMERS.c.due_at)
        return list(self._connection.execute(query).scalars())

    def take(self, key: str, now: dt.datetime) -> bool:
        # Deleted, not marked: exactly one taker sees the row go, and fired timers never pile up
        # under the sweep (which would then scan every timer ever fired, every second).
        statement = delete(TIMERS).where(
            TIMERS.c.key == key, TIMERS.c.fired_at.is_(None), TIMERS.c.due_at <= now
        )
        return bool(self._connection.execute(statement).rowcount == 1)


class SqlAlchemyOutbox(Outbox):
    def __init__(self, connection: Connection, cipher: Cipher, clock: Clock):
        self._connection = connection
        self._cipher = cipher
        self._clock = clock

    def add(
        self,
        recipient: str,
        kind: str,
        payload: dict[str, Any],
        case_id: int | None = None,
        held_until: dt.datetime | None = None,
    ) -> int:
        body = self._cipher.encrypt(json.dumps(payload))
        row = {"recipient": recipient, "kind": kind, "case_id": case_id, "body": body}
        added = self._connection.execute(
            insert(OUTBOX).values(**row, claimed_until=held_until, created_at=self._clock())
        )
        key = added.inserted_primary_key
        assert key is not None
        return int(key[0])

    def pending(self, recipients: list[str], limit: int = 100) -> list[Delivery]:
        return self._deliveries(OUTBOX.c.recipient.in_(recipients), limit)

    def pending_matching(self, prefix: str, limit: int = 100) -> list[Delivery]:
        return self._deliveries(OUTBOX.c.recipient.startswith(prefix, autoescape=True), limit)

    def claim_matching(
        self, prefix: str, now: dt.datetime, until: dt.datetime, limit: int = 100
    ) -> list[Delivery]:
        """Claim until `until` the undelivered rows for addresses starting with `prefix` that no
        worker holds (never claimed, or the claim lapsed: its worker died before confirming). Rows
        another worker is claiming this moment are skipped, not waited for (SKIP LOCKED on
        PostgreSQL; SQLite's unit of work holds the write lock, so claims there run one by one)."""
        free = or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until <= now)
        addressed = OUTBOX.c.recipient.startswith(prefix, autoescape=True) & free
        found = self._deliveries(addressed, limit, lock=True)
        if found:
            claimed = update(OUTBOX).where(OUTBOX.c.id.in_([d.id for d in found]))
            self._connection.execute(claimed.values(claimed_until=until))
        return found

    def delivered(self, delivery_id: int, now: dt.datetime) -> None:
        statement = update(OUTBOX).where(OUTBOX.c.id == delivery_id).values(delivered_at=now)
        self._connection.execute(statement)

    def forget_recipient(self, recipient: str) -> None:
        self._connection.execute(delete(OUTBOX).where(OUTBOX.c.recipient == recipient))

    def _deliveries(self, addressed: ColumnElement[bool], limit: int, lock: bool = False) -> list[Delivery]:
        """Up to `limit` undelivered rows this process can read, oldest first. One written under a
        key this process lacks waits for a process that has it, and is read past, so that however
        many of those there are, the readable ones behind them still go out."""
        found: list[Delivery] = []
        after = 0
        while len(found) < limit:
            query = (
                select(OUTBOX)
                .where(addressed, OUTBOX.c.delivered_at.is_(None), OUTBOX.c.id > after)
                .order_by(OUTBOX.c.id)
                .limit(limit)
            )
            if lock:
                query = query.with_for_update(skip_locked=True)
            rows = list(self._connection.execute(query).mappings())
            for row in rows:
                body = self._cipher.decrypt_or_mark(row["body"])
                if body != UNREADABLE and len(found) < limit:
                    found.append(
                        Delivery(row["id"], row["recipient"], row["kind"], json.loads(body), row["case_id"])
                    )
            if len(rows) < limit:
                break
            after = rows[-1]["id"]
        return found


class SqlAlchemyChannelRecords(ChannelRecords):
    def __init__(self, connection: Connection, clock: Clock):
        self._connection = connection
        self._clock = clock

    def first_time(self, channel: str, update_id: int) -> bool:
        try:
            with self._connection.begin_nested():
                row = {"channel": channel, "update_id": update_id, "processed_at": self._clock()}
                self._connection.execute(insert(UPDATES).values(**row))
        except IntegrityError:
            return False
        return True

    def add_page(self, case_id: int, chat_id: int, message_id: int) -> None:
        row = {"case_id": case_id, "chat_id": chat_id, "message_id": message_id}
        self._connection.execute(insert(PAGES).values(**row))

    def pages(self, case_id: int) -> list[tuple[int, int]]:
        query = select(PAGES.c.chat_id, PAGES.c.message_id).where(PAGES.c.case_id == case_id)
        return [(chat_id, message_id) for chat_id, message_id in self._connection.execute(query)]


class SqlAlchemyRetention(Retention):
    def __init__(self, connection: Connection):
        self._connection = connection

    def purge_before(self, moment: dt.datetime) -> int:
        idle = select(CONVERSATIONS.c.user_id).where(CONVERSATIONS.c.updated_at < moment)
        removed = 0
        for statement in (
            delete(MESSAGES).where(MESSAGES.c.created_at < moment),
            delete(MESSAGES).where(MESSAGES.c.user_id.in_(idle)),
            delete(OUTBOX).where(OUTBOX.c.delivered_at < moment),
            # Undelivered, for someone gone as long (a web chat closed for good): never to be read.
            delete(OUTBOX).where(OUTBOX.c.recipient.in_(idle)),
            delete(UPDATES).where(UPDATES.c.processed_at < moment),
            delete(CONVERSATIONS).where(CONVERSATIONS.c.updated_at < moment),
        ):
            removed += self._connection.execute(statement).rowcount or 0
        return removed
