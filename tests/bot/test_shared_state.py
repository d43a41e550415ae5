"""State in the shell that worker threads share (Telegram's handlers, the scheduler's timers),
driven by real threads at once: every call counts, none is lost or counted twice."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.service import FloodGuard

THREADS = 16
CALLS = 200
PEOPLE = 4
LIMIT = 50
NOW = dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def switch_threads_often() -> Iterator[None]:
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.parametrize("attempt", range(20))
def test_the_flood_guard_lets_exactly_the_limit_through_and_refuses_once_with_threads_at_once(attempt):
    guard = FloodGuard(limit=LIMIT)
    start = threading.Barrier(THREADS)

    def one_thread(number: int) -> tuple[Counter[str], Counter[str]]:
        let_through: Counter[str] = Counter()
        told: Counter[str] = Counter()
        start.wait()
        for call in range(CALLS):
            person = f"telegram:{(number + call) % PEOPLE}"
            if not guard.over(person, NOW):
                let_through[person] += 1
            elif guard.first_refusal(person):
                told[person] += 1
        return let_through, told

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(one_thread, range(THREADS)))
    let_through = sum((result[0] for result in results), Counter())
    told = sum((result[1] for result in results), Counter())
    people = [f"telegram:{number}" for number in range(PEOPLE)]
    assert let_through == dict.fromkeys(people, LIMIT)
    assert told == dict.fromkeys(people, 1)
