"""Measure the risk detector on one core: assessments per second and p50/p99 latency per call.

    python bench/bench_risk.py --calls 50000

Messages are drawn in turn from the project's labelled corpus (a mix of crisis, concern and safe
lines), so cached normalisation of repeated words is exercised as in a live service.
Target: >= 5,000 assessments per second on one core. The rate is given twice: by the wall clock, and
by the process's CPU time, which is what one core delivers even when other jobs share the machine
(the target is checked against the CPU-time rate).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flows.risk import assess

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "risk_corpus.jsonl"
TARGET = 5_000


def messages() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def run(texts: list[str], calls: int) -> list[float]:
    """Assess `calls` messages; return each call's latency in seconds."""
    latencies: list[float] = []
    clock = time.perf_counter
    for number in range(calls):
        text = texts[number % len(texts)]
        started = clock()
        assess(text)
        latencies.append(clock() - started)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    args = parser.parse_args()
    texts = messages()
    run(texts, len(texts))  # warm-up: fills the per-token caches once
    started, cpu_started = time.perf_counter(), time.process_time()
    latencies = run(texts, args.calls)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    quantiles = statistics.quantiles(latencies, n=100)
    rate = args.calls / cpu
    print(f"{args.calls} assessments of {len(texts)} distinct messages: {elapsed:.2f} s, {cpu:.2f} s of CPU")
    print(
        f"throughput: {rate:,.0f} assessments per CPU-second (target >= {TARGET:,}); "
        f"{args.calls / elapsed:,.0f}/s by the wall clock"
    )
    print(f"latency: p50 {quantiles[49] * 1e6:.0f} us, p99 {quantiles[98] * 1e6:.0f} us")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
