"""Drive many simulated conversations through engine and storage; compare with SQLite's floor.

    python bench/bench_engine.py --conversations 1000

Prints messages per second, p50/p99 latency per message, and the cost of a bare SQLite
insert-and-commit of one row with the same durability settings: the floor under any durable engine.
Targets (2 cores, SQLite): p99 <= 5 ms, >= 500 messages/s with 1,000 conversations, <= 3x the floor.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import bootstrap
from flows.events import parse_text
from storage.encryption import Cipher, generate_key

SCRIPT = [
    "/start",
    "I agree, let's start",
    "United Kingdom",
    "I feel overwhelmed and anxious about work",
    "7",
    "Grounding: come back to the here and now",
    "5-4-3-2-1 with my senses",
    "a lamp, a cup, a window, a door, a book",
    "my jumper",
    "the fridge humming",
    "coffee",
    "mint",
    "A bit better",
    "Slow breathing",
    "Box breathing (4-4-4-4)",
    "I'm ready",
    "That's enough for now",
    "About the same",
    "I'm done for now",
    "5",
]


def run_conversations(database: Path, conversations: int) -> list[float]:
    """Interleave the conversations message by message; return each message's latency in seconds."""
    app = bootstrap(f"sqlite:///{database}", Cipher([generate_key().encode()]))
    latencies: list[float] = []
    for text in SCRIPT:
        event = parse_text(text)
        for number in range(conversations):
            started = time.perf_counter()
            app.conversations.handle(f"bench:{number}", event)
            latencies.append(time.perf_counter() - started)
    app.close()
    return latencies


def sqlite_floor(database: Path, rows: int = 2000) -> float:
    """Seconds for one bare insert-and-commit with the pragmas the application uses."""
    connection = sqlite3.connect(database, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL"):
        connection.execute(f"PRAGMA {pragma}")
    connection.execute("CREATE TABLE floor (id INTEGER PRIMARY KEY, body BLOB)")
    started = time.perf_counter()
    for _ in range(rows):
        connection.execute("BEGIN")
        connection.execute("INSERT INTO floor (body) VALUES (?)", (b"x" * 200,))
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed / rows


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        latencies = run_conversations(Path(folder) / "bench.db", args.conversations)
        floor = sqlite_floor(Path(folder) / "floor.db")
    mean = statistics.fmean(latencies)
    print(f"conversations:      {args.conversations}")
    print(f"messages:           {len(latencies)}")
    print(f"messages/second:    {len(latencies) / sum(latencies):,.0f}")
    print(f"latency p50:        {percentile(latencies, 0.50) * 1000:.2f} ms")
    print(f"latency p99:        {percentile(latencies, 0.99) * 1000:.2f} ms")
    print(f"sqlite floor:       {floor * 1000:.3f} ms per insert-and-commit")
    print(f"mean / floor:       {mean / floor:.2f}x")


if __name__ == "__main__":
    main()
