"""One process holds at most PFA_DATABASE_POOL_SIZE connections on a database server, however busy."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bot.bootstrap import SetupError, bootstrap
from flows.events import parse_text
from storage import database
from storage.database import make_engine, normalise_url
from storage.migrate import upgrade
from tests.conftest import _reset_postgres

POSTGRES = os.environ.get("PFA_TEST_POSTGRES_URL")


@pytest.fixture
def postgres() -> Iterator[str]:
    assert POSTGRES is not None
    _reset_postgres(POSTGRES)
    migrating = make_engine(POSTGRES)
    upgrade(migrating)
    migrating.dispose()
    yield POSTGRES


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES, reason="needs PFA_TEST_POSTGRES_URL (CI sets it)")
def test_sixteen_busy_threads_share_a_pool_of_two_connections(postgres, monkeypatch, cipher):
    monkeypatch.setenv("PFA_DATABASE_POOL_SIZE", "2")
    watcher = create_engine(normalise_url(postgres))  # not the service's name: it does not count itself
    with watcher.connect() as connection:
        # Only connections opened from now on are this service's: an earlier test's may linger.
        since = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
    app = bootstrap(postgres, cipher)
    app.conversations.flood = None
    seen: list[int] = []
    done = threading.Event()

    def watch() -> None:
        query = text(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'pfa-bot' "
            "AND datname = current_database() AND backend_start >= :since"
        )
        with watcher.connect() as connection:
            while not done.wait(0.005):
                seen.append(connection.execute(query, {"since": since}).scalar_one())

    def person(number: int) -> bool:
        user = f"console:pool-{number}"
        replies = [app.conversations.handle(user, parse_text(t)).replies for t in ("/start", "I agree", "UK")]
        return all(replies) and not any("went wrong" in r[0].text for r in replies)

    watching = threading.Thread(target=watch)
    watching.start()
    with ThreadPoolExecutor(16) as threads:
        answered = list(threads.map(person, range(48)))
    done.set()
    watching.join()
    app.close()
    watcher.dispose()
    assert all(answered)
    assert seen and max(seen) <= 2


@pytest.mark.parametrize("size", ["0", "many", "-3"])
def test_a_pool_size_that_is_not_a_whole_number_stops_the_start(monkeypatch, cipher, tmp_path, size):
    monkeypatch.setenv("PFA_DATABASE_POOL_SIZE", size)
    with pytest.raises(SetupError, match="PFA_DATABASE_POOL_SIZE"):
        bootstrap(f"sqlite:///{tmp_path / 'p.db'}", cipher)


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def end_backend(pid: int) -> None:
    assert POSTGRES is not None
    killer = create_engine(normalise_url(POSTGRES))
    with killer.begin() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES, reason="needs PFA_TEST_POSTGRES_URL (CI sets it)")
def test_a_pooled_connection_the_server_ended_while_idle_is_replaced_unseen(postgres, monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)
    engine = make_engine(postgres, pool_size=1)
    try:
        first = backend_pid(engine)
        end_backend(first)
        assert backend_pid(engine) != first  # pinged on checkout, found dead, replaced: no error
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES, reason="needs PFA_TEST_POSTGRES_URL (CI sets it)")
def test_a_connection_used_a_moment_ago_is_not_pinged_and_a_break_costs_one_try(postgres, monkeypatch):
    """No round trip for a connection in steady use; if the server ended it meanwhile, the one unit
    of work that meets it fails (a message is then spooled) and the next gets a fresh connection."""
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 3600.0)
    engine = make_engine(postgres, pool_size=1)
    try:
        first = backend_pid(engine)
        end_backend(first)
        with pytest.raises(OperationalError):
            backend_pid(engine)
        assert backend_pid(engine) != first
    finally:
        engine.dispose()
