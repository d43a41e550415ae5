"""The unit of work: one connection, one transaction, committed explicitly or rolled back."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from flows.ports import Clock, StorageUnavailable, UnitOfWork, WriteConflict
from storage.database import WRITE_LOCK
from storage.delivery import (
    SqlAlchemyChannelRecords,
    SqlAlchemyOutbox,
    SqlAlchemyRetention,
    SqlAlchemyTimers,
)
from storage.encryption import Cipher
from storage.oncall import SqlAlchemyCases, SqlAlchemyRota, SqlAlchemyStaff
from storage.repositories import SqlAlchemyConversations, SqlAlchemyMessages, SqlAlchemyOutcomes
from storage.web import SqlAlchemyDeskRecords


class SqlAlchemyUnitOfWork(UnitOfWork):
    """One transaction; every time it writes comes from `clock`, the clock the service was given."""

    def __init__(self, database: Engine, cipher: Cipher, clock: Clock):
        self._database = database
        self._cipher = cipher
        self._clock = clock

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        try:
            self._connection: Connection = self._database.connect().execution_options(**{WRITE_LOCK: True})
        except DBAPIError as error:
            raise StorageUnavailable(type(error).__name__) from error
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
        self.desk_records = SqlAlchemyDeskRecords(self._connection, self._cipher, self._clock)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()  # nothing left uncommitted survives the unit of work
        except DBAPIError as error:
            if exc is None:
                raise StorageUnavailable(type(error).__name__) from error
            # Already failing: the database went away mid-work; the first error says more.
        finally:
            self._connection.close()
        if exc is not None and is_write_conflict(exc):
            raise WriteConflict(type(exc).__name__) from exc
        if isinstance(exc, OperationalError | InterfaceError):
            raise StorageUnavailable(type(exc).__name__) from exc

    def commit(self) -> None:
        self._connection.commit()

    def rollback(self) -> None:
        self._connection.rollback()


# SQLite's busy or stale-snapshot lock; PostgreSQL's serialisation failure and deadlock.
LOCK_MESSAGES = ("database is locked", "database table is locked")
RETRYABLE_SQLSTATES = {"40001", "40P01"}


def is_write_conflict(error: BaseException) -> bool:
    """Whether `error` means another writer got there first, so the whole unit may run again."""
    if isinstance(error, StaleDataError | IntegrityError):
        return True
    if isinstance(error, OperationalError):
        sqlstate = getattr(error.orig, "sqlstate", None)
        return sqlstate in RETRYABLE_SQLSTATES or any(text in str(error.orig) for text in LOCK_MESSAGES)
    return False
