"""Delivery and channel records: what waits in the outbox, and what a channel remembers.

The outbox holds messages for someone other than the sender of the current update (pages, relays,
notices, replies from staff): a console takes its own, a worker claims a batch under a lease and
marks each delivered once sent. Channel records are the updates already handled (so one delivered
twice is handled once) and where each page was posted (so a claimed page can be edited).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.failpoints import failpoint
from flows.ports import Clock, Delivery, UnitOfWork


class OutboxService:
    """The outbox, one transaction per call."""

    def __init__(self, unit_of_work: Callable[[], UnitOfWork], clock: Clock):
        self._unit_of_work = unit_of_work
        self._clock = clock

    def take_deliveries(self, recipients: list[str]) -> list[Delivery]:
        """What is waiting in the outbox for these recipients, marked delivered as it is taken."""
        with self._unit_of_work() as uow:
            deliveries = uow.outbox.pending(recipients)
            for delivery in deliveries:
                uow.outbox.delivered(delivery.id, self._clock())
            uow.commit()
        return deliveries

    def pending_deliveries(self, prefix: str) -> list[Delivery]:
        """Undelivered outbox messages for addresses starting with `prefix`, left pending until marked."""
        with self._unit_of_work() as uow:
            return uow.outbox.pending_matching(prefix)

    def claim_deliveries(self, prefix: str, lease: dt.timedelta) -> list[Delivery]:
        """Undelivered outbox messages for `prefix` that no other worker holds, now held by this one
        for `lease`: mark each delivered once sent; one left unmarked is sent again after the lease."""
        with self._unit_of_work() as uow:
            now = self._clock()
            deliveries = uow.outbox.claim_matching(prefix, now, now + lease)
            uow.commit()
        if deliveries:
            failpoint("deliveries_claimed")
        return deliveries

    def mark_delivered(self, delivery_ids: list[int]) -> None:
        with self._unit_of_work() as uow:
            for delivery_id in delivery_ids:
                uow.outbox.delivered(delivery_id, self._clock())
            uow.commit()


class ChannelRecordService:
    """What chat channels remember, one transaction per call."""

    def __init__(self, unit_of_work: Callable[[], UnitOfWork]):
        self._unit_of_work = unit_of_work

    def first_time(self, channel: str, update_id: int) -> bool:
        """Record an update as handled; False when it was handled before (by any worker)."""
        with self._unit_of_work() as uow:
            fresh = uow.channels.first_time(channel, update_id)
            uow.commit()
        return fresh

    def record_page(self, case_id: int, chat_id: int, message_id: int) -> None:
        with self._unit_of_work() as uow:
            uow.channels.add_page(case_id, chat_id, message_id)
            uow.commit()

    def pages(self, case_id: int) -> list[tuple[int, int]]:
        with self._unit_of_work() as uow:
            return uow.channels.pages(case_id)
