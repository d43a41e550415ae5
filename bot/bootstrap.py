"""The one place that wires everything: database, encryption, engine, desk, timers and services."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import Engine as DatabaseEngine

from bot.admin import Admin
from bot.clock import system_clock
from bot.desk import Desk
from bot.scheduling import APSchedulerTimers
from bot.service import ConversationService
from bot.staff import StaffService
from bot.timers import TimerService
from flows.engine import Engine
from flows.oncall.policy import Policy, default_policy_data, policy_from
from storage.database import DEFAULT_POOL_SIZE, data_dir, default_database_url, make_engine
from storage.encryption import Cipher, load_cipher
from storage.migrate import is_current, upgrade
from storage.spool import FileSpool
from storage.unit_of_work import SqlAlchemyUnitOfWork

DATABASE_ENV = "PFA_DATABASE_URL"
POLICY_ENV = "PFA_POLICY_FILE"
RETENTION_ENV = "PFA_RETENTION_DAYS"
SPOOL_ENV = "PFA_SPOOL_DIR"
POOL_ENV = "PFA_DATABASE_POOL_SIZE"


class SetupError(Exception):
    """A setting or the database is not as needed; the message says what to do."""


@dataclass
class App:
    """Everything one process needs, wired: database, services, timers."""

    database: DatabaseEngine
    cipher: Cipher
    conversations: ConversationService
    staff: StaffService
    timers: TimerService
    desk: Desk
    admin: Admin
    unit_of_work: Callable[[], SqlAlchemyUnitOfWork]
    clock: Callable[[], dt.datetime]
    retention_days: int = 30
    scheduler: APSchedulerTimers | None = None

    def start_timers(self) -> None:
        """Run timers in this process: wake-ups for the timers it sets, a sweep of the timers table
        for every timer due (whoever set it), and the daily purge of transcripts past retention."""
        self.scheduler = APSchedulerTimers(self.timers.fire_due)
        self.conversations.scheduler = self.scheduler
        self.scheduler.start()
        self.scheduler.every(dt.timedelta(days=1), self.purge, name="the daily purge")

    def purge(self, days: int | None = None) -> int:
        """Delete transcripts older than the retention period; return how many rows went."""
        cutoff = self.clock() - dt.timedelta(days=days or self.retention_days)
        with self.unit_of_work() as uow:
            removed = uow.retention.purge_before(cutoff)
            uow.commit()
        return removed

    def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown()
        self.database.dispose()


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get(DATABASE_ENV) or default_database_url()


def load_policy(path: str | None = None) -> Policy:
    """The default escalation policy, with an organisation's file (PFA_POLICY_FILE) on top."""
    path = path or os.environ.get(POLICY_ENV)
    if not path:
        return policy_from(default_policy_data())
    try:
        own = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return policy_from(own, base=default_policy_data())
    except (OSError, ValueError, KeyError) as error:
        raise SetupError(f"{POLICY_ENV}: cannot use {path}: {error}") from error


def bootstrap(
    url: str | None = None,
    cipher: Cipher | None = None,
    clock: Callable[[], dt.datetime] = system_clock,
    policy: Policy | None = None,
    spool_dir: Path | None = None,
) -> App:
    """Build the application on the database at `url` (the embedded SQLite file by default)."""
    database = make_engine(database_url(url), _pool_size())
    try:
        _prepare_schema(database)
    except SetupError:
        database.dispose()
        raise
    cipher = cipher or load_cipher(data_dir() / "encryption.key")
    unit_of_work = partial(SqlAlchemyUnitOfWork, database, cipher, clock)
    desk = Desk(policy or load_policy(), clock)
    spool = FileSpool(spool_dir or spool_folder(database), cipher, clock)
    conversations = ConversationService(Engine(), unit_of_work, clock, desk, spool=spool)
    timers = TimerService(unit_of_work, conversations, desk, clock)
    staff = StaffService(unit_of_work, conversations, desk, clock)
    admin = Admin(unit_of_work, clock)
    retention = _retention_days()
    return App(database, cipher, conversations, staff, timers, desk, admin, unit_of_work, clock, retention)


def spool_folder(database: DatabaseEngine) -> Path:
    """Where this machine keeps messages while `database` is unreachable: PFA_SPOOL_DIR, else beside
    an SQLite file, else in the data folder under a name drawn from the database's address (so that
    a spool is only ever replayed into the database it was meant for)."""
    if explicit := os.environ.get(SPOOL_ENV):
        return Path(explicit)
    if database.dialect.name == "sqlite" and database.url.database not in (None, "", ":memory:"):
        return Path(f"{database.url.database}.spool")
    address = database.url.render_as_string(hide_password=True)
    return data_dir() / "spool" / hashlib.sha256(address.encode()).hexdigest()[:16]


def _pool_size() -> int:
    raw = os.environ.get(POOL_ENV, str(DEFAULT_POOL_SIZE))
    if not raw.isdigit() or int(raw) < 1:
        raise SetupError(f"{POOL_ENV} must be a whole number of connections (at least 1), not {raw!r}")
    return int(raw)


def _retention_days() -> int:
    raw = os.environ.get(RETENTION_ENV, "30")
    if not raw.isdigit() or int(raw) < 1:
        raise SetupError(f"{RETENTION_ENV} must be a whole number of days (at least 1), not {raw!r}")
    return int(raw)


def _prepare_schema(database: DatabaseEngine) -> None:
    """The embedded default migrates itself; a shared server is migrated on purpose, by an operator."""
    if database.dialect.name == "sqlite":
        upgrade(database)
    elif not is_current(database):
        raise SetupError("the database schema is not up to date: run `pfa-bot db upgrade` first")
