"""Moves the wall clock of every Python process of a test run by the same offset, for CI's
clock-ahead run (no date bombs, no hour bombs).

Python loads `sitecustomize` at start from anything on PYTHONPATH, so with this folder there and
TEST_CLOCK_OFFSET_SECONDS set, pytest and every `pfa-bot` process it starts see the same shifted
wall clock, ticking. Only the wall clock moves (time.time, datetime.now and friends, through the
time-machine library): the monotonic clock, sleeps and timeouts are untouched, which libfaketime
could not give (with it, either sleeps or timed waits failed on this Python). The variable is not
named PFA_*, so tests that start processes with the service's settings cleared still pass it on.
"""

from __future__ import annotations

import os
import time

_offset = os.environ.get("TEST_CLOCK_OFFSET_SECONDS")
if _offset:
    import time_machine

    _shifted = time_machine.travel(time.time() + float(_offset), tick=True)
    _shifted.start()
