"""One engine and one case rulebook shared by real threads, as the Telegram workers and the
scheduler's timers share them: every event, in every thread, gets exactly the outcome it gets alone."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
import transitions

from flows.conversation import Conversation
from flows.engine import Engine
from flows.events import Event, parse_text
from flows.intents import Reply
from flows.oncall.lifecycle import after, allowed
from flows.oncall.model import CaseStatus
from tests.scripts import TYPICAL_CONVERSATION

THREADS = 16
CONVERSATIONS_PER_THREAD = 10
NOW = dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)
SCRIPT = TYPICAL_CONVERSATION
EVENTS = [parse_text(text) for text in SCRIPT]
# What a person sees and where they are after each message: (position, every reply's text and options).
Seen = tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]
T = TypeVar("T")


@pytest.fixture(autouse=True)
def switch_threads_often() -> Iterator[None]:
    """Let the interpreter switch threads every few microseconds, so that races show on every run."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def seen_after(engine: Engine, conversation: Conversation, event: Event) -> tuple[Conversation, Seen]:
    outcome = engine.handle(conversation, event, now=NOW)
    replies = tuple(
        (intent.text, tuple(option.id for option in intent.options))
        for intent in outcome.intents
        if isinstance(intent, Reply)
    )
    return outcome.conversation, (outcome.conversation.position, replies)


def talk(engine: Engine, user_ids: list[str]) -> dict[str, list[Seen]]:
    """Take these people through the script together, one message from each in turn."""
    conversations = {user_id: Conversation(user_id) for user_id in user_ids}
    seen: dict[str, list[Seen]] = {user_id: [] for user_id in user_ids}
    for event in EVENTS:
        for user_id in user_ids:
            conversations[user_id], after_event = seen_after(engine, conversations[user_id], event)
            seen[user_id].append(after_event)
    return seen


def all_at_once(work: Callable[[int], T]) -> list[T]:
    """Run `work(number)` in THREADS real threads that start together."""
    start = threading.Barrier(THREADS)

    def together(number: int) -> T:
        start.wait()
        return work(number)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(together, range(THREADS)))


def test_one_engine_shared_by_threads_gives_every_event_the_outcome_it_gets_alone():
    alone = talk(Engine(), ["alone"])["alone"]
    assert alone[-1][0] != alone[0][0] and all(replies for _, replies in alone)
    shared = Engine()

    def one_thread(number: int) -> dict[str, list[Seen]]:
        return talk(shared, [f"thread{number}:{index}" for index in range(CONVERSATIONS_PER_THREAD)])

    results = all_at_once(one_thread)
    events = sum(len(seen) for result in results for seen in result.values())
    assert events == THREADS * CONVERSATIONS_PER_THREAD * len(SCRIPT) == 3200
    wrong = {
        user_id: [number for number, pair in enumerate(zip(seen, alone, strict=True)) if pair[0] != pair[1]]
        for result in results
        for user_id, seen in result.items()
    }
    assert {user_id: numbers for user_id, numbers in wrong.items() if numbers} == {}


def test_threads_build_one_machine_each_however_many_messages_they_handle(monkeypatch):
    shared = Engine()
    built: list[int] = []
    original = transitions.Machine.__init__

    def counting(self: transitions.Machine, *args: object, **kwargs: object) -> None:
        built.append(threading.get_ident())
        original(self, *args, **kwargs)

    monkeypatch.setattr(transitions.Machine, "__init__", counting)
    all_at_once(lambda number: talk(shared, [f"thread{number}:{index}" for index in range(5)]))
    assert len(built) == len(set(built)) == THREADS


CASE_STEPS = [
    (CaseStatus.TRIGGERED, "claim", CaseStatus.CLAIMED),
    (CaseStatus.CLAIMED, "transfer", CaseStatus.CLAIMED),
    (CaseStatus.CLAIMED, "release", CaseStatus.TRIGGERED),
    (CaseStatus.TRIGGERED, "cancel", CaseStatus.CANCELLED),
    (CaseStatus.CLAIMED, "resolve", CaseStatus.RESOLVED),
]


def test_the_case_rulebook_shared_by_threads_answers_every_step_rightly():
    def one_thread(number: int) -> list[tuple[CaseStatus, str, CaseStatus | str]]:
        got: list[tuple[CaseStatus, str, CaseStatus | str]] = []
        for step in range(200):
            status, action, _ = CASE_STEPS[(number + step) % len(CASE_STEPS)]
            try:
                got.append((status, action, after(status, action)))
            except Exception as error:  # recorded, so that the assertion names every wrong step
                got.append((status, action, repr(error)))
            assert allowed(status, action)
        return got

    expected = {(status, action): dest for status, action, dest in CASE_STEPS}
    results = all_at_once(one_thread)
    assert sum(len(got) for got in results) == THREADS * 200
    wrong = [step for got in results for step in got if step[2] != expected[(step[0], step[1])]]
    assert wrong == []
