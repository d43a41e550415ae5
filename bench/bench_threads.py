"""Ways to share the engine's `transitions` machine between threads, compared on the pure engine.

    python bench/bench_threads.py --threads 16 --conversations 10

Each thread takes its own conversations through a twenty-message script, one message from each
in turn, all threads at once; every outcome is compared with the one the same message gets alone.
Prints, per way of sharing: messages per second, p50/p99 latency per message, outcomes that were
wrong, and the cost of building one machine.
- unguarded: one queued machine, no lock (the engine before issue 11);
- rlock: one queued machine, each top-level transition under a re-entrant lock;
- lockedmachine: transitions' own LockedMachine, the conversation passed as the model;
- per-thread: one queued machine per thread, built on a thread's first transition (the engine now).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transitions import Machine, State
from transitions.extensions import LockedMachine

from flows.conversation import FIRST_STATE, Conversation
from flows.definition import STATES, TRANSITIONS
from flows.engine import Engine
from flows.events import parse_text
from flows.intents import Reply
from flows.turn import Turn
from tests.unit.test_threads import NOW, SCRIPT

EVENTS = [parse_text(text) for text in SCRIPT]


class Unguarded(Engine):
    """The machine as it was: one queue shared by every thread."""

    def __init__(self) -> None:
        super().__init__()
        self._shared = self._build_machine()

    def _fire(self, turn: Turn, trigger: str) -> None:
        self._shared.events[trigger].trigger(turn.conversation, turn=turn)


class WithRLock(Unguarded):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.RLock()

    def _fire(self, turn: Turn, trigger: str) -> None:
        with self._lock:
            super()._fire(turn, trigger)


class WithLockedMachine(Unguarded):
    def _build_machine(self) -> Machine:
        states = [State(name, on_enter=[self._entered]) for name in STATES]
        return LockedMachine(
            model=None,
            states=states,
            transitions=TRANSITIONS,
            initial=FIRST_STATE,
            auto_transitions=False,
            queued=True,
            send_event=True,
        )


WAYS: dict[str, Callable[[], Engine]] = {
    "unguarded": Unguarded,
    "rlock": WithRLock,
    "lockedmachine": WithLockedMachine,
    "per-thread": Engine,
}
Seen = tuple[str, tuple[str, ...]]


def seen(engine: Engine, conversation: Conversation, number: int) -> tuple[Conversation, Seen, float]:
    started = time.perf_counter()
    outcome = engine.handle(conversation, EVENTS[number], now=NOW)
    took = time.perf_counter() - started
    texts = tuple(intent.text for intent in outcome.intents if isinstance(intent, Reply))
    return outcome.conversation, (outcome.conversation.position, texts), took


def one_thread(engine: Engine, start: threading.Barrier, number: int, conversations: int, alone: list[Seen]):
    people = [Conversation(f"t{number}:{index}") for index in range(conversations)]
    latencies: list[float] = []
    wrong = 0
    start.wait()
    for step in range(len(EVENTS)):
        for index, conversation in enumerate(people):
            people[index], got, took = seen(engine, conversation, step)
            latencies.append(took)
            wrong += got != alone[step]
    return latencies, wrong


def run(way: Callable[[], Engine], threads: int, conversations: int) -> tuple[list[float], int, float]:
    engine = way()
    alone_engine, conversation, alone = way(), Conversation("alone"), []
    for step in range(len(EVENTS)):
        conversation, got, _ = seen(alone_engine, conversation, step)
        alone.append(got)
    start = threading.Barrier(threads + 1)
    with ThreadPoolExecutor(threads) as pool:
        futures = [pool.submit(one_thread, engine, start, n, conversations, alone) for n in range(threads)]
        start.wait()
        began = time.perf_counter()
        results = [future.result() for future in futures]
        elapsed = time.perf_counter() - began
    latencies = [took for result in results for took in result[0]]
    return latencies, sum(result[1] for result in results), elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--conversations", type=int, default=10, help="per thread")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    builds = []
    for _ in range(50):
        started = time.perf_counter()
        Engine()
        builds.append(time.perf_counter() - started)
    print(f"building one machine: {statistics.median(builds) * 1000:.2f} ms")
    print(f"{'way':<14} {'messages/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'wrong':>6}")
    for name, way in WAYS.items():
        for _ in range(args.rounds):
            latencies, wrong, elapsed = run(way, args.threads, args.conversations)
            print(
                f"{name:<14} {len(latencies) / elapsed:>10,.0f} {percentile(latencies, 0.5) * 1000:>8.2f}"
                f" {percentile(latencies, 0.99) * 1000:>8.2f} {wrong:>6}/{len(latencies)}"
            )


if __name__ == "__main__":
    main()
