"""Polling stays one process: a second poller on the same database is refused while the first runs,
and may start once it has stopped (or died: the server, or the kernel for SQLite, frees the lock)."""

from __future__ import annotations

import pytest

from storage.sole_poller import AnotherPoller, sole_poller


def test_a_second_poller_is_refused_while_the_first_polls(database):
    refused = pytest.raises(AnotherPoller, match="another pfa-bot already polls")
    with sole_poller(database), refused, sole_poller(database):
        pytest.fail("two pollers ran at once")
    with sole_poller(database):
        pass  # the first has stopped: the next may poll
