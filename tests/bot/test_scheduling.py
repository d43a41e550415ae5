"""The scheduler's own loop and jobs survive errors: real APScheduler threads, real waits (short)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

from apscheduler.events import EVENT_JOB_EXECUTED
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore

from bot.clock import system_clock
from bot.scheduling import APSchedulerTimers, Guarded, GuardedScheduler, wake_up_id

WAIT = 10.0


class JobGoneStore(MemoryJobStore):  # type: ignore[misc]
    """A job store in which another process removed a job just as this one ran it, once: what a
    shared job store did, and what ended APScheduler's loop for good."""

    def __init__(self) -> None:
        super().__init__()
        self.removed_elsewhere = threading.Event()

    def remove_job(self, job_id: str) -> None:
        if not self.removed_elsewhere.is_set():
            super().remove_job(job_id)
            self.removed_elsewhere.set()
            raise JobLookupError(job_id)
        super().remove_job(job_id)


def test_the_loop_goes_on_after_an_error_and_runs_the_next_job(caplog):
    store = JobGoneStore()
    scheduler = GuardedScheduler(jobstores={"default": store}, timezone=dt.UTC)
    first, second = threading.Event(), threading.Event()
    scheduler.start()
    try:
        scheduler.add_job(first.set, "date", run_date=system_clock())
        # The job runs in a worker thread, the removal in the loop: wait for both.
        assert first.wait(WAIT) and store.removed_elsewhere.wait(WAIT)
        scheduler.add_job(second.set, "date", run_date=system_clock() + dt.timedelta(seconds=0.5))
        assert second.wait(WAIT), "the scheduler stopped after the error"
    finally:
        scheduler.shutdown(wait=False)
    assert "the timer loop hit an error; it goes on" in caplog.messages


def test_a_failing_job_logs_when_it_starts_failing_and_when_it_works_again(caplog):
    outcomes: list[Any] = [OSError(), OSError(), OSError(), None]

    def job() -> None:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    guarded = Guarded("the timer sweep", job)
    with caplog.at_level(logging.WARNING):
        for _ in range(4):
            guarded()
    assert caplog.messages == ["the timer sweep failed; it is tried again", "the timer sweep works again"]


class CountingSweep:
    """A sweep that records each time it runs."""

    def __init__(self) -> None:
        self.runs = 0
        self.ran = threading.Event()

    def __call__(self) -> None:
        self.runs += 1
        self.ran.set()


def test_a_wake_up_sweeps_at_its_due_time_even_when_added_quietly():
    """A wake-up due after the next sweep does not wake the loop when added, and still runs:
    the loop looks at the jobs again when it wakes for the sweep."""
    sweep = CountingSweep()
    timers = APSchedulerTimers(sweep, sweep_every=dt.timedelta(seconds=0.3))
    timers.start()
    try:
        sweep.ran.wait(WAIT)
        woken = threading.Event()
        timers.every(dt.timedelta(hours=1), lambda: None, name="idle")
        timers.apply([("person:console:a:idle", system_clock() + dt.timedelta(seconds=0.5))])
        timers._scheduler.add_listener(lambda _event: woken.set(), mask=EVENT_JOB_EXECUTED)
        assert woken.wait(WAIT)
        deadline = system_clock() + dt.timedelta(seconds=WAIT)
        while timers._wake_ups and system_clock() < deadline:
            woken.clear()
            woken.wait(0.2)
        assert timers._wake_ups == {}, "a wake-up that ran is forgotten"
    finally:
        timers.shutdown()


def test_a_timer_set_again_to_the_same_moment_adds_no_job_and_a_cancel_removes_it():
    timers = APSchedulerTimers(CountingSweep())
    timers.start()
    try:
        due = system_clock() + dt.timedelta(hours=1)
        timers.apply([("person:console:a:idle", due)])
        first = timers._scheduler.get_job(wake_up_id("person:console:a:idle"))
        timers.apply([("person:console:a:idle", due)])
        assert timers._scheduler.get_job(wake_up_id("person:console:a:idle")) is first
        timers.apply([("person:console:a:idle", None), ("person:console:b:idle", None)])
        assert timers._scheduler.get_job(wake_up_id("person:console:a:idle")) is None
        assert timers._wake_ups == {}
    finally:
        timers.shutdown()


def test_stopping_while_a_job_sets_a_timer_waits_for_that_job_and_does_not_hang():
    """APScheduler's own shutdown(wait=True) holds its job store's lock while it waits for the
    running job, and that job, setting the next timer, waits for the same lock: a hang for good."""
    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    soon = system_clock() + dt.timedelta(minutes=5)

    def sweep() -> None:
        if started.is_set():
            return
        started.set()
        release.wait(timeout=5)
        timers.apply([("case:1:ack", soon)])  # a fired timer sets the next one
        finished.set()

    timers = APSchedulerTimers(sweep, sweep_every=dt.timedelta(milliseconds=20))
    timers.start()
    assert started.wait(timeout=5)
    stopping = threading.Thread(target=timers.shutdown, daemon=True)
    stopping.start()
    time.sleep(0.2)  # the stop is under way while the job is still in hand
    release.set()
    stopping.join(timeout=10)
    assert not stopping.is_alive(), "stopping the scheduler hung"
    assert finished.is_set()  # it waited for the job in hand to end


def test_no_job_starts_once_the_scheduler_has_stopped():
    runs: list[float] = []
    every = dt.timedelta(milliseconds=10)
    timers = APSchedulerTimers(lambda: runs.append(time.monotonic()), sweep_every=every)
    timers.start()
    time.sleep(0.2)
    timers.shutdown()
    stopped = time.monotonic()
    time.sleep(0.2)
    assert runs and all(run < stopped for run in runs)
