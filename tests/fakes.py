"""Hand-written fakes of the ports the tests control: a clock that moves only when told."""

from __future__ import annotations

import datetime as dt


class FakeClock:
    def __init__(self, start: dt.datetime | None = None):
        self.moment = start or dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)  # a Friday afternoon

    def now(self) -> dt.datetime:
        return self.moment

    def advance(self, **delta: float) -> dt.datetime:
        self.moment += dt.timedelta(**delta)
        return self.moment
