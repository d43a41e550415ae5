"""The floor under any durable engine: one bare insert-and-commit, with the settings the bot uses.

Measured interleaved with the messages (one floor commit after each message), so that both see the
same disk, the same load from the rest of the machine and the same cache; measured after the run,
the floor drifted and the printed ratio swung from 1.3x to 5.6x between runs.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from pathlib import Path

import psycopg
from sqlalchemy import text

from storage.database import make_engine, normalise_url
from storage.migrate import upgrade

ROW = b"x" * 200


class SqliteFloor:
    """A second file beside the bot's database: WAL and synchronous=FULL, as storage/database.py."""

    def __init__(self, folder: Path):
        self._connection = sqlite3.connect(folder / "floor.db", isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL"):
            self._connection.execute(f"PRAGMA {pragma}")
        self._connection.execute("CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, body BLOB)")

    def once(self) -> float:
        started = time.perf_counter()
        self._connection.execute("BEGIN IMMEDIATE")
        self._connection.execute("INSERT INTO floor (body) VALUES (?)", (ROW,))
        self._connection.execute("COMMIT")
        return time.perf_counter() - started

    def close(self) -> None:
        self._connection.close()


class PostgresFloor:
    """A bare table in the same database, one INSERT and COMMIT a time (synchronous_commit as set)."""

    def __init__(self, url: str):
        plain = normalise_url(url).replace("postgresql+psycopg://", "postgresql://")
        self._connection = psycopg.connect(plain)
        self._connection.execute("CREATE TABLE IF NOT EXISTS bench_floor (id serial PRIMARY KEY, body bytea)")
        self._connection.commit()

    def once(self) -> float:
        started = time.perf_counter()
        self._connection.execute("INSERT INTO bench_floor (body) VALUES (%s)", (ROW,))
        self._connection.commit()
        return time.perf_counter() - started

    def close(self) -> None:
        self._connection.execute("DROP TABLE IF EXISTS bench_floor")
        self._connection.commit()
        self._connection.close()


def floor_for(url: str, folder: Path) -> SqliteFloor | PostgresFloor:
    return SqliteFloor(folder) if url.startswith("sqlite") else PostgresFloor(url)


def empty_postgres(url: str) -> None:
    """A PostgreSQL database given to a bench is a scratch one: emptied, then migrated by the bot."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(latencies: list[float], floor: list[float]) -> list[str]:
    """Medians and p99s side by side, in milliseconds, and their ratios."""
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    floor50, floor99 = statistics.median(floor), percentile(floor, 0.99)
    return [
        f"messages:           {len(latencies)}",
        f"messages/second:    {len(latencies) / sum(latencies):,.0f} (one thread)",
        f"latency p50 / p99:  {p50 * 1000:.2f} / {p99 * 1000:.2f} ms",
        f"floor p50 / p99:    {floor50 * 1000:.2f} / {floor99 * 1000:.2f} ms (interleaved)",
        f"p50 / floor p50:    {p50 / floor50:.2f}x",
        f"p99 / floor p99:    {p99 / floor99:.2f}x",
    ]
