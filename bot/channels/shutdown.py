"""Stopping on SIGTERM without cutting a message in half: the one in hand is finished, then we stop."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class GracefulStop:
    """Defers SIGTERM until the message being handled is saved."""

    def __init__(self) -> None:
        self.busy = False
        self.requested = False
        self._installed = False

    def install(self) -> GracefulStop:
        signal.signal(signal.SIGTERM, self._on_term)
        self._installed = True
        return self

    def stop_from_within(self) -> None:
        """Stop as a SIGTERM would (the message in hand is finished first), asked from another thread.

        Sent to the main thread itself, so that a read from stdin it is blocked in is interrupted.
        Without the handler installed (a console run inside another program) there is nothing to do:
        the console's own loop stops at its next line."""
        if self._installed:
            main = threading.main_thread().ident
            assert main is not None
            signal.pthread_kill(main, signal.SIGTERM)

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
