"""A background poller that hands a console what the outbox holds for it, as it arrives."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Poller:
    """Calls `poll` every `every` seconds on a daemon thread until stopped, then once more."""

    def __init__(self, poll: Callable[[], None], every: float = 0.1):
        self._poll = poll
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-poller", daemon=True)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._poll()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._poll()
            except Exception:  # a database hiccup must not stop deliveries for good
                log.exception("polling the outbox failed; trying again")
