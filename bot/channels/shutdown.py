"""Stopping on SIGTERM without cutting a message in half: the one in hand is finished, then we stop."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager


class GracefulStop:
    """Defers SIGTERM until the message being handled is saved."""

    def __init__(self) -> None:
        self.busy = False
        self.requested = False

    def install(self) -> GracefulStop:
        signal.signal(signal.SIGTERM, self._on_term)
        return self

    @contextmanager
    def handling(self) -> Iterator[None]:
        """Wrap the handling of one message: a SIGTERM meanwhile takes effect once it is saved."""
        self.busy = True
        try:
            yield
        finally:
            self.busy = False
        if self.requested:
            raise KeyboardInterrupt

    def _on_term(self, signum: int, frame: object) -> None:
        self.requested = True
        if not self.busy:
            raise KeyboardInterrupt
