"""The unit of work: one connection, one transaction, committed explicitly or rolled back."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from flows.ports import Clock, UnitOfWork
from storage.delivery import (
    SqlAlchemyChannelRecords,
    SqlAlchemyOutbox,
    SqlAlchemyRetention,
    SqlAlchemyTimers,
)
from storage.encryption import Cipher
from storage.oncall import SqlAlchemyCases, SqlAlchemyRota, SqlAlchemyStaff
from storage.repositories import SqlAlchemyConversations, SqlAlchemyMessages, SqlAlchemyOutcomes


class SqlAlchemyUnitOfWork(UnitOfWork):
    """One transaction; every time it writes comes from `clock`, the clock the service was given."""

    def __init__(self, database: Engine, cipher: Cipher, clock: Clock):
        self._database = database
        self._cipher = cipher
        self._clock = clock

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self._connection: Connection = self._database.connect()
        self.conversations = SqlAlchemyConversations(self._connection, self._cipher, self._clock)
        self.messages = SqlAlchemyMessages(self._connection, self._cipher, self._clock)
        self.outcomes = SqlAlchemyOutcomes(self._connection, self._clock)
        self.staff = SqlAlchemyStaff(self._connection)
        self.rota = SqlAlchemyRota(self._connection)
        self.cases = SqlAlchemyCases(self._connection, self._cipher, self._clock)
        self.timers = SqlAlchemyTimers(self._connection)
        self.outbox = SqlAlchemyOutbox(self._connection, self._cipher, self._clock)
        self.channels = SqlAlchemyChannelRecords(self._connection, self._clock)
        self.retention = SqlAlchemyRetention(self._connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, traceback)
        self._connection.close()

    def commit(self) -> None:
        self._connection.commit()

    def rollback(self) -> None:
        self._connection.rollback()
