"""Timers are entry points too: a fired timer enters the core through the same services as a message."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from bot.desk import Desk
from bot.failpoints import failpoint
from bot.retry import retry_on_conflict
from bot.scheduling import TimerScheduler
from bot.service import ConversationService, DeskService
from flows.events import TimerFired
from flows.ports import UnitOfWork

log = logging.getLogger(__name__)


class FailingTimers:
    """Timers whose firing raised, each with when to try it again: 1 s, doubling up to 5 minutes,
    so that one that keeps failing neither floods the log nor delays the others."""

    FIRST_PAUSE = dt.timedelta(seconds=1)
    LONGEST_PAUSE = dt.timedelta(minutes=5)

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the sweep and a wake-up may fire from two threads
        self._retry: dict[str, tuple[dt.timedelta, dt.datetime]] = {}

    def ready(self, key: str, now: dt.datetime) -> bool:
        with self._lock:
            return key not in self._retry or self._retry[key][1] <= now

    def failed(self, key: str, now: dt.datetime) -> None:
        with self._lock:
            pause, _ = self._retry.get(key, (self.FIRST_PAUSE / 2, now))
            pause = min(pause * 2, self.LONGEST_PAUSE)
            self._retry[key] = (pause, now + pause)

    def forget(self, key: str) -> None:
        with self._lock:
            self._retry.pop(key, None)


class TimerService(DeskService):
    """Fires due timers, each exactly once, into the desk or the person's conversation."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        conversations: ConversationService,
        desk: Desk,
        clock: Callable[[], dt.datetime],
    ):
        super().__init__(unit_of_work, conversations, desk, clock)
        self._failing = FailingTimers()

    @property
    def scheduler(self) -> TimerScheduler:
        return self._conversations.scheduler

    def fire(self, key: str) -> bool:
        """Fire one timer if it is due and nobody fired it yet; True when this call fired it.

        A failure rolls back, leaves the timer due and is logged by kind only (a key may hold a
        person's id); the timer is tried again after a pause that grows while it keeps failing."""
        try:
            fired = self._fire(key)
        except Exception:
            log.exception("a timer failed", extra={"timer": key.split(":", 1)[0]})
            self._failing.failed(key, self._clock())
            return False
        self._failing.forget(key)
        return fired

    def fire_due(self) -> int:
        """Fire every timer that is due now, whichever process set it (the scheduler's sweep; tests
        call it with a set clock). One timer failing holds up none of the others."""
        now = self._clock()
        with self._unit_of_work() as uow:
            due = uow.timers.due(now)
        return sum(self.fire(key) for key in due if self._failing.ready(key, now))

    def pending(self) -> list[tuple[str, dt.datetime]]:
        with self._unit_of_work() as uow:
            return uow.timers.pending()

    def _fire(self, key: str) -> bool:
        changes = retry_on_conflict(lambda: self._fire_once(key))
        if changes is None:
            return False
        self.scheduler.apply(changes)
        return True

    def _fire_once(self, key: str) -> list[tuple[str, dt.datetime | None]] | None:
        """Take and route the timer in one transaction; None when it was not due or already fired."""
        with self._unit_of_work() as uow:
            if not uow.timers.take(key, self._clock()):
                return None
            self._route(uow, key)
            failpoint("timer_fired")
            uow.commit()
        return uow.timers.changes

    def _route(self, uow: UnitOfWork, key: str) -> None:
        if key.startswith("case:"):
            result = self._desk.on_timer(uow, key)
            for user_id, event in result.person_events:
                self._conversations.deliver(uow, user_id, event)
        elif key.startswith("person:"):
            # person:<channel>:<id>:<timer name>; the name itself may hold colons (checkin:3).
            _, channel, person, name = key.split(":", 3)
            self._conversations.deliver(uow, f"{channel}:{person}", TimerFired(name))
