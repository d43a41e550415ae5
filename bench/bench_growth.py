"""Per-message cost as the database grows: stored conversations 10 -> 1,000,000, 100,000 pending timers.

    python bench/bench_growth.py                       # SQLite in a temporary folder
    python bench/bench_growth.py --db postgresql://postgres@127.0.0.1:5432/scratch --sizes 10,100000

The stored conversations (each with one message) and the pending timers (due tomorrow) are
bulk-inserted as rows, as a busy service would hold them; at each size, fresh conversations are
driven through the whole script with the durable floor interleaved (bench/floor.py), and the timer
sweep that every process runs each second is timed. Target: per-message p50 and p99 flat (within
the floor's own drift) from the smallest size to the largest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import database_url, interleaved
from floor import percentile
from sqlalchemy import func, insert, select
from sqlalchemy import text as sql

from bot.bootstrap import App, bootstrap
from bot.clock import system_clock
from storage.encryption import Cipher, generate_key
from storage.models import CONVERSATIONS, MESSAGES, TIMERS

BATCH = 20_000


def store_conversations(app: App, upto: int) -> None:
    """Bulk-insert stored conversations, each with one message, until there are `upto` of them."""
    with app.database.connect() as connection:
        have = connection.execute(select(func.count()).select_from(CONVERSATIONS)).scalar_one()
    now = system_clock()
    sealed = app.cipher.encrypt('{"feeling": "tired", "distress": 5}')
    body = app.cipher.encrypt("a message of an ordinary length, about a bad week at work")
    for first in range(have, upto, BATCH):
        numbers = range(first, min(upto, first + BATCH))
        conversations = [
            {
                "user_id": f"stored:{n}",
                "state": "menu",
                "language": "en",
                "answers": sealed,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for n in numbers
        ]
        messages = [
            {"user_id": f"stored:{n}", "body": body, "position": "menu", "handled": True, "created_at": now}
            for n in numbers
        ]
        with app.database.begin() as connection:
            connection.execute(insert(CONVERSATIONS), conversations)
            connection.execute(insert(MESSAGES), messages)


def store_timers(app: App, count: int) -> None:
    """Pending timers of stored conversations, due tomorrow: what a sweep must pass over."""
    tomorrow = system_clock() + dt.timedelta(days=1)
    for first in range(0, count, BATCH):
        rows = [
            {"key": f"person:stored:{n}:checkin", "due_at": tomorrow + dt.timedelta(seconds=n)}
            for n in range(first, min(count, first + BATCH))
        ]
        with app.database.begin() as connection:
            connection.execute(insert(TIMERS), rows)


def analyse(app: App) -> None:
    """Refresh the planner's statistics after a bulk insert, as autovacuum does within a minute on a
    live server: without them PostgreSQL scanned all 100,000 timers in each sweep (about 15 ms)."""
    with app.database.begin() as connection:
        connection.execute(sql("ANALYZE"))


def measure_messages(app: App, folder: Path, url: str, size: int, conversations: int) -> list[float]:
    """p50 and p99 of a message and of the interleaved floor, in seconds."""
    latencies, floors = interleaved(app, url, folder, f"fresh:{size}", conversations)
    return [statistics.median(latencies), percentile(latencies, 0.99), statistics.median(floors)]


def measure_sweep(app: App, runs: int = 20) -> float:
    """Median seconds of one timer sweep (nothing due: the pending timers are tomorrow's)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        app.timers.fire_due()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a scratch database URL (PostgreSQL is emptied first); default SQLite")
    parser.add_argument("--sizes", default="10,10000,100000,1000000", help="stored conversations, rising")
    parser.add_argument("--timers", type=int, default=100_000, help="pending timers")
    parser.add_argument("--conversations", type=int, default=50, help="fresh conversations per size")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = database_url(args.db, Path(folder))
        app = bootstrap(url, Cipher([generate_key().encode()]), spool_dir=Path(folder) / "spool")
        try:
            store_timers(app, args.timers)
            print(f"database: {url.split('://')[0]}; pending timers: {args.timers:,}")
            print("stored conversations | message p50 | message p99 | floor p50 | p50/floor | sweep")
            for size in (int(part) for part in args.sizes.split(",")):
                store_conversations(app, size)
                analyse(app)
                p50, p99, floor50 = measure_messages(app, Path(folder), url, size, args.conversations)
                sweep = measure_sweep(app)
                print(
                    f"{size:>20,} | {p50 * 1000:8.2f} ms | {p99 * 1000:8.2f} ms | {floor50 * 1000:6.2f} ms"
                    f" | {p50 / floor50:8.2f}x | {sweep * 1000:.2f} ms",
                    flush=True,
                )
        finally:
            app.close()


if __name__ == "__main__":
    main()
