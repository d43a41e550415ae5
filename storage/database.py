"""Database engines: the embedded SQLite default in the user's data folder, or any URL given."""

from __future__ import annotations

import contextlib
import os
import stat
import time
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError

APP_NAME = "pfa-bot"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'pfa-bot.db'}"


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written without a driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Connections one process may hold on a database server, at most. Every process (bot, console,
# worker) counts: processes x this must stay under the server's max_connections (100 by default on
# PostgreSQL), less what backups and administrators need. Threads past it wait their turn.
DEFAULT_POOL_SIZE = 4
POOL_WAIT_SECONDS = 30


def make_engine(url: str, pool_size: int = DEFAULT_POOL_SIZE) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        _ensure_private_file(url)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin)
        return engine
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,  # a hard ceiling, so that the sum over processes can be planned
        pool_timeout=POOL_WAIT_SECONDS,
        # Shows as the client in pg_stat_activity, so an operator can count what the service holds.
        connect_args={"application_name": APP_NAME, "connect_timeout": 10},
    )
    event.listen(engine, "connect", _idle_from_now)  # a new connection needs no ping
    event.listen(engine, "checkin", _idle_from_now)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


# A pooled connection idle longer than this is checked with a round trip before use. SQLAlchemy's
# pre-ping checked every one, every time: one round trip of six on each message. A connection
# that broke while in use recently fails its unit of work instead, which keeps the message in the
# spool, and SQLAlchemy then drops the pool's connections so the next one is fresh.
PING_AFTER_IDLE_SECONDS = 5.0


def _idle_from_now(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:
        raise DisconnectionError("a pooled connection no longer answers") from error


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """WAL lets a chat and a staff console share one file; FULL sync makes each commit durable."""
    # The driver's own transaction handling starts a transaction only at the first write, so the
    # reads a unit of work decides on would not be part of it; we begin every transaction ourselves.
    connection.isolation_level = None
    cursor = connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=30000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


# Set on a connection (`execution_options`) whose transactions take SQLite's write lock at once.
WRITE_LOCK = "pfa_write_lock"


def _begin(connection: Any) -> None:
    """Every transaction begins here, so that its reads are part of it. A unit of work's transaction
    takes the write lock at once: units of work on one SQLite file run one after another, each
    deciding on what it read (a claim cannot slip past a concurrent removal), and a waiting one
    queues on the busy timeout instead of failing on a stale snapshot. Other connections (reports,
    migrations, tests' own queries) read without locking out anyone."""
    immediate = connection.get_execution_options().get(WRITE_LOCK, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _ensure_private_file(url: str) -> None:
    """The file readable by its owner only, in a folder made owner-only if we make it. SQLite gives
    its -wal, -shm and -journal files the database file's permissions, so they are private too."""
    path = url.split(":///", 1)[-1]
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    file = Path(path).expanduser()
    file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if file.parent == data_dir():
        file.parent.chmod(0o700)
    # O_CREAT with mode 0600: the file never exists, even for a moment, with wider permissions.
    # O_EXCL: an existing database is never opened here, because closing any descriptor of a file
    # drops every SQLite lock this process holds on it (POSIX), which corrupts a busy database.
    with contextlib.suppress(FileExistsError):
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if stat.S_IMODE(file.stat().st_mode) & 0o077:
        file.chmod(0o600)  # made by an earlier version, or by hand, readable by others
