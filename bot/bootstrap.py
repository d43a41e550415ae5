"""The one place that wires everything: database, encryption, engine, desk, timers and services."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import Engine as DatabaseEngine
from sqlalchemy.exc import ArgumentError, DBAPIError

from bot.admin import Admin
from bot.clock import system_clock
from bot.desk import Desk
from bot.outbox import ChannelRecordService, OutboxService
from bot.scheduling import APSchedulerTimers
from bot.service import ConversationService
from bot.staff import StaffService
from bot.timers import TimerService
from flows.engine import Engine
from flows.oncall.policy import Policy, default_policy_data, policy_from
from storage.database import DEFAULT_POOL_SIZE, data_dir, default_database_url, make_engine
from storage.encryption import Cipher, KeyProblem, key_source, load_cipher
from storage.keychecks import holds_encrypted_data, verify_keys
from storage.migrate import is_current, upgrade
from storage.spool import FileSpool
from storage.unit_of_work import SqlAlchemyUnitOfWork

DATABASE_ENV = "PFA_DATABASE_URL"
POLICY_ENV = "PFA_POLICY_FILE"
RETENTION_ENV = "PFA_RETENTION_DAYS"
SPOOL_ENV = "PFA_SPOOL_DIR"
POOL_ENV = "PFA_DATABASE_POOL_SIZE"
# Channels that can only answer while the person is there: the web chat has no way to reach anyone
# later (bot/web/people.py), so the engine offers no check-ins on it.
ANSWER_ONLY_CHANNELS = frozenset({"web"})


class SetupError(Exception):
    """A setting or the database is not as needed; the message says what to do."""


@dataclass
class App:
    """Everything one process needs, wired: database, services, timers."""

    database: DatabaseEngine
    cipher: Cipher
    conversations: ConversationService
    outbox: OutboxService
    channel_records: ChannelRecordService
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
        keep = self.retention_days if days is None else days  # 0 keeps nothing: it is not "unset"
        cutoff = self.clock() - dt.timedelta(days=keep)
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


def open_database(explicit: str | None = None) -> DatabaseEngine:
    """The engine for the database given (--db, else PFA_DATABASE_URL, else the embedded default);
    a URL that cannot be used stops the start with a message naming where it came from."""
    try:
        return make_engine(database_url(explicit), _pool_size())
    except ArgumentError:
        raise SetupError(
            f"{_database_setting(explicit)} is not a database URL: use sqlite:///path.db or "
            "postgresql://user@host/db"
        ) from None
    except OSError as error:
        raise SetupError(f"{_database_setting(explicit)}: cannot create the database file: {error}") from None


@contextmanager
def reaching(database: DatabaseEngine) -> Iterator[None]:
    """Turn a database that cannot be reached (missing, refused, wrong password) into a SetupError
    that names it, password hidden, with the server's own one-line reason."""
    try:
        yield
    except DBAPIError as error:
        reason = " ".join(str(error.orig or error).split())
        address = database.url.render_as_string(hide_password=True)
        raise SetupError(f"cannot use the database {address}: {reason}") from None


def _database_setting(explicit: str | None) -> str:
    if explicit:
        return "--db"
    return DATABASE_ENV if os.environ.get(DATABASE_ENV) else "the default database"


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
    database = open_database(url)
    try:
        with reaching(database):
            _prepare_schema(database)
            cipher = _checked_cipher(database, cipher, clock)
    except SetupError:
        database.dispose()
        raise
    unit_of_work = partial(SqlAlchemyUnitOfWork, database, cipher, clock)
    desk = Desk(policy or load_policy(), clock)
    spool = FileSpool(spool_dir or spool_folder(database), cipher, clock)
    engine = Engine(ANSWER_ONLY_CHANNELS)
    engine.rehearse()
    conversations = ConversationService(engine, unit_of_work, clock, desk, spool=spool)
    timers = TimerService(unit_of_work, conversations, desk, clock)
    outbox = OutboxService(unit_of_work, clock)
    staff = StaffService(unit_of_work, conversations, desk, clock, outbox)
    admin = Admin(unit_of_work, clock, staff.remove)
    return App(
        database=database,
        cipher=cipher,
        conversations=conversations,
        outbox=outbox,
        channel_records=ChannelRecordService(unit_of_work),
        staff=staff,
        timers=timers,
        desk=desk,
        admin=admin,
        unit_of_work=unit_of_work,
        clock=clock,
        retention_days=_retention_days(),
    )


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


def key_file() -> Path:
    return data_dir() / "encryption.key"


def _checked_cipher(
    database: DatabaseEngine, given: Cipher | None, clock: Callable[[], dt.datetime]
) -> Cipher:
    """The process's keys, refused (before anything is written, and without making a key file) when
    the database already holds data under other keys; the keys are recorded when they fit."""
    try:
        cipher = given or load_cipher(key_file(), may_create=not holds_encrypted_data(database))
        verify_keys(database, cipher, clock(), "the keys given" if given else key_source(key_file()))
    except KeyProblem as problem:
        raise SetupError(str(problem)) from None
    return cipher


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
