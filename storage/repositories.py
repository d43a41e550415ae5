"""SQLAlchemy implementations of the core's repositories. They take a connection and never commit.

They speak SQLAlchemy Core: this code runs on every message, and Core statements keep a message
within a small multiple of a bare SQLite commit, where ORM flushes cost several times that.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, delete, insert, select, update
from sqlalchemy import text as sql
from sqlalchemy.orm.exc import StaleDataError

from flows.conversation import Conversation
from flows.ports import Clock, Conversations, Messages, Outcomes
from flows.risk.levels import RiskLevel
from storage.encryption import UNREADABLE, Cipher
from storage.models import CONVERSATIONS, MESSAGES, OUTCOMES

# Columns copied as they are between the domain conversation and its row.
PLAIN_FIELDS = (
    "state",
    "step",
    "pending",
    "language",
    "country",
    "consented",
    "paused",
    "distress_before",
    "distress_after",
    "case_id",
    "case_status",
    "staff_name",
)
# Free-text columns of a conversation: JSON, stored only as ciphertext.
SEALED = ("answers", "profile")

# Statements built once, with values bound at execution: building them per call costs more than
# the SQLite commit itself.
SELECT_CONVERSATION = select(CONVERSATIONS).where(CONVERSATIONS.c.user_id == bindparam("match_user"))
CONVERSATION_EXISTS = select(CONVERSATIONS.c.id).where(CONVERSATIONS.c.user_id == bindparam("match_user"))
INSERT_CONVERSATION = insert(CONVERSATIONS)
UPDATE_CONVERSATION = update(CONVERSATIONS).where(
    CONVERSATIONS.c.user_id == bindparam("match_user"),
    CONVERSATIONS.c.version == bindparam("match_version"),
)
INSERT_MESSAGE = insert(MESSAGES)
# A transaction-scoped advisory lock keyed by the person (PostgreSQL only): released at commit or
# rollback, and by the server when the worker holding it dies.
LOCK_PERSON = sql("SELECT pg_advisory_xact_lock(hashtextextended(:match_user, 0))")
INSERT_OUTCOME = insert(OUTCOMES)


class SqlAlchemyConversations(Conversations):
    """Each update checks the version it read, so two writers never silently overwrite each other."""

    def __init__(self, connection: Connection, cipher: Cipher, clock: Clock):
        self._connection = connection
        self._cipher = cipher
        self._clock = clock
        # Versions read in this unit of work, by user: tells insert from update on save.
        self._versions: dict[str, int] = {}
        # The encrypted columns as read (plaintext, ciphertext), so unchanged ones are not re-encrypted.
        self._read: dict[tuple[str, str], tuple[str, bytes]] = {}

    def get(self, user_id: str) -> Conversation | None:
        if self._connection.dialect.name == "postgresql":
            # One person's events one at a time, whichever worker has them: a lock on the person,
            # held to the end of this transaction (SQLite's units of work already run one by one).
            self._connection.execute(LOCK_PERSON, {"match_user": user_id})
        row = self._connection.execute(SELECT_CONVERSATION, {"match_user": user_id}).mappings().one_or_none()
        if row is None:
            return None
        self._versions[user_id] = row["version"]
        return self._to_domain(row)

    def save(self, conversation: Conversation) -> None:
        values = self._values(conversation)
        if conversation.user_id not in self._versions and self._exists(conversation.user_id):
            raise StaleDataError("a conversation was saved by another writer")
        if conversation.user_id in self._versions:
            self._update(conversation.user_id, values)
        else:
            first = {"user_id": conversation.user_id, "version": 1, "created_at": values["updated_at"]}
            self._connection.execute(INSERT_CONVERSATION, {**first, **values})
            self._versions[conversation.user_id] = 1

    def erase(self, user_id: str) -> None:
        self._versions.pop(user_id, None)
        self._connection.execute(delete(CONVERSATIONS).where(CONVERSATIONS.c.user_id == user_id))
        self._connection.execute(delete(MESSAGES).where(MESSAGES.c.user_id == user_id))

    def _update(self, user_id: str, values: dict[str, Any]) -> None:
        read = self._versions[user_id]
        match = {"match_user": user_id, "match_version": read}
        if (
            self._connection.execute(UPDATE_CONVERSATION, {**match, "version": read + 1, **values}).rowcount
            != 1
        ):
            raise StaleDataError("a conversation changed since it was read")
        self._versions[user_id] = read + 1

    def _exists(self, user_id: str) -> bool:
        return self._connection.execute(CONVERSATION_EXISTS, {"match_user": user_id}).first() is not None

    def _values(self, conversation: Conversation) -> dict[str, Any]:
        values = {name: getattr(conversation, name) for name in PLAIN_FIELDS}
        values["risk_level"] = conversation.risk_level.value
        for column in SEALED:
            values[column] = self._sealed(conversation.user_id, column, getattr(conversation, column))
        values["updated_at"] = self._clock()
        return values

    def _sealed(self, user_id: str, column: str, data: dict[str, Any]) -> bytes:
        """The ciphertext for `data`: the one read, when nothing changed (encrypting is the costly part)."""
        text = json.dumps(data)
        read = self._read.get((user_id, column))
        if read is not None and read[0] == text:
            return read[1]
        return self._cipher.encrypt(text)

    def _readable(self, token: bytes) -> str:
        """The JSON, or an empty record when another key wrote it: the person still gets answered
        (and escalated), and the row keeps its ciphertext unless the conversation changes it."""
        text = self._cipher.decrypt_or_mark(token)
        return "{}" if text == UNREADABLE else text

    def _to_domain(self, row: RowMapping) -> Conversation:
        conversation = Conversation(row["user_id"], version=row["version"])
        for name in PLAIN_FIELDS:
            setattr(conversation, name, row[name])
        conversation.risk_level = RiskLevel(row["risk_level"])
        for column in SEALED:
            text = self._readable(row[column]) if row[column] else "{}"
            self._read[(row["user_id"], column)] = (text, row[column])
            setattr(conversation, column, json.loads(text))
        return conversation


class SqlAlchemyMessages(Messages):
    def __init__(self, connection: Connection, cipher: Cipher, clock: Clock):
        self._connection = connection
        self._cipher = cipher
        self._clock = clock

    def add(self, user_id: str, text: str, position: str, handled: bool = True) -> None:
        body = self._cipher.encrypt(text)
        row = {
            "user_id": user_id,
            "body": body,
            "position": position,
            "handled": handled,
            "created_at": self._clock(),
        }
        self._connection.execute(INSERT_MESSAGE, row)

    def recent(self, user_id: str, limit: int) -> list[str]:
        query = (
            select(MESSAGES.c.body)
            .where(MESSAGES.c.user_id == user_id)
            .order_by(MESSAGES.c.id.desc())
            .limit(limit)
        )
        bodies = list(self._connection.scalars(query))
        return [self._cipher.decrypt_or_mark(body) for body in reversed(bodies)]

    def since(self, user_id: str, moment: dt.datetime, limit: int) -> list[str]:
        query = (
            select(MESSAGES.c.body)
            .where(MESSAGES.c.user_id == user_id, MESSAGES.c.created_at > moment)
            .order_by(MESSAGES.c.id.desc())
            .limit(limit)
        )
        bodies = list(self._connection.scalars(query))
        return [self._cipher.decrypt_or_mark(body) for body in reversed(bodies)]


class SqlAlchemyOutcomes(Outcomes):
    def __init__(self, connection: Connection, clock: Clock):
        self._connection = connection
        self._clock = clock

    def add(self, before: int, after: int) -> None:
        row = {"distress_before": before, "distress_after": after, "recorded_on": self._clock().date()}
        self._connection.execute(INSERT_OUTCOME, row)
