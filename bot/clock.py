"""The machine's clock, read in one place: bootstrap hands it to every service and repository.

Tests give a `tests.fakes.FakeClock` instead, so nothing they store is stamped by the real time.
"""

from __future__ import annotations

import datetime as dt


def system_clock() -> dt.datetime:
    """Now, in UTC."""
    return dt.datetime.now(dt.UTC)
