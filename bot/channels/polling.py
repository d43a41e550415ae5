"""A background poller that hands a console what the outbox holds for it, as it arrives."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Backoff:
    """How long to wait before the next round: `every` while rounds succeed, doubling up to `most`
    while they fail. A failing streak is logged once when it starts and once when it ends, not on
    every round: an outage must not flood the logs ten times a second."""

    def __init__(self, every: float, most: float = 5.0):
        self.every = every
        self._most = most
        self._failures = 0

    def succeeded(self) -> float:
        if self._failures:
            log.warning("the database answers again after %s failed rounds", self._failures)
        self._failures = 0
        return self.every

    def failed(self, what: str) -> float:
        if not self._failures:
            log.exception("%s failed; trying again with backoff", what)
        self._failures += 1
        return float(min(self._most, self.every * 2**self._failures))


class Poller:
    """Calls `poll` every `every` seconds on a daemon thread until stopped, then once more; while it
    fails, waits longer between tries (see Backoff)."""

    def __init__(self, poll: Callable[[], None], every: float = 0.1):
        self._poll = poll
        self._backoff = Backoff(every)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-poller", daemon=True)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with contextlib.suppress(Exception):  # a last round; the database may still be away
            self._poll()

    def _run(self) -> None:
        wait = self._backoff.every
        while not self._stop.wait(wait):
            try:
                self._poll()
            except Exception:  # a database hiccup must not stop deliveries for good
                wait = self._backoff.failed("polling the outbox")
            else:
                wait = self._backoff.succeeded()
