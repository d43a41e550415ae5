"""Timers are entry points too: a fired timer enters the core through the same services as a message."""

from __future__ import annotations

import datetime as dt
import logging

from bot.failpoints import failpoint
from bot.retry import retry_on_conflict
from bot.scheduling import TimerScheduler
from bot.service import DeskService
from flows.events import TimerFired
from flows.ports import UnitOfWork

log = logging.getLogger(__name__)


class TimerService(DeskService):
    """Fires due timers, each exactly once, into the desk or the person's conversation."""

    @property
    def scheduler(self) -> TimerScheduler:
        return self._conversations.scheduler

    def fire(self, key: str) -> bool:
        """Fire one timer if it is due and nobody fired it yet; True when this call fired it."""
        try:
            return self._fire(key)
        except Exception:
            log.exception("a timer failed", extra={"timer": key.split(":", 1)[0]})
            return False

    def fire_due(self) -> int:
        """Fire every timer that is due now (what a scheduler does; tests call it with a set clock)."""
        return sum(self.fire(key) for key, due in self.pending() if due <= self._clock())

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
