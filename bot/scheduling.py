"""Timers: the `timers` table is the one truth; each process wakes itself and sweeps the table.

- A timer is a row (key, due time) written in the same transaction as whatever set it.
- Processes share nothing else about timers. Each runs APScheduler with jobs in memory only: a
  wake-up at the due time of each timer this process set, and a sweep every `SWEEP_EVERY` that
  fires whatever is due, whoever set it (so also timers of other processes, of a process that died,
  and any wake-up that was missed). A job store shared through the database let one process delete
  a job another was about to run, and APScheduler's loop died of the lookup error: never again.
- Firing goes through `Timers.take`, a conditional UPDATE that exactly one process wins.
- No error ends the scheduler: its loop is guarded, every job is guarded, and the sweep logs an
  outage once when it starts failing and once when it works again. Nothing needs a restart.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)
SWEEP_EVERY = dt.timedelta(seconds=1)
# How soon the scheduler's loop looks again after an error of its own (APScheduler would have died).
LOOP_RETRY_SECONDS = 1.0
# How long stopping waits for a job in hand (a timer being fired) before it gives up on it.
SHUTDOWN_WAIT_SECONDS = 30.0


class TimerScheduler(ABC):
    """Wakes the process when a timer in the timers table comes due."""

    @abstractmethod
    def apply(self, changes: list[tuple[str, dt.datetime | None]]) -> None:
        """Follow what a committed unit of work set (a due time) or cancelled (None)."""


class NoScheduler(TimerScheduler):
    """For processes that run no timers: the table keeps them for a process that sweeps it."""

    def apply(self, changes: list[tuple[str, dt.datetime | None]]) -> None:
        return None


class GuardedScheduler(BackgroundScheduler):  # type: ignore[misc]  # APScheduler 3 ships no types
    """APScheduler whose loop survives an error while it looks for due jobs.

    Unguarded, any exception there (such as a job removed under it) ends the scheduler's thread,
    and with it every timer of the process, silently.
    """

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)
        self._quiet = threading.local()

    def wakeup(self) -> None:
        """APScheduler wakes its loop on every job added: a thread switch on every message. A job
        added `quietly` is one due after the loop's next wake anyway, which re-reads the jobs then."""
        if not getattr(self._quiet, "on", False):
            super().wakeup()

    @contextlib.contextmanager
    def quietly(self) -> Iterator[None]:
        self._quiet.on = True
        try:
            yield
        finally:
            self._quiet.on = False

    def _process_jobs(self) -> float | None:
        try:
            wait: float | None = super()._process_jobs()
        except Exception:
            log.exception("the timer loop hit an error; it goes on")
            return LOOP_RETRY_SECONDS
        return wait


class Guarded:
    """A job that never raises into the scheduler: a failure is logged when it starts, and its end
    is logged too, so an outage gives two lines, not one a second. Runs one at a time, and not at
    all once closed."""

    def __init__(self, name: str, job: Callable[[], object]):
        self.name = name
        self._job = job
        self._lock = threading.Lock()
        self._failing = False
        self._closed = False

    def __call__(self) -> None:
        with self._lock:
            if self._closed:
                return
            try:
                self._job()
            except Exception:
                if not self._failing:
                    log.exception("%s failed; it is tried again", self.name)
                self._failing = True
                return
            if self._failing:
                log.warning("%s works again", self.name)
            self._failing = False

    def close(self, timeout: float) -> bool:
        """Wait for a run in hand to end (False if it outlasts `timeout`); no run starts after."""
        finished = self._lock.acquire(timeout=timeout)
        self._closed = True
        if finished:
            self._lock.release()
        return finished


def wake_up_id(key: str) -> str:
    """The in-memory job id for a timer: a hash, so no person's id ever reaches APScheduler."""
    return "wake:" + hashlib.sha256(key.encode()).hexdigest()[:16]


class APSchedulerTimers(TimerScheduler):
    """Wake-ups for this process's own timers plus a sweep of the table, all in memory."""

    def __init__(self, sweep: Callable[[], object], sweep_every: dt.timedelta = SWEEP_EVERY):
        self._sweep = Guarded("the timer sweep", sweep)
        self._jobs = [self._sweep]  # every job of this process, each run under its own lock
        self._sweep_every = sweep_every
        self._sweep_job: Job | None = None
        # The due time of each wake-up this process holds, by job id: a timer set again to the same
        # moment (most messages do) touches no scheduler at all. An entry goes when its job runs or
        # is cancelled, so this holds no more than the scheduler does.
        self._wake_ups: dict[str, dt.datetime] = {}
        self._wake_ups_lock = threading.Lock()
        self._scheduler = GuardedScheduler(
            jobstores={"default": MemoryJobStore()},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=dt.UTC,
        )

    def start(self) -> None:
        self._scheduler.start()
        self._sweep_job = self.every(self._sweep_every, self._sweep, name="sweep")

    def every(self, interval: dt.timedelta, job: Callable[[], object], name: str = "job") -> Job:
        """A recurring job of this process (each process that runs timers adds its own)."""
        guarded = job if isinstance(job, Guarded) else Guarded(name, job)
        if guarded not in self._jobs:
            self._jobs.append(guarded)
        return self._scheduler.add_job(guarded, "interval", seconds=interval.total_seconds(), name=name)

    def shutdown(self, timeout: float = SHUTDOWN_WAIT_SECONDS) -> None:
        """Stop, after the job in hand (a timer being fired) ends: its transaction commits or rolls
        back whole, and its connection is back in the pool before the pool is disposed (one returned
        to a disposed pool is never closed, and leaks)."""
        # Not APScheduler's shutdown(wait=True): it holds the job store's lock while it waits for
        # the running job, and a job that sets a timer then (a fired timer sets the next) waits for
        # that lock: neither ever ends (seen under load). So stop at once, then wait for our jobs.
        self._scheduler.shutdown(wait=False)
        for job in self._jobs:
            if not job.close(timeout):
                log.warning("%s was still running when the scheduler stopped", job.name)

    def apply(self, changes: list[tuple[str, dt.datetime | None]]) -> None:
        """Wake up when a timer set here comes due; a cancelled one needs no wake-up (the table
        decides what fires, so a stray wake-up only sweeps)."""
        for key, due in changes:
            job_id = wake_up_id(key)
            with self._wake_ups_lock:
                if self._wake_ups.get(job_id) == due:
                    continue
                held = self._wake_ups.pop(job_id, None) is not None
                if due is not None:
                    self._wake_ups[job_id] = due
            if due is None:
                if held:
                    with contextlib.suppress(JobLookupError):
                        self._scheduler.remove_job(job_id)
            else:
                self._wake_up_at(job_id, due)

    def _wake_up_at(self, job_id: str, due: dt.datetime) -> None:
        sweep = self._sweep_job
        after_next_sweep = sweep is not None and sweep.next_run_time is not None and due > sweep.next_run_time
        with self._scheduler.quietly() if after_next_sweep else contextlib.nullcontext():
            self._scheduler.add_job(
                self._woken,
                "date",
                args=[job_id],
                run_date=due,
                id=job_id,
                replace_existing=True,
                name="wake-up",
            )

    def _woken(self, job_id: str) -> None:
        with self._wake_ups_lock:
            self._wake_ups.pop(job_id, None)
        self._sweep()
