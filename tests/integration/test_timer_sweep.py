"""The timer sweep on real databases, with the real scheduler running: a timer that fails does not
stop the ones after it, and it is tried again with a growing pause, not once a sweep."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest

from bot.bootstrap import App, bootstrap
from bot.staff import StaffIdentity
from flows.events import parse_text

PERSON = "console:person"
SAM, SUE = StaffIdentity(name="Sam Jones"), StaffIdentity(name="Sue Park")
# A key the desk cannot read: firing it raises, every time.
POISON = "case:not-a-number:ack"


@pytest.fixture
def app(database, database_url, cipher, clock):
    application = bootstrap(database_url, cipher, clock=clock.now)
    application.admin.add_staff("Sam Jones", "counsellor", None)
    application.admin.add_staff("Sue Park", "supervisor", None)
    yield application
    application.close()


def paging_step(app: App) -> int:
    with app.unit_of_work() as uow:
        case = uow.cases.get(1)
    assert case is not None
    return case.paging_step


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)
    return condition()


def test_a_timer_that_fails_holds_up_none_of_the_timers_after_it(app, clock, caplog):
    for who in (SAM, SUE):
        app.staff.handle(who, "/oncall on")
    for text in ("/start", "I agree, let's start", "United Kingdom", "tired", "5", "Talk to a person"):
        app.conversations.handle(PERSON, parse_text(text))
    with app.unit_of_work() as uow:
        uow.timers.set(POISON, clock.now())
        uow.commit()
    app.start_timers()
    # The first acknowledge timeout passes: the sweep, not a test call, fires it past the poison.
    clock.advance(minutes=3, seconds=1)
    assert wait_for(lambda: paging_step(app) == 1)
    # And the one after that too, with the poison failing all along.
    clock.advance(minutes=3, seconds=1)
    assert wait_for(lambda: paging_step(app) == 2)
    assert POISON in [key for key, _ in app.timers.pending()]
    failures = [r for r in caplog.records if r.getMessage() == "a timer failed"]
    # Tried again after 1 s, then 2 s, ...: a handful of lines, not one per sweep.
    assert 1 <= len(failures) <= 4
    assert all(r.levelno == logging.ERROR and r.timer == "case" for r in failures)
