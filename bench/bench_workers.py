"""Throughput and latency of 1, 2 and 4 `pfa-bot run` webhook workers on one PostgreSQL.

    python bench/bench_workers.py --db postgresql://postgres@127.0.0.1:5432/scratch   # emptied!
    python bench/bench_workers.py --db URL --workers 1 2 4 --people 40 --runs 3

Real worker processes in webhook mode, fed real Update JSON over HTTP as a load balancer without
stickiness would (each of a person's messages to the next worker), answering through a Bot API
that replies at once (bench/fake_bot_api.py). Each simulated person sends the next message only
when every reply to the last one has arrived (a closed loop, as people in a chat do), so latency is
what a person waits: from the update leaving the load balancer to the last reply reaching Telegram.
The load generator and the fake Bot API run on the same machine as the workers and PostgreSQL, and
take their share of its cores: say so when quoting the figures.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import SCRIPT
from fake_bot_api import FakeBotApi
from floor import empty_postgres, percentile

from storage.encryption import generate_key

SECRET = "bench-secret"
TOKEN = "123456:BENCHTOKENabcdefghijklmnopq"
REPLY_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Worker:
    """One `pfa-bot run` in webhook mode on its own port, with its own spool."""

    def __init__(self, env: dict[str, str], folder: Path, name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        spool = folder / name
        spool.mkdir()
        worker_env = {**env, "PFA_WEBHOOK_URL": self.url, "PFA_WEBHOOK_PORT": str(self.port)}
        worker_env["PFA_SPOOL_DIR"] = str(spool)
        self.log = (folder / f"{name}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        self._client = threading.local()
        self._wait_listening(name)

    def post(self, update: dict[str, Any]) -> None:
        client = getattr(self._client, "http", None)
        if client is None:
            client = self._client.http = httpx.Client(timeout=REPLY_TIMEOUT)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        client.post(self.url, json=update, headers=headers).raise_for_status()

    def resident_mib(self) -> float:
        """The worker's resident memory now (Linux), in MiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
        return int(kib) / 1024

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()

    def _wait_listening(self, name: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.close()
                said = Path(self.log.name).read_text(errors="replace")[-2000:]
                raise SystemExit(f"worker {name} exited with {self.process.returncode}:\n{said}")
            try:
                if httpx.post(self.url, json={}, timeout=2).status_code == 403:  # no secret: refused
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"worker {name} did not listen within a minute")


class Updates:
    """Real Update JSON, numbered as Telegram numbers them (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next = 1000

    def text(self, chat_id: int, text: str) -> dict[str, Any]:
        with self._lock:
            self._next += 1
            number = self._next
        person = {"id": chat_id, "is_bot": False, "first_name": "Bench", "language_code": "en"}
        message: dict[str, Any] = {
            "message_id": number,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Bench"},
            "from": person,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": number, "message": message}


def environment(url: str, api: FakeBotApi, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PFA_")}
    env.update(
        PFA_TELEGRAM_TOKEN=TOKEN,
        PFA_TELEGRAM_BASE_URL=api.url,
        PFA_DATABASE_URL=url,
        PFA_WEBHOOK_SECRET=SECRET,
        PFA_ENCRYPTION_KEY=generate_key(),
        XDG_DATA_HOME=str(folder / "data"),
        # The fake Bot API has no flood limit: without this, every worker is held to Telegram's
        # 30 messages a second and the bench measures that, not the workers.
        PFA_TELEGRAM_SEND_RATE="100000",
    )
    return env


def replies_per_message(workers: list[Worker], api: FakeBotApi, updates: Updates) -> list[int]:
    """How many messages the bot sends after each line of the script, learnt from one person who
    waits for quiet after each line (the flow is deterministic, so every person gets the same)."""
    chat_id, counts, total = 1, [], 0
    for text in SCRIPT:
        workers[0].post(updates.text(chat_id, text))
        while api.wait_for(chat_id, api.sent(chat_id) + 1, timeout=1.5):
            pass
        counts.append(api.sent(chat_id) - total)
        total = api.sent(chat_id)
    return counts


def one_person(
    chat_id: int, workers: list[Worker], api: FakeBotApi, updates: Updates, counts: list[int]
) -> list[float]:
    latencies, expected = [], 0
    for turn, (text, count) in enumerate(zip(SCRIPT, counts, strict=True)):
        expected += count
        started = time.perf_counter()
        workers[(chat_id + turn) % len(workers)].post(updates.text(chat_id, text))
        if not api.wait_for(chat_id, expected, REPLY_TIMEOUT):
            raise SystemExit(f"chat {chat_id}: no reply to line {turn} within {REPLY_TIMEOUT:.0f} s")
        latencies.append(time.perf_counter() - started)
    return latencies


def one_run(url: str, worker_count: int, people: int) -> tuple[float, list[float], float]:
    """Messages per second, each message's latency and the largest worker's resident memory after
    the run (MiB), on a freshly emptied database."""
    empty_postgres(url)
    with tempfile.TemporaryDirectory() as scratch, FakeBotApi() as api:
        folder = Path(scratch)
        env = environment(url, api, folder)
        workers = [Worker(env, folder, f"w{n}") for n in range(worker_count)]
        try:
            updates = Updates()
            counts = replies_per_message(workers, api, updates)
            started = time.perf_counter()
            with ThreadPoolExecutor(people) as pool:
                chats = range(100, 100 + people)
                results = list(pool.map(lambda c: one_person(c, workers, api, updates, counts), chats))
            elapsed = time.perf_counter() - started
            memory = max(worker.resident_mib() for worker in workers)
        finally:
            for worker in workers:
                worker.stop()
    latencies = [latency for person in results for latency in person]
    return len(latencies) / elapsed, latencies, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a scratch PostgreSQL database URL (emptied first)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--people", type=int, default=40, help="people talking at once")
    parser.add_argument("--runs", type=int, default=3, help="runs per worker count (medians printed)")
    args = parser.parse_args()
    print(f"{args.people} people at once, {len(SCRIPT)} messages each, {os.cpu_count()} cores")
    print(f"medians of {args.runs} runs")
    print("workers  messages/s  p50 ms  p99 ms  vs 1 worker  MiB a worker")
    base: float | None = None
    for count in args.workers:
        runs = [one_run(args.db, count, args.people) for _ in range(args.runs)]
        rate = statistics.median(r for r, _, _ in runs)
        p50 = statistics.median(percentile(lat, 0.50) for _, lat, _ in runs) * 1000
        p99 = statistics.median(percentile(lat, 0.99) for _, lat, _ in runs) * 1000
        memory = max(m for _, _, m in runs)
        base = base or rate
        print(f"{count:>7}  {rate:>10.1f}  {p50:>6.1f}  {p99:>6.1f}  {rate / base:>10.2f}x  {memory:>12.0f}")


if __name__ == "__main__":
    main()
