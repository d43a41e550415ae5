"""Timers: APScheduler jobs in a persistent SQLAlchemy job store, following the `timers` table.

The table is the truth, written in the same transaction as whatever set the timer; jobs are how a
process wakes up on time. At start (and every so often, to see timers other processes set) the
scheduler is reconciled with the table, so a restart never drops a timer, and `Timers.take` lets
exactly one firing through, so none fires twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine as DatabaseEngine

log = logging.getLogger(__name__)
RECONCILE_EVERY = dt.timedelta(seconds=5)
# The persistent job store needs an importable callable; it finds the running process's service here.
_FIRE: dict[str, Callable[[str], object]] = {}


class TimerScheduler(ABC):
    """Wakes the process when a timer in the timers table comes due."""

    @abstractmethod
    def apply(self, changes: list[tuple[str, dt.datetime | None]]) -> None:
        """Follow what a committed unit of work set (a due time) or cancelled (None)."""


class NoScheduler(TimerScheduler):
    """For processes that run no timers: the table keeps them for a scheduler that starts later."""

    def apply(self, changes: list[tuple[str, dt.datetime | None]]) -> None:
        return None


def fire_timer(key: str) -> None:
    """The job every timer runs: hand the key to this process's timer service."""
    _FIRE["fire"](key)


class APSchedulerTimers(TimerScheduler):
    """Timers as APScheduler date jobs in a persistent SQLAlchemy job store."""

    def __init__(
        self,
        database: DatabaseEngine,
        fire: Callable[[str], object],
        pending: Callable[[], list[tuple[str, dt.datetime]]],
    ):
        _FIRE["fire"] = fire
        self._pending = pending
        self._scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=database), "local": MemoryJobStore()},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
            timezone=dt.UTC,
        )

    def start(self) -> None:
        self._scheduler.start()
        self.reconcile()
        self._scheduler.add_job(
            self.reconcile, "interval", seconds=RECONCILE_EVERY.total_seconds(), jobstore="local"
        )

    def every(self, interval: dt.timedelta, job: Callable[[], object]) -> None:
        """A recurring job of this process (not persisted: each process that runs timers adds it)."""
        self._scheduler.add_job(job, "interval", seconds=interval.total_seconds(), jobstore="local")

    def shutdown(self) -> None:
        self._scheduler.shutdown(wait=False)

    def apply(self, changes: list[tuple[str, dt.datetime | None]]) -> None:
        for key, due in changes:
            if due is None:
                self._remove(key)
            else:
                self._add(key, due)
        self._scheduler.wakeup()

    def reconcile(self) -> None:
        """Make the jobs match the pending timers: add what is missing, drop what is gone."""
        pending = dict(self._pending())
        for job in self._scheduler.get_jobs(jobstore="default"):
            if job.id not in pending:
                self._remove(job.id)
        for key, due in pending.items():
            job = self._scheduler.get_job(key, jobstore="default")
            if job is None or job.next_run_time != due:
                self._add(key, due)

    def _add(self, key: str, due: dt.datetime) -> None:
        options: dict[str, Any] = {"id": key, "replace_existing": True, "args": [key], "jobstore": "default"}
        self._scheduler.add_job(fire_timer, "date", run_date=due, **options)

    def _remove(self, key: str) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(key, jobstore="default")
