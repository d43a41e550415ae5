"""Workers on one PostgreSQL handle one person's events one at a time: a transaction-scoped lock on
the person, taken when their conversation is read. A worker killed holding it frees it at once (the
server ends its session), so the person is never stuck behind a dead worker. Real processes."""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import os
import signal
import time

import pytest
from sqlalchemy import Engine

from bot.bootstrap import bootstrap
from bot.clock import system_clock
from flows.events import parse_text
from storage.encryption import Cipher, generate_key
from storage.unit_of_work import SqlAlchemyUnitOfWork

PERSON = "telegram:4242"
pytestmark = pytest.mark.postgres


def hold_person(url: str, key: str, held: multiprocessing.synchronize.Event, seconds: float) -> None:
    """Another worker mid-transaction on the person: reads them (taking the lock) and stays."""
    engine = bootstrap(url, Cipher([key.encode()])).database
    with SqlAlchemyUnitOfWork(engine, Cipher([key.encode()]), system_clock) as uow:
        uow.conversations.get(PERSON)
        held.set()
        time.sleep(seconds)
        uow.commit()


@pytest.fixture
def url(database_url: str, database: Engine) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("the per-person lock is PostgreSQL's; SQLite runs units of work one by one")
    return database_url


def start_holder(url: str, key: str, seconds: float) -> multiprocessing.Process:
    held = multiprocessing.get_context("spawn").Event()
    process = multiprocessing.get_context("spawn").Process(target=hold_person, args=(url, key, held, seconds))
    process.start()
    assert held.wait(30), "the other worker never took the person"
    return process


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_persons_next_event_waits_for_the_worker_handling_their_last(url):
    key = generate_key()
    holder = start_holder(url, key, seconds=2.0)
    app = bootstrap(url, Cipher([key.encode()]))
    started = time.monotonic()
    replies = app.conversations.handle(PERSON, parse_text("/start")).replies
    waited = time.monotonic() - started
    holder.join(10)
    app.close()
    assert replies and waited >= 1.0  # it ran after the other worker's transaction, not beside it


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_worker_killed_holding_a_person_frees_them_at_once(url):
    key = generate_key()
    holder = start_holder(url, key, seconds=600.0)
    app = bootstrap(url, Cipher([key.encode()]))
    os.kill(holder.pid or 0, signal.SIGKILL)
    started = time.monotonic()
    replies = app.conversations.handle(PERSON, parse_text("/start")).replies
    holder.join(10)
    app.close()
    assert replies and "Hi, I'm pfa-bot" in replies[0].text
    assert time.monotonic() - started < 5.0
