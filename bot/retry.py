"""Run a whole unit of work again when it collided with another writer: never drop what was sent.

Two processes may write one conversation at once (a person's two devices; a person and their
counsellor). The storage layer's version check lets one win; the other is not an error but a
reason to read again and redo the same work from the new state.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from flows.ports import WriteConflict

log = logging.getLogger(__name__)
T = TypeVar("T")
ATTEMPTS = 20
# The first retries come almost at once; later ones back off so that a busy row gets room.
FIRST_PAUSE = 0.002
LONGEST_PAUSE = 0.25


def retry_on_conflict(
    work: Callable[[], T], attempts: int = ATTEMPTS, pause: Callable[[float], None] = time.sleep
) -> T:
    """Run `work`, one whole unit of work, again from the start each time it ends in a WriteConflict."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except WriteConflict:
            if attempt == attempts:
                raise
            log.info("a unit of work met another writer; running it again", extra={"attempt": attempt})
            pause(random.uniform(0, min(LONGEST_PAUSE, FIRST_PAUSE * 2**attempt)))
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
