"""One long-polling process per bot: Telegram hands each update to one getUpdates caller, and two
pollers would take turns at random (and Telegram answers the loser with a conflict). Webhook
workers may be many; a poller holds this lock for as long as it runs."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

# Two 32-bit keys ('pfab', 1): a space of its own, apart from the per-person locks (one 64-bit key).
POLLER_LOCK = text("SELECT pg_try_advisory_lock(1885757794, 1)")
POLLER_UNLOCK = text("SELECT pg_advisory_unlock(1885757794, 1)")


class AnotherPoller(RuntimeError):
    """Another process already polls this bot's database."""


@contextlib.contextmanager
def sole_poller(database: Engine) -> Iterator[None]:
    """Hold the poller lock until the block ends (or the process dies, which frees it at once)."""
    if database.dialect.name == "postgresql":
        with database.connect() as connection:
            if not connection.execute(POLLER_LOCK).scalar():
                raise AnotherPoller("another pfa-bot already polls Telegram with this database")
            connection.commit()  # the lock is the session's: it outlives this transaction
            try:
                yield
            finally:  # the connection goes back to the pool, its session alive: let go by hand
                connection.execute(POLLER_UNLOCK)
                connection.commit()
        return
    with _file_lock(database) as held:
        if not held:
            raise AnotherPoller("another pfa-bot already polls Telegram with this database")
        yield


@contextlib.contextmanager
def _file_lock(database: Engine) -> Iterator[bool]:
    """SQLite: an exclusive lock on a file beside the database (never the database file itself:
    closing any descriptor of that would drop SQLite's own locks)."""
    path = database.url.database
    if not path or path == ":memory:":
        yield True
        return
    with Path(f"{path}.poller").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
