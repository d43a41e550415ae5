"""Pollers live through an outage: they back off while it lasts and say so once, not every round."""

from __future__ import annotations

import logging
import threading

from bot.channels.polling import Backoff, Poller


def test_backoff_doubles_to_a_ceiling_and_logs_an_outage_once_at_each_end(caplog):
    backoff = Backoff(0.1, most=2.0)
    with caplog.at_level(logging.INFO):
        try:
            raise ConnectionError("database went away")
        except ConnectionError:
            waits = [backoff.failed("polling the outbox") for _ in range(8)]
        assert waits == [0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0, 2.0]
        assert backoff.succeeded() == 0.1
        assert backoff.succeeded() == 0.1
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "polling the outbox failed; trying again with backoff",
        "the database answers again after 8 failed rounds",
    ]


def test_a_poller_keeps_polling_after_failures():
    calls: list[int] = []
    recovered = threading.Event()

    def poll() -> None:
        calls.append(1)
        if len(calls) <= 3:
            raise ConnectionError("database went away")
        recovered.set()

    with Poller(poll, every=0.01):
        assert recovered.wait(timeout=10)
    assert len(calls) >= 4
