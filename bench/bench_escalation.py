"""Escalation speed: from a person's crisis message to the page in the channel's hands, and timer accuracy.

    python bench/bench_escalation.py --cases 300

Targets (SQLite, 2 cores): p99 at most 200 ms from message to page; the next level paged within 1 s
of the acknowledge timeout.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import percentile

from bot.bootstrap import App, bootstrap
from bot.staff import StaffIdentity
from flows.events import parse_text
from flows.oncall.policy import default_policy_data, policy_from
from storage.encryption import Cipher, generate_key

READY = ["/start", "I agree, let's start", "United Kingdom", "it's been a bad week", "6"]
CRISIS = "I want to kill myself tonight"


def started(folder: Path, ack_seconds: float, cases: int) -> App:
    policy_data = default_policy_data()
    for level in policy_data["levels"]:
        level["ack_timeout_minutes"] = ack_seconds / 60
    policy_data["caseload_cap"] = cases + 1
    policy_data["page_moderate_at_night"] = True  # the same figures at any hour
    app = bootstrap(
        f"sqlite:///{folder / 'bench.db'}", Cipher([generate_key().encode()]), policy=policy_from(policy_data)
    )
    app.admin.add_staff("Bench Counsellor", "counsellor", None)
    app.admin.add_staff("Bench Supervisor", "supervisor", None)
    for name in ("Bench Counsellor", "Bench Supervisor"):
        app.staff.handle(StaffIdentity(name=name), "/oncall on")
    return app


def message_to_page(app: App, cases: int) -> list[float]:
    member = app.staff.member(StaffIdentity(name="Bench Counsellor"))
    assert member is not None
    latencies = []
    for number in range(cases):
        user = f"bench:{number}"
        for text in READY:
            app.conversations.handle(user, parse_text(text))
        started_at = time.perf_counter()
        app.conversations.handle(user, parse_text(CRISIS))
        pages = [d for d in app.staff.inbox(member) if d.kind == "page"]
        latencies.append(time.perf_counter() - started_at)
        assert pages, "no page reached the channel"
    return latencies


def timer_lateness(folder: Path, cases: int, ack_seconds: float) -> list[float]:
    """Real APScheduler jobs: how long after its timeout each case reached the supervisor level."""
    app = started(folder, ack_seconds, cases)
    app.start_timers()
    supervisor = app.staff.member(StaffIdentity(name="Bench Supervisor"))
    assert supervisor is not None
    due: dict[int, float] = {}
    for number in range(cases):
        user = f"timer:{number}"
        for text in [*READY, "Talk to a person"]:
            app.conversations.handle(user, parse_text(text))
        due[number + 1] = time.monotonic() + ack_seconds
    lateness: dict[int, float] = {}
    deadline = time.monotonic() + ack_seconds + 10
    while len(lateness) < cases and time.monotonic() < deadline:
        for delivery in app.staff.inbox(supervisor):
            if delivery.kind == "page" and delivery.case_id and delivery.case_id not in lateness:
                lateness[delivery.case_id] = time.monotonic() - due[delivery.case_id]
        time.sleep(0.01)
    app.close()
    return [lateness.get(case, float("inf")) for case in due]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--timer-cases", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = started(Path(folder), 180, args.cases)
        latencies = message_to_page(app, args.cases)
        app.close()
    with tempfile.TemporaryDirectory() as folder:
        late = timer_lateness(Path(folder), args.timer_cases, ack_seconds=2.0)
    print(f"cases:                    {args.cases}")
    print(f"message to page p50:      {percentile(latencies, 0.5) * 1000:.1f} ms")
    print(f"message to page p99:      {percentile(latencies, 0.99) * 1000:.1f} ms")
    print(f"timer cases:              {len(late)}")
    print(f"next level after timeout: max {max(late):.3f} s, p50 {percentile(late, 0.5):.3f} s")


if __name__ == "__main__":
    main()
