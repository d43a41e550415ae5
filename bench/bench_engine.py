"""Drive many simulated conversations through engine and storage; compare with the durable floor.

    python bench/bench_engine.py --conversations 1000
    python bench/bench_engine.py --db postgresql://postgres@127.0.0.1:5432/scratch   # emptied first!

Prints messages per second and p50/p99 latency per message beside the same percentiles of a bare
insert-and-commit measured interleaved with the messages (bench/floor.py): the floor under any
durable engine on this disk. Targets (2 cores, SQLite): p50 within 3x of the floor's, p99 <= 5 ms.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from floor import empty_postgres, floor_for, percentile, summary

from bot.bootstrap import App, bootstrap
from flows.events import parse_text
from storage.encryption import Cipher, generate_key
from tests.scripts import TYPICAL_CONVERSATION

SCRIPT = TYPICAL_CONVERSATION


def run_conversations(url: str, folder: Path, conversations: int) -> tuple[list[float], list[float]]:
    """Each message's latency and each interleaved floor commit's, in seconds, on a new database."""
    app = bootstrap(url, Cipher([generate_key().encode()]), spool_dir=folder / "spool")
    try:
        return interleaved(app, url, folder, f"bench:{secrets.token_hex(3)}", conversations)
    finally:
        app.close()


def interleaved(
    app: App, url: str, folder: Path, prefix: str, conversations: int
) -> tuple[list[float], list[float]]:
    """Take `conversations` new people (`prefix`:n) through the script, message by message, one
    floor commit after each message; return each message's latency and each floor commit's."""
    floor = floor_for(url, folder)
    latencies: list[float] = []
    floors: list[float] = []
    try:
        for text in SCRIPT:
            event = parse_text(text)
            for number in range(conversations):
                started = time.perf_counter()
                app.conversations.handle(f"{prefix}:{number}", event)
                latencies.append(time.perf_counter() - started)
                floors.append(floor.once())
    finally:
        floor.close()
    return latencies, floors


def database_url(given: str | None, folder: Path) -> str:
    if given is None:
        return f"sqlite:///{folder / 'bench.db'}"
    if not given.startswith("sqlite"):
        empty_postgres(given)
    return given


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--db", help="a scratch database URL (PostgreSQL is emptied first); default SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = database_url(args.db, Path(folder))
        latencies, floors = run_conversations(url, Path(folder), args.conversations)
    print(f"database:           {url.split('://')[0]}")
    print(f"conversations:      {args.conversations}")
    print("\n".join(summary(latencies, floors)))


__all__ = ["SCRIPT", "interleaved", "percentile", "run_conversations"]

if __name__ == "__main__":
    main()
