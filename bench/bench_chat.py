"""Per-message latency through the real `pfa-bot chat --jsonl` process, beside the durable floor.

    python bench/bench_chat.py --people 20
    python bench/bench_chat.py --db postgresql://postgres@127.0.0.1:5432/scratch   # emptied first!

Each person is a real `pfa-bot chat --jsonl` process going through the same script as
bench_engine.py. A message's latency runs from writing its line to reading the last line of its
answer (each message is followed by `{}`, which the console refuses at once with an `error` line:
the end marker costs a JSON parse, no database work). One bare insert-and-commit is measured on the
same disk after each message (bench/floor.py), so both see the same load. Process start-up is not
counted. Targets (SQLite): p50 within 3x of the floor's p50, p99 under 5 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import SCRIPT, database_url
from floor import PostgresFloor, SqliteFloor, floor_for, summary

from storage.encryption import generate_key

END_MARKER = b"{}\n"


def talk(process: subprocess.Popen[bytes], text: str) -> float:
    """Send one line; return the seconds until its whole answer was read."""
    assert process.stdin is not None and process.stdout is not None
    started = time.perf_counter()
    process.stdin.write(json.dumps({"text": text}).encode() + b"\n" + END_MARKER)
    process.stdin.flush()
    while True:
        line = process.stdout.readline()
        if not line:
            raise SystemExit(f"the chat process ended: {process.wait()}")
        if "error" in json.loads(line):
            return time.perf_counter() - started


def one_person(
    url: str, env: dict[str, str], person: int, floor: SqliteFloor | PostgresFloor
) -> tuple[list[float], list[float]]:
    command = [sys.executable, "-m", "bot.cli", "chat", "--jsonl", "--db", url, "--user", f"bench{person}"]
    process = subprocess.Popen(command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    latencies, floors = [], []
    try:
        talk(process, "/help")  # start-up and first connection, not counted
        for text in SCRIPT:
            latencies.append(talk(process, text))
            floors.append(floor.once())
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=30)
    return latencies, floors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20, help="one process each, one after another")
    parser.add_argument("--db", help="a scratch database URL (PostgreSQL is emptied first); default SQLite")
    args = parser.parse_args()
    latencies: list[float] = []
    floors: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = database_url(args.db, folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PFA_")}
        env.update(PFA_ENCRYPTION_KEY=generate_key(), XDG_DATA_HOME=str(folder / "data"))
        env["PFA_SPOOL_DIR"] = str(folder / "spool")
        floor = floor_for(url, folder)
        try:
            for person in range(args.people):
                said, floored = one_person(url, env, person, floor)
                latencies += said
                floors += floored
        finally:
            floor.close()
    print(f"database:           {url.split('://')[0]} (through `pfa-bot chat --jsonl`)")
    print("\n".join(summary(latencies, floors)))


if __name__ == "__main__":
    main()
